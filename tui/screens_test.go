package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/vault"
)

// TestEveryScreenFits opens each screen at 80x24 and 160x48: every frame has exactly the
// terminal's height, no line is wider than the terminal, and the frame is pinned by a golden
// file (refresh with go test ./tui -run TestEveryScreenFits -update).
func TestEveryScreenFits(t *testing.T) {
	screens := []struct {
		name  string
		keys  []string
		want  string
		setup func(h *harness)
	}{
		{"dashboard", nil, "Watchlist", nil},
		{"dashboard with a question", []string{"K"}, "Engage the KILL SWITCH?", nil},
		{"detail", []string{"tab", "enter"}, "▸ Orders", nil},
		{"detail fills", []string{"tab", "enter", "tab"}, "▸ Fills", nil},
		{"new dca bot", []string{"n"}, "Dip steps", nil},
		{"new grid bot, live", []string{"n", "tab", "tab", "right", "tab", "right"}, "Lower price", nil},
		{"ticket", []string{"o"}, "Order ticket", nil},
		{"ticket asking", []string{"o", "0.01", "ctrl+s"}, "Place LIMIT BUY 0.01000 BTCUSDT", nil},
		{"keys", []string{"r"}, "LAST CHECK", nil},
		{"add key", []string{"r", "a"}, "Add a key", nil},
		{"rotate key", []string{"r", "R"}, "Rotate fresh", nil},
		{"add anthropic key", []string{"r", "a", "right", "tab"}, "the Anthropic API key for the optional Claude analysis", nil},
		{"keys with anthropic", []string{"r"}, "anthropic (AI)", withAnthropicKey},
		{"rotate anthropic key", []string{"r", "R"}, "Rotate claude", withAnthropicKey},
		{"passphrase", []string{"r", "p"}, "Change the vault passphrase", nil},
		{"help", []string{"?"}, "Keys & vault", nil},
		// Scrolled to the end: at 80x24 the last group comes into view.
		{"help scrolled", append([]string{"?"}, strings.Split(strings.Repeat("j", 20), "")...), "ctrl+c", nil},
		{"portfolio", []string{"P"}, "Portfolio", nil},
		{"orders", []string{"O"}, "History", nil},
		{"backtest", []string{"tab", "enter", "b"}, "enter replays", nil},
	}
	for _, sc := range screens {
		for _, sz := range [][2]int{{80, 24}, {160, 48}} {
			t.Run(strings.ReplaceAll(sc.name, " ", "_")+"/"+fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
				h := keysHarness(t)
				h.keys("esc")
				if sc.setup != nil {
					sc.setup(h)
				}
				h.m.applySnapshot(testSnapshot(4, 5, 30))
				h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				for _, k := range sc.keys {
					if len(k) > 1 && !strings.ContainsAny(k, "+") && k != "enter" && k != "tab" && k != "right" && k != "esc" {
						h.typeText(k)
						continue
					}
					h.keys(k)
				}
				h.flush()
				h.wantView(sc.want)
				lines := strings.Split(h.View(), "\n")
				if len(lines) != sz[1] {
					t.Fatalf("%s at %dx%d: %d lines:\n%s", sc.name, sz[0], sz[1], len(lines), h.View())
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > sz[0] {
						t.Fatalf("%s at %dx%d: line %d is %d cells:\n%s", sc.name, sz[0], sz[1], i, w, l)
					}
				}
				golden.RequireEqual(t, []byte(h.View()))
			})
		}
	}
}

// withAnthropicKey stores an Anthropic key (sorted first, so selected) next to the exchange keys.
func withAnthropicKey(h *harness) {
	h.vault.creds = append(h.vault.creds, vault.Credential{ID: 9, Label: "claude", Exchange: "anthropic", CreatedAt: fixedNow.Add(-30 * 24 * time.Hour)})
}

// TestDashboardUsesTheWholeScreen: at the sizes people use, the dashboard leaves at most a few
// blank lines, and from 100x30 up it shows the chart.
func TestDashboardUsesTheWholeScreen(t *testing.T) {
	for _, sz := range [][2]int{{100, 30}, {120, 40}, {160, 48}, {200, 60}} {
		h := newDashboardHarness(t, testSnapshot(8, 6, 200))
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		h.flush()
		v := h.View()
		if !strings.Contains(v, "┤") || !strings.Contains(v, "1m candles") {
			t.Fatalf("%dx%d: no chart:\n%s", sz[0], sz[1], v)
		}
		blank := 0
		for _, l := range strings.Split(v, "\n") {
			if strings.TrimSpace(strings.ReplaceAll(l, "│", "")) == "" {
				blank++
			}
		}
		if blank > 3 {
			t.Fatalf("%dx%d: %d blank lines:\n%s", sz[0], sz[1], blank, v)
		}
	}
}

// TestDashboardFewRowsLeaveNoHole: a new user's dashboard (no bots, two orders, no fills, one
// balance) still uses its lines: in each column at most a few stay empty, at every size. The
// narrow layout gives the spare lines to the chart, the wide one to the book and the trades
// tape. Goldens: go test ./tui -run TestDashboardFewRowsLeaveNoHole -update.
func TestDashboardFewRowsLeaveNoHole(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {160, 48}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			snap := testSnapshot(4, 0, 0)
			snap.Orders, snap.Fills, snap.Balances = snap.Orders[:2], nil, snap.Balances[:1]
			h := newDashboardHarness(t, snap)
			h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			h.flush()
			// The next snapshot brings the chart's candles and the book and tape, asked for by
			// the first layout that had room for them.
			h.emit(engine.SnapshotEvent{Snapshot: snap})
			h.flush()
			v := h.View()
			if !strings.Contains(v, "1m candles") {
				t.Fatalf("no chart in the spare lines:\n%s", v)
			}
			cols := [][2]int{{0, sz[0]}}
			if sz[0] >= 100 {
				lw := sz[0] * 3 / 5
				cols = [][2]int{{0, lw}, {lw + 1, sz[0]}}
			}
			for _, col := range cols {
				blank := 0
				for _, l := range strings.Split(v, "\n") {
					r := []rune(l)
					part := string(r[min(col[0], len(r)):min(col[1], len(r))])
					if strings.TrimSpace(strings.ReplaceAll(part, "│", "")) == "" {
						blank++
					}
				}
				if blank > 3 {
					t.Fatalf("columns %d-%d leave %d blank lines:\n%s", col[0], col[1], blank, v)
				}
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}
