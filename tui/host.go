package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
)

// factory builds a screen for the arguments it opens on, with the command that loads its data.
type factory func(c *common.Common, args common.Args) (common.Screen, tea.Cmd)

// Open switches to a screen built by the factory registered for id. The screen it leaves is
// dropped (and wiped when it held secrets); help keeps the screen under it.
func (m *Model) Open(id common.ID, args common.Args) tea.Cmd {
	if id == common.ScreenDashboard {
		m.dropCurrent()
		m.dash.SetSize(m.w, max(m.h-1, 0))
		m.cur, m.screen = m.dash, id
		return m.dash.Update(common.SnapshotMsg{})
	}
	f, ok := m.factories[id]
	if !ok {
		return nil
	}
	if id == common.ScreenHelp {
		m.back = m.screen
		m.under = m.cur
	} else {
		m.dropCurrent()
	}
	s, cmd := f(m.com, args)
	s.SetSize(m.w, max(m.h-1, 0))
	m.cur, m.screen = s, id
	return cmd
}

// Back leaves the active screen for the one under it: the dashboard, or what help covered.
func (m *Model) Back() {
	if m.screen == common.ScreenHelp {
		m.screen, m.cur, m.under = m.back, m.under, nil
		return
	}
	m.dropCurrent()
	m.cur, m.screen = m.dash, common.ScreenDashboard
}

// dropCurrent forgets the active component screen, zeroing what it held.
func (m *Model) dropCurrent() {
	if w, ok := m.cur.(common.Wiper); ok {
		w.Wipe()
	}
	if w, ok := m.under.(common.Wiper); ok {
		w.Wipe()
	}
	m.cur, m.under = nil, nil
}

// Info shows news in the status line.
func (m *Model) Info(text string) { m.setInfo(text) }

// Error shows a failure in the status line.
func (m *Model) Error(op string, err error) { m.setError(op, err) }

// Ask shows a y/N question over the screen.
func (m *Model) Ask(q common.Question) {
	m.confirm = &q
	m.overlay = nil
	// An older message under the question would read as its answer.
	m.status = status{}
}

// Quit quits, asking first while bots run.
func (m *Model) Quit() tea.Cmd { return m.requestQuit() }

// Spin keeps the spinner turning while the active screen is busy.
func (m *Model) Spin() tea.Cmd { return m.spin() }

// SpinView is the spinner's current frame.
func (m *Model) SpinView() string { return m.spinView() }
