package engine

import (
	"context"

	"github.com/quantdeck/quantdeck/engine/journal"
)

// ErrJournalDamaged: a stored decimal or time does not parse. The affected bot stops with the
// row and field named; nothing reads the value as zero or as the year 1.
var ErrJournalDamaged = journal.ErrDamaged

// damagedBot returns the bot a damaged-row error belongs to.
func damagedBot(err error) (bot string, ok bool) { return journal.DamagedBot(err) }

// haltDamaged stops the bot a damaged row belongs to, in error with the row named, so the
// cockpit, the API and the log show why; a manual order's damage is an engine-wide error.
func (e *Engine) haltDamaged(ctx context.Context, err error) {
	name, ok := damagedBot(err)
	if !ok {
		return
	}
	b := e.botNamed(name)
	if b == nil {
		e.event(name, "error", "%v", err)
		return
	}
	// Off the tick path and its worker told to stop, without waiting for it: this may run on
	// that very worker. The worker is reaped when the engine closes; the bot cannot start
	// again while it is damaged.
	running := false
	e.do(b, func(b *bot) {
		b.damaged = err
		running = b.state == BotRunning
		if running {
			b.setState(BotError, err.Error())
			if b.cancel != nil {
				b.cancel()
			}
		}
	})
	if running {
		e.reroute()
	}
	e.setStopped(ctx, b, BotError, err.Error())
}
