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
