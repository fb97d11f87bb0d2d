package tui

import (
	"context"
	"fmt"
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
	switch m.screen {
	case scrUnlock:
		return m.unlockKey(k)
	case scrForm:
		return m.formKey(k)
	case scrTicket:
		return m.ticketKey(k)
	case scrKeys:
		if m.keysScr.typing() {
			return m.keysKey(k)
		}
	}
	if key.Matches(k, m.keys.Back) && m.status.text != "" && m.screen == scrDashboard {
		m.status = status{}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.ForceQuit), key.Matches(k, m.keys.Quit):
		if m.screen == scrHelp && key.Matches(k, m.keys.Quit) {
			m.screen = m.back
			return nil
		}
		return m.requestQuit()
	case key.Matches(k, m.keys.Help):
		if m.screen == scrHelp {
			m.screen = m.back
		} else {
			m.back, m.screen = m.screen, scrHelp
		}
		return nil
	case key.Matches(k, m.keys.Kill):
		return m.killSwitch()
	case key.Matches(k, m.keys.Keys) && m.screen != scrKeys:
		return m.openKeys()
	}
	switch m.screen {
	case scrDashboard:
		return m.dashKey(k)
	case scrDetail:
		return m.detailKey(k)
	case scrKeys:
		return m.keysKey(k)
	case scrHelp:
		if key.Matches(k, m.keys.Back) {
			m.screen = m.back
		}
	}
	return nil
}

func (m *Model) dashKey(k tea.KeyMsg) tea.Cmd {
	d := m.dash
	switch {
	case key.Matches(k, m.keys.Up):
		d.move(-1)
	case key.Matches(k, m.keys.Down):
		d.move(1)
	case key.Matches(k, m.keys.PageUp):
		d.page(-1)
	case key.Matches(k, m.keys.PageDown):
		d.page(1)
	case key.Matches(k, m.keys.Tab):
		d.cycle(1)
	case key.Matches(k, m.keys.ShiftTab):
		d.cycle(-1)
	case key.Matches(k, m.keys.Enter):
		switch d.focus {
		case paneWatch:
			return m.openTicket(d.selectedSymbol())
		case paneOrders, paneFills, paneLog:
			if d.count(d.focus) == 0 {
				return nil
			}
			bot := d.rowBot(d.focus)
			if _, ok := m.findBot(bot); ok {
				return m.openDetail(bot)
			}
			if bot == "" {
				m.setInfo("this line belongs to no bot (a manual order or the engine)")
			} else {
				m.setInfo(bot + " was removed: its lines stay in the journal")
			}
		case paneBalances:
			// A balance has no bot; enter does nothing rather than open an unrelated one.
		default:
			if b, ok := d.selectedBot(); ok {
				return m.openDetail(b.Config.Name)
			}
		}
	case key.Matches(k, m.keys.Start):
		return m.withBot(m.startBot)
	case key.Matches(k, m.keys.Stop):
		return m.withBot(m.stopBot)
	case key.Matches(k, m.keys.Edit):
		return m.withBot(m.editBot)
	case key.Matches(k, m.keys.Remove):
		return m.withBot(m.removeBot)
	case key.Matches(k, m.keys.New):
		return m.openForm(nil)
	case key.Matches(k, m.keys.Order):
		return m.openTicket(d.selectedSymbol())
	case key.Matches(k, m.keys.Cancel):
		o, ok := d.selectedOrder()
		if !ok {
			m.setError("no order selected: tab to the Orders pane and pick one with ↑/↓", nil)
			return nil
		}
		return m.cancelOrder(o)
	}
	return nil
}

