// Package help owns the help screen: every key binding of the cockpit, grouped by what it is
// for, generated from the keymap so a binding cannot exist without being listed.
package help

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen is the help screen.
type Screen struct {
	c    *common.Common
	w, h int
}

// New builds the help screen.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	return &Screen{c: c}, nil
}

// Update closes the screen on esc; ? and q are the root's.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.c.Keys.Back) {
		s.c.Host.Back()
	}
	return nil
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false: every key is a binding here.
func (s *Screen) TakesText() bool { return false }

// ShortHelp is the help bar.
func (s *Screen) ShortHelp() []key.Binding { return []key.Binding{s.c.Keys.Back, s.c.Keys.Help} }

// View lists every key binding in as many columns as fit.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	var cols []string
	for _, g := range s.c.Keys.HelpGroups() {
		var b strings.Builder
		b.WriteString(st.Heading.Render(g.Title) + "\n")
		for _, kb := range g.Bindings {
			h := kb.Help()
			b.WriteString(st.Accent.Render(common.PadRight(h.Key, 9)) + " " + st.Muted.Render(h.Desc) + "\n")
		}
		cols = append(cols, b.String())
	}
	// Columns as wide as the longest binding, so a row never runs past the screen.
	colW := 26
	for _, c := range cols {
		for _, l := range strings.Split(c, "\n") {
			colW = max(colW, lipgloss.Width(l)+3)
		}
	}
	perRow := max(1, min(len(cols), s.w/colW))
	var rows []string
	for i := 0; i < len(cols); i += perRow {
		end := min(i+perRow, len(cols))
		row := make([]string, 0, perRow)
		row = append(row, cols[i:end]...)
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, padBlock(row, colW)...))
	}
	title := st.Title.Render(" QuantDeck help") + st.Muted.Render("  every key, from the keymap · esc or ? closes")
	note := common.Para(st.Muted, "Destructive and live-money actions always ask y/N first. Run QuantDeck inside tmux (tmux new -A -s quantdeck quantdeck) so a dropped SSH session does not stop your bots.", s.w)
	return title + "\n\n" + lipgloss.JoinVertical(lipgloss.Left, rows...) + "\n" + note
}

// padBlock pads every line of each block to w cells so columns line up.
func padBlock(blocks []string, w int) []string {
	out := make([]string, len(blocks))
	for i, b := range blocks {
		lines := strings.Split(b, "\n")
		for j, l := range lines {
			lines[j] = " " + common.PadRight(l, w-1)
		}
		out[i] = strings.Join(lines, "\n")
	}
	return out
}
