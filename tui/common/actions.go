package common

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
)

// The actions on bots and orders that several screens offer (the dashboard and a bot's detail).

// BotRemovedMsg reports the end of a removal; the root drops the bot and the screens showing it.
type BotRemovedMsg struct {
	Name string
	Err  error
}

func ask(c *Common, prompt, detail string, danger bool, onYes func() tea.Cmd) {
	c.Host.Ask(Question{Prompt: prompt, Detail: detail, Danger: danger, OnYes: onYes})
}

// StartBot starts a bot, asking first when it trades live.
func StartBot(c *Common, b engine.BotView) tea.Cmd {
	name, svc := b.Config.Name, c.Engine
	if c.Snap.KillSwitch {
		c.Host.Error("the kill switch is engaged: release it with K before starting bots", nil)
		return nil
	}
	if b.State == engine.BotRunning {
		c.Host.Info(name + " is already running")
		return nil
	}
	start := func() tea.Cmd {
		c.Host.Info("starting " + name + "…")
		return Call(c.Ctx, "could not start "+name, name+" started", func(ctx context.Context) error {
			return svc.StartBot(ctx, name)
		})
	}
	if b.Config.Mode == engine.Live {
		ask(c, fmt.Sprintf("Start %s in LIVE mode?", name),
			fmt.Sprintf("It places real orders on %s with key %q, budget %s.", c.Exchange, b.Config.KeyLabel, FmtDec(b.Config.Budget)),
			true, start)
		return nil
	}
	return start()
}

// StopBot stops a bot.
func StopBot(c *Common, b engine.BotView) tea.Cmd {
	name, svc := b.Config.Name, c.Engine
	if b.State == engine.BotStopped {
		c.Host.Info(name + " is already stopped")
		return nil
	}
	c.Host.Info("stopping " + name + "…")
	return Call(c.Ctx, "could not stop "+name, name+" stopped", func(ctx context.Context) error {
		return svc.StopBot(ctx, name)
	})
}

// EditBot opens the form on a stopped bot.
func EditBot(c *Common, b engine.BotView) tea.Cmd {
	if b.State != engine.BotStopped {
		// A paused or failed bot still means to run: the engine refuses the edit until stopped.
		c.Host.Error(b.Config.Name+" is "+StateText(b.State)+": stop it with x, then edit it", nil)
		return nil
	}
	cfg := b.Config
	return c.Host.Open(ScreenBotForm, Args{Edit: &cfg, Held: b.Position})
}

// RemoveBot asks before deleting a stopped bot; its orders, fills and history stay in the
// journal.
func RemoveBot(c *Common, b engine.BotView) tea.Cmd {
	name, svc, ctx := b.Config.Name, c.Engine, c.Ctx
	if b.State != engine.BotStopped {
		c.Host.Error(name+" is "+StateText(b.State)+": stop it with x, then remove it", nil)
		return nil
	}
	detail := "Its settings are deleted; its orders, fills and history stay in the journal. This cannot be undone."
	if !b.Position.IsZero() {
		detail = "It holds " + FmtDec(Qty(b.Position)) + " on " + b.Config.Symbol + ": the coins stay in the account, with no bot to sell them. " + detail
	}
	if b.Config.Mode == engine.Live {
		detail = "A LIVE bot on key " + b.Config.KeyLabel + ". " + detail
	}
	ask(c, "Remove bot "+name+"?", detail, true, func() tea.Cmd {
		c.Host.Info("removing " + name + "…")
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, CallTimeout)
			defer cancel()
			return BotRemovedMsg{Name: name, Err: svc.RemoveBot(c, name)}
		}
	})
	return nil
}

// CancelOrder asks before cancelling an open order.
func CancelOrder(c *Common, o engine.OrderView) tea.Cmd {
	if !OpenOrder(o.State) {
		c.Host.Error("that order is "+string(o.State)+": only open orders can be cancelled", nil)
		return nil
	}
	id, svc := o.ClientID, c.Engine
	what := fmt.Sprintf("%s %s %s", o.Side, FmtDec(Qty(o.Quantity)), o.Symbol)
	if !o.Price.IsZero() {
		what += " @ " + FmtDec(Price(o.Price))
	}
	// The client order id is QuantDeck's own: the user knows the order by what and when.
	placed := ""
	if !o.Created.IsZero() {
		placed = ", placed " + o.Created.UTC().Format("15:04:05 UTC")
	}
	ask(c, "Cancel order "+what+"?", "Mode "+ModeWord(o.Mode)+placed+".", o.Mode == engine.Live, func() tea.Cmd {
		return Call(c.Ctx, "could not cancel the order", "order cancelled", func(ctx context.Context) error {
			return svc.Cancel(ctx, id)
		})
	})
	return nil
}
