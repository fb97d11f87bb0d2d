package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/quantdeck/quantdeck/tui/common"
)

// screenView renders the body of every screen but the dashboard.
func (m *Model) screenView(now time.Time) string {
	switch m.screen {
	case scrUnlock:
		return m.unlockView(now)
	case scrDetail:
		return m.detailView(now)
	case scrForm:
		return m.formView()
	case scrTicket:
		return m.ticketView()
	case scrKeys:
		return m.keysView(now)
	case scrHelp:
		return m.helpView()
	}
	return ""
}

// shortHelp is the help bar of the active screen.
func (m *Model) shortHelp() []key.Binding {
	k := m.keys
	switch m.screen {
	case scrDashboard:
		return dashboardHelp(k, m.dash.focus, m.snap.KillSwitch)
	case scrDetail:
		if m.snap.KillSwitch {
			release := k.Kill
			release.SetHelp("K", "release kill switch")
			return []key.Binding{release, k.Edit, k.Order, k.Cancel, k.Remove, k.Up, k.Back, k.Help}
		}
		return []key.Binding{k.Start, k.Stop, k.Edit, k.Order, k.Cancel, k.Remove, k.Up, k.Back, k.Help}
	case scrForm:
		save := k.Submit
		save.SetHelp("ctrl+s", "save")
		return []key.Binding{k.NextField, k.Left, save, k.Back}
	case scrTicket:
		review := k.Submit
		review.SetHelp("ctrl+s", "review and place")
		return []key.Binding{k.NextField, k.Left, review, k.Back}
	case scrKeys:
		return m.keysHelp()
	case scrHelp:
		return []key.Binding{k.Back, k.Help}
	}
	return nil
}

// screenHelpKey changes when the help bar's content changes within a screen.
func (m *Model) screenHelpKey() string {
	switch {
	case m.screen == scrKeys && m.keysScr != nil:
		return m.keysScr.mode.String()
	case m.snap.KillSwitch:
		return "killed"
	}
	return ""
}

// helpView lists every key binding, generated from the keymap.
func (m *Model) helpView() string {
	st := m.st
	var cols []string
	for _, g := range m.keys.HelpGroups() {
		var b strings.Builder
		b.WriteString(st.Heading.Render(g.Title) + "\n")
		for _, kb := range g.Bindings {
			h := kb.Help()
			b.WriteString(st.Accent.Render(common.PadRight(h.Key, 9)) + " " + st.Muted.Render(h.Desc) + "\n")
		}
		cols = append(cols, b.String())
	}
	colW := 26
	perRow := max(1, min(len(cols), m.w/colW))
	var rows []string
	for i := 0; i < len(cols); i += perRow {
		end := min(i+perRow, len(cols))
		row := make([]string, 0, perRow)
		row = append(row, cols[i:end]...)
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, padBlock(row, colW)...))
	}
	title := st.Title.Render(" QuantDeck help") + st.Muted.Render("  every key, from the keymap · esc or ? closes")
	note := common.Para(st.Muted, "Destructive and live-money actions always ask y/N first. Run QuantDeck inside tmux (tmux new -A -s quantdeck quantdeck) so a dropped SSH session does not stop your bots.", m.w)
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
