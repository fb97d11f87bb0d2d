package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/quantdeck/quantdeck/tui/common"
)

// screenView renders the body of every screen but the dashboard.
func (m *Model) screenView(now time.Time) string {
	if m.cur != nil {
		return m.cur.View(now)
	}
	switch m.screen {
	case scrDetail:
		return m.detailView(now)
	}
	return ""
}

// shortHelp is the help bar of the active screen.
func (m *Model) shortHelp() []key.Binding {
	k := m.keys
	if m.cur != nil {
		return m.cur.ShortHelp()
	}
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
	}
	return nil
}

// screenHelpKey changes when the help bar's content changes within a screen.
func (m *Model) screenHelpKey() string {
	if hk, ok := m.cur.(common.HelpKeyer); ok {
		return hk.HelpKey()
	}
	switch {
	case m.snap.KillSwitch:
		return "killed"
	}
	return ""
}
