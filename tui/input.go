package tui

import (
	"context"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// handleKey routes a key: a pending confirmation first, then screens that take text, then the
// global keys, then the active screen.
func (m *Model) handleKey(k tea.KeyMsg) tea.Cmd {
	before, st := m.screen, m.status
	cmd := m.routeKey(k)
	// A screen change leaves the last screen's news behind; errors stay until read.
	if m.screen != before && m.status == st && !st.err {
		m.status = status{}
	}
	return cmd
}

func (m *Model) routeKey(k tea.KeyMsg) tea.Cmd {
	if m.confirm != nil {
		return m.confirmKey(k)
	}
	if m.cur != nil && m.cur.TakesText() {
		return m.cur.Update(k)
	}
	switch m.screen {
	}
	if key.Matches(k, m.keys.Back) && m.status.text != "" && m.screen == scrDashboard {
		m.status = status{}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.ForceQuit), key.Matches(k, m.keys.Quit):
		if m.screen == scrHelp && key.Matches(k, m.keys.Quit) {
			m.Back()
			return nil
		}
		return m.requestQuit()
	case key.Matches(k, m.keys.Help):
		if m.screen == scrHelp {
			m.Back()
			return nil
		}
		return m.Open(common.ScreenHelp, common.Args{})
	case key.Matches(k, m.keys.Kill):
		return m.killSwitch()
	case key.Matches(k, m.keys.Keys) && m.screen != scrKeys:
		return m.Open(common.ScreenCredentials, common.Args{})
	}
	if m.cur != nil {
		return m.cur.Update(k)
	}
	switch m.screen {
	case scrHelp:
		if key.Matches(k, m.keys.Back) {
			m.Back()
		}
	}
	return nil
}

// call runs one engine call in a command with a timeout, reporting success in words.
func call(ctx context.Context, op, done string, fn func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		if err := fn(c); err != nil {
			return errMsg{op: op, err: err}
		}
		return infoMsg(done)
	}
}

// botRemoved drops the bot at once (the next snapshot agrees) and leaves its detail screen.
func (m *Model) botRemoved(msg common.BotRemovedMsg) tea.Cmd {
	if msg.Err != nil {
		m.setError("could not remove "+msg.Name, msg.Err)
		return nil
	}
	if i := slices.IndexFunc(m.snap.Bots, func(b engine.BotView) bool { return b.Config.Name == msg.Name }); i >= 0 {
		m.snap.Bots = slices.Delete(slices.Clone(m.snap.Bots), i, i+1)
	}
	m.setInfo("bot " + msg.Name + " removed")
	return tea.Batch(m.snapshotChanged(), loadSnapshotCmd(m.opts.Engine), m.toScreen(msg))
}

func (m *Model) killSwitch() tea.Cmd {
	svc := m.opts.Engine
	if m.snap.KillSwitch {
		m.ask("Release the kill switch?", "Bots stay stopped: start them again one by one with s.", false, func() tea.Cmd {
			return call(m.ctx, "could not release the kill switch", "kill switch released", svc.ReleaseKillSwitch)
		})
		return nil
	}
	m.ask("Engage the KILL SWITCH?", "Every bot stops and every open order QuantDeck placed is cancelled. Nothing can trade until you release it.", true, func() tea.Cmd {
		return call(m.ctx, "could not engage the kill switch", "KILL SWITCH ENGAGED: every bot stopped, open orders cancelled. K releases it.", func(ctx context.Context) error {
			return svc.EngageKillSwitch(ctx, "from the cockpit") // read after "kill switch engaged: "
		})
	})
	return nil
}
