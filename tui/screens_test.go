package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// TestEveryScreenFits opens each screen at 80x24 and 160x48: every frame has exactly the
// terminal's height and no line is wider than the terminal.
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
	}
	for _, sc := range screens {
		for _, sz := range [][2]int{{80, 24}, {160, 48}} {
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
		}
	}
}
