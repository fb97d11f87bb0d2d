package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/quantdeck/quantdeck/tui/common"
)

// screenView renders the active screen's body.
func (m *Model) screenView(now time.Time) string {
	if m.cur == nil {
		return ""
	}
	return m.cur.View(now)
}

// shortHelp is the help bar of the active screen.
func (m *Model) shortHelp() []key.Binding {
	if m.cur == nil {
		return nil
	}
	return m.cur.ShortHelp()
}

// screenHelpKey changes when the help bar's content changes within a screen.
func (m *Model) screenHelpKey() string {
	if hk, ok := m.cur.(common.HelpKeyer); ok {
		return hk.HelpKey()
	}
	if m.snap.KillSwitch {
		return "killed"
	}
	return ""
}
