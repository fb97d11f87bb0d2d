package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// TestEveryScreenFits opens each screen at 80x24 and 160x48: every frame has exactly the
// terminal's height, no line is wider than the terminal, and the frame is pinned by a golden
// file (refresh with go test ./tui -run TestEveryScreenFits -update).
func TestEveryScreenFits(t *testing.T) {
	screens := []struct {
		name string
		keys []string
		want string
	}{
		{"dashboard", nil, "Watchlist"},
		{"dashboard with a question", []string{"K"}, "Engage the KILL SWITCH?"},
		{"detail", []string{"tab", "enter"}, "▸ Orders"},
		{"detail fills", []string{"tab", "enter", "tab"}, "▸ Fills"},
		{"new dca bot", []string{"n"}, "Dip steps"},
		{"new grid bot, live", []string{"n", "tab", "tab", "right", "tab", "right"}, "Lower price"},
		{"ticket", []string{"o"}, "Order ticket"},
		{"ticket asking", []string{"o", "0.01", "ctrl+s"}, "Place LIMIT BUY 0.01 BTCUSDT"},
		{"keys", []string{"r"}, "LAST CHECK"},
		{"add key", []string{"r", "a"}, "Add a key"},
		{"rotate key", []string{"r", "R"}, "Rotate fresh"},
		{"passphrase", []string{"r", "p"}, "Change the vault passphrase"},
		{"help", []string{"?"}, "Keys & vault"},
		// Scrolled to the end: at 80x24 the last group comes into view.
		{"help scrolled", append([]string{"?"}, strings.Split(strings.Repeat("j", 20), "")...), "ctrl+c"},
		{"portfolio", []string{"P"}, "Portfolio"},
		{"orders", []string{"O"}, "History"},
		{"backtest", []string{"tab", "enter", "b"}, "enter replays"},
	}
	for _, sc := range screens {
		for _, sz := range [][2]int{{80, 24}, {160, 48}} {
			t.Run(strings.ReplaceAll(sc.name, " ", "_")+"/"+fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
				h := keysHarness(t)
				h.keys("esc")
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
