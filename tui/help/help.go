// Package help owns the help screen: every key binding of the cockpit, grouped by what it is
// for, generated from the keymap so a binding cannot exist without being listed.
package help

import (
	"fmt"
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
	top  int // first line shown when the list is taller than the screen
}

// New builds the help screen.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	return &Screen{c: c}, nil
}

// Update closes the screen on esc and scrolls a list taller than the screen; ? and q are the
// root's.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := s.c.Keys
	switch {
	case key.Matches(k, keys.Back):
		s.c.Host.Back()
	case key.Matches(k, keys.Down):
		s.top++
	case key.Matches(k, keys.Up):
		s.top--
	case key.Matches(k, keys.PageDown):
		s.top += max(1, s.bodyHeight()-1)
	case key.Matches(k, keys.PageUp):
		s.top -= max(1, s.bodyHeight()-1)
	}
	s.top = max(0, min(s.top, len(s.lines())-s.bodyHeight()))
	return nil
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false: every key is a binding here.
func (s *Screen) TakesText() bool { return false }

// ShortHelp is the help bar: scrolling only when the list does not fit.
func (s *Screen) ShortHelp() []key.Binding {
	if len(s.lines()) > s.bodyHeight() {
		return []key.Binding{s.c.Keys.Back, s.c.Keys.Down, s.c.Keys.PageDown, s.c.Keys.Help}
	}
	return []key.Binding{s.c.Keys.Back, s.c.Keys.Help}
}

// View lists every key binding in as many columns as fit, scrolled when taller than the screen.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	lines := s.lines()
	body := s.bodyHeight()
	top := max(0, min(s.top, len(lines)-body))
	more := ""
	if len(lines) > body {
		more = st.Muted.Render(fmt.Sprintf(" · lines %d–%d of %d, ↑/↓ pgup/pgdn scroll", top+1, min(top+body, len(lines)), len(lines)))
		lines = lines[top:min(top+body, len(lines))]
	}
	title := st.Title.Render(" QuantDeck help") + st.Muted.Render("  every key, from the keymap · esc or ? closes") + more
	if lipgloss.Width(title) > s.w {
		title = st.Title.Render(" QuantDeck help") + st.Muted.Render("  esc closes") + more
	}
	return title + "\n\n" + strings.Join(lines, "\n")
}

// bodyHeight is the lines below the title and its blank line.
func (s *Screen) bodyHeight() int { return max(1, s.h-2) }

// lines lays the groups out in columns, each group going to the shortest column so far (the
// columns end about level), then the note; one string per screen line.
func (s *Screen) lines() []string {
	st := s.c.Styles
	var groups [][]string
	for _, g := range s.c.Keys.HelpGroups() {
		lines := []string{st.Heading.Render(g.Title)}
		for _, kb := range g.Bindings {
			h := kb.Help()
			lines = append(lines, st.Accent.Render(common.PadRight(h.Key, 9))+" "+st.Muted.Render(h.Desc))
		}
		groups = append(groups, append(lines, ""))
	}
	// Columns as wide as the longest binding, so a row never runs past the screen.
	colW := 26
	for _, g := range groups {
		for _, l := range g {
			colW = max(colW, lipgloss.Width(l)+3)
		}
	}
	n := max(1, min(len(groups), s.w/colW))
	cols := make([][]string, n)
	for _, g := range groups {
		shortest := 0
		for i := range cols {
			if len(cols[i]) < len(cols[shortest]) {
				shortest = i
			}
		}
		cols[shortest] = append(cols[shortest], g...)
	}
	blocks := make([]string, n)
	for i, c := range cols {
		blocks[i] = strings.Join(c, "\n")
	}
	out := strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, padBlock(blocks, colW)...), "\n")
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	note := common.Para(st.Muted, "Destructive and live-money actions always ask y/N first. Run QuantDeck inside tmux (tmux new -A -s quantdeck quantdeck) so a dropped SSH session does not stop your bots.", s.w)
	return append(append(out, ""), strings.Split(note, "\n")...)
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
