package tui

import (
	"context"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Messages of the UI loop.
type (
	frameMsg          struct{}
	clockMsg          struct{}
	eventMsg          struct{ ev engine.Event }
	eventsClosedMsg   struct{}
	subscribedMsg     struct{ ch <-chan engine.Event }
	snapshotLoadedMsg struct{ snap engine.Snapshot }
	// errMsg is the one failure message: op says what was being done, in words.
	errMsg struct {
		op  string
		err error
	}
	infoMsg string
)

// subscribeCmd opens the engine's event stream for this session.
func subscribeCmd(ctx context.Context, svc common.Engine) tea.Cmd {
	return func() tea.Msg { return subscribedMsg{ch: svc.Subscribe(ctx)} }
}

func loadSnapshotCmd(svc common.Engine) tea.Cmd {
	return func() tea.Msg { return snapshotLoadedMsg{snap: svc.Snapshot()} }
}

// waitEvent is the one re-arming command that reads the engine's stream: it returns the next
// event as a message, and Update issues it again after handling that message.
func waitEvent(ch <-chan engine.Event) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev: ev}
	}
}

// handleEvent applies one engine event to the model's state and marks the frame dirty.
func (m *Model) handleEvent(ev engine.Event) tea.Cmd {
	var cmd tea.Cmd
	switch ev := ev.(type) {
	case engine.SnapshotEvent:
		cmd = m.applySnapshot(ev.Snapshot)
	case engine.BotEventMsg:
		cmd = m.upsertBot(ev.Bot)
		if ev.Event.Level == "error" {
			m.setError("bot "+ev.Event.Bot+": "+ev.Event.Message, nil)
		}
	case engine.OrderEvent:
		if ev.Order.State == engine.OrderRejected && ev.Order.Reason != "" {
			m.setError("order "+string(ev.Order.Side)+" "+ev.Order.Symbol+" rejected: "+ev.Order.Reason, nil)
		}
	case engine.FillEvent:
	case engine.ConnEvent:
		m.snap.Health.Stream = ev.Conn.State
		m.snap.Health.Reconnects = ev.Conn.Reconnects
	case engine.ErrorEvent:
		op := ev.Err
		if ev.Bot != "" {
			op = "bot " + ev.Bot + ": " + ev.Err
		}
		m.setError(op, nil)
	case engine.KillSwitchEvent:
		m.snap.KillSwitch, m.snap.KillReason = ev.Engaged, ev.Reason
		if ev.Engaged {
			m.setError("KILL SWITCH ENGAGED: every bot stopped, open orders cancelled. K releases it.", nil)
		} else {
			m.setInfo("kill switch released: bots can be started again")
		}
	}
	return tea.Batch(cmd, m.markDirty())
}

// applySnapshot replaces the state with a fresh snapshot, keeping selections on the same rows.
func (m *Model) applySnapshot(s engine.Snapshot) tea.Cmd {
	if s.Health.Exchange == "" {
		s.Health.Exchange = m.com.Exchange
	}
	m.snap = s
	return m.snapshotChanged()
}

// snapshotChanged tells the dashboard (which keeps its selection across screens) and the
// active screen that the state changed.
func (m *Model) snapshotChanged() tea.Cmd {
	cmd := m.dash.Update(common.SnapshotMsg{})
	if m.cur != nil && m.cur != m.dash {
		cmd = tea.Batch(cmd, m.cur.Update(common.SnapshotMsg{}))
	}
	return cmd
}

// upsertBot applies a bot change between snapshots. The slice is copied: the engine may share
// the snapshot's backing arrays.
func (m *Model) upsertBot(b engine.BotView) tea.Cmd {
	if b.Config.Name == "" {
		return nil
	}
	bots := slices.Clone(m.snap.Bots)
	i := slices.IndexFunc(bots, func(x engine.BotView) bool { return x.Config.Name == b.Config.Name })
	if i >= 0 {
		bots[i] = b
	} else {
		i, _ = slices.BinarySearchFunc(bots, b.Config.Name, func(x engine.BotView, name string) int {
			return strings.Compare(x.Config.Name, name)
		})
		bots = slices.Insert(bots, i, b)
	}
	m.snap.Bots = bots
	return m.snapshotChanged()
}