// withBot runs an action on the bot selected in the bots pane.
func (m *Model) withBot(fn func(engine.BotView) tea.Cmd) tea.Cmd {
	b, ok := m.dash.selectedBot()
	if !ok {
		m.setError("no bot yet: press n to create one", nil)
		return nil
	}
	return fn(b)
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

func (m *Model) startBot(b engine.BotView) tea.Cmd {
	name, svc := b.Config.Name, m.opts.Engine
	if m.snap.KillSwitch {
		m.setError("the kill switch is engaged: release it with K before starting bots", nil)
		return nil
	}
	if b.State == engine.BotRunning {
		m.setInfo(name + " is already running")
		return nil
	}
	start := func() tea.Cmd {
		m.setInfo("starting " + name + "…")
		return call(m.ctx, "could not start "+name, name+" started", func(ctx context.Context) error {
			return svc.StartBot(ctx, name)
		})
	}
	if b.Config.Mode == engine.Live {
		m.ask(fmt.Sprintf("Start %s in LIVE mode?", name),
			fmt.Sprintf("It places real orders on %s with key %q, budget %s.", m.opts.Exchange, b.Config.KeyLabel, common.FmtDec(b.Config.Budget)),
			true, start)
		return nil
	}
	return start()
}

func (m *Model) stopBot(b engine.BotView) tea.Cmd {
	name, svc := b.Config.Name, m.opts.Engine
	if b.State == engine.BotStopped {
		m.setInfo(name + " is already stopped")
		return nil
	}
	m.setInfo("stopping " + name + "…")
	return call(m.ctx, "could not stop "+name, name+" stopped", func(ctx context.Context) error {
		return svc.StopBot(ctx, name)
	})
}

func (m *Model) editBot(b engine.BotView) tea.Cmd {
	if b.State != engine.BotStopped {
		// A paused or failed bot still means to run: the engine refuses the edit until stopped.
		m.setError(b.Config.Name+" is "+common.StateText(b.State)+": stop it with x, then edit it", nil)
		return nil
	}
	cfg := b.Config
	cmd := m.openForm(&cfg)
	m.form.held, m.form.heldOn = b.Position, b.Config.Symbol
	return cmd
}

// removeBot asks before deleting a stopped bot; its orders, fills and history stay in the
// journal.
func (m *Model) removeBot(b engine.BotView) tea.Cmd {
	name, svc, ctx := b.Config.Name, m.opts.Engine, m.ctx
	if b.State != engine.BotStopped {
		m.setError(name+" is "+common.StateText(b.State)+": stop it with x, then remove it", nil)
		return nil
	}
	detail := "Its settings are deleted; its orders, fills and history stay in the journal. This cannot be undone."
	if !b.Position.IsZero() {
		detail = "It holds " + common.FmtDec(common.Qty(b.Position)) + " on " + b.Config.Symbol + ": the coins stay in the account, with no bot to sell them. " + detail
	}
	if b.Config.Mode == engine.Live {
		detail = "A LIVE bot on key " + b.Config.KeyLabel + ". " + detail
	}
	m.ask("Remove bot "+name+"?", detail, true, func() tea.Cmd {
		m.setInfo("removing " + name + "…")
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			return botRemovedMsg{name: name, err: svc.RemoveBot(c, name)}
		}
	})
	return nil
}

// botRemovedMsg reports the end of a removal.
type botRemovedMsg struct {
	name string
	err  error
}

// botRemoved drops the bot at once (the next snapshot agrees) and leaves its detail screen.
func (m *Model) botRemoved(msg botRemovedMsg) tea.Cmd {
	if msg.err != nil {
		m.setError("could not remove "+msg.name, msg.err)
		return nil
	}
	if i := slices.IndexFunc(m.snap.Bots, func(b engine.BotView) bool { return b.Config.Name == msg.name }); i >= 0 {
		m.snap.Bots = slices.Delete(slices.Clone(m.snap.Bots), i, i+1)
		m.dash.snapshotChanged("", "")
	}
	if m.screen == scrDetail && m.detail != nil && m.detail.name == msg.name {
		m.detail = nil
		m.toDashboard()
	}
	m.setInfo("bot " + msg.name + " removed")
	return loadSnapshotCmd(m.opts.Engine)
}

func (m *Model) cancelOrder(o engine.OrderView) tea.Cmd {
	if !common.OpenOrder(o.State) {
		m.setError("that order is "+string(o.State)+": only open orders can be cancelled", nil)
		return nil
	}
	id, svc := o.ClientID, m.opts.Engine
	what := fmt.Sprintf("%s %s %s", o.Side, common.FmtDec(common.Qty(o.Quantity)), o.Symbol)
	if !o.Price.IsZero() {
		what += " @ " + common.FmtDec(common.Price(o.Price))
	}
	m.ask("Cancel order "+what+"?", "Mode "+common.ModeWord(o.Mode)+", order "+id+".", o.Mode == engine.Live, func() tea.Cmd {
		return call(m.ctx, "could not cancel the order", "order cancelled", func(ctx context.Context) error {
			return svc.Cancel(ctx, id)
		})
	})
	return nil
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
