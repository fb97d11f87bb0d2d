package engine

import (
	"context"
	"errors"
	"fmt"
)

// Resume reconciles every journal row without a final state with the exchange, then starts
// the bots whose desired state is running. No bot can start before it has run once. It can be
// called again (after the vault is unsealed) to retry what could not be reconciled and to
// restart bots stopped by Seal. A bot whose account still has unreconciled rows stays
// stopped, and the error says why.
//
// Resumes run one at a time, a retry in the background beside the user's too: the
// reconciliation on the reconciler loop, then the starts on the lifecycle loop, where starts
// never run two workers for one bot. The reconciliation may wait long (an in-flight window, a
// rate limit, an unreachable exchange) and changes no bot, so it keeps the lifecycle loop free
// for the user's starts and stops meanwhile.
func (e *Engine) Resume(ctx context.Context) error {
	var res reconciled
	if err := e.submit(ctx, e.reconOps, func(ctx context.Context) (err error) {
		res, err = e.reconcileOpen(ctx)
		return err
	}); err != nil {
		return err
	}
	if e.killed.Load() {
		// Engaged before this start: nothing runs, and nothing QuantDeck placed stays open.
		return errors.Join(append(res.errs, e.cancelBotOrders(ctx, "")...)...)
	}
	err := e.own(ctx, func(ctx context.Context) error { return e.startResumed(ctx, res) })
	return errors.Join(append(res.errs, err)...)
}

// reconciled is what a resume's reconciliation found: the accounts whose rows could not be
// settled, the bots whose rows do not parse, and the errors to report.
type reconciled struct {
	blocked map[account]error
	damaged map[string]error
	errs    []error
}

// reconcileOpen loads the open journal rows and settles them with the exchange; it runs on the
// reconciler loop.
func (e *Engine) reconcileOpen(ctx context.Context) (reconciled, error) {
	rows, bad, err := e.j.OpenOrders(ctx)
	if err != nil {
		return reconciled{}, err
	}
	recs := make([]*orderRec, len(rows))
	for i, row := range rows {
		recs[i] = &orderRec{Row: *row}
	}
	// A row that does not parse cannot be reconciled: its bot stays stopped, with the row
	// named, and the other bots carry on.
	damaged := map[string]error{}
	for _, err := range bad {
		bot, _ := damagedBot(err)
		if bot == "" {
			e.event("", "error", "cannot reconcile a manual order: %v", err)
			continue
		}
		if damaged[bot] == nil {
			damaged[bot] = err
		}
	}
	for _, r := range recs {
		if r.filled, err = e.j.FilledQty(ctx, r.ClientID); err != nil {
			if bot, bad := damagedBot(err); bad {
				if bot == "" {
					e.event("", "error", "cannot reconcile manual order %s: %v", r.ClientID, err)
				} else if damaged[bot] == nil {
					damaged[bot] = err
				}
				continue
			}
			return reconciled{}, err
		}
		// The requests recorded before the last run ended: the in-flight rule applies to
		// them as it did in that run.
		if r.quietAt, err = e.j.QuietAt(ctx, r.ClientID); err != nil {
			return reconciled{}, err
		}
		r.quietAt = onMonotonic(e.now(), r.quietAt)
		e.jmu.Lock()
		e.addOpen(r)
		e.jmu.Unlock()
	}
	// The rows are loaded: from now on the bots' open-row counts follow them.
	e.jmu.Lock()
	if !e.loaded {
		e.loaded = true
		for _, b := range e.allBots() {
			e.initOpenRows(b)
		}
	}
	e.jmu.Unlock()
	blocked, errs, err := e.reconcile(ctx)
	if err != nil {
		return reconciled{}, err
	}
	e.resumed.Store(true)
	return reconciled{blocked: blocked, damaged: damaged, errs: errs}, nil
}

// startResumed starts the bots whose desired state is running, once their rows are
// reconciled, and cancels the orders of bots stopped while no engine ran. It runs on the
// lifecycle loop.
func (e *Engine) startResumed(ctx context.Context, res reconciled) error {
	var errs []error
	now := e.now()
	for _, b := range e.allBots() {
		var run, stopped bool
		var cfg BotConfig
		e.do(b, func(b *bot) {
			run = b.desired == BotRunning && b.state != BotRunning && (b.state != BotPaused || b.resumeDue(now))
			stopped = b.desired == BotStopped && b.state != BotRunning
			cfg = b.cfg
		})
		blocked := res.blocked[account{cfg.Mode, cfg.KeyLabel}]
		if stopped && blocked == nil {
			// Stopped from the command line while no engine ran: its orders go now, as
			// StopBot would have cancelled them.
			errs = append(errs, e.cancelBotOrders(ctx, cfg.Name)...)
		}
		if !run {
			continue
		}
		if blocked != nil {
			e.setStopped(ctx, b, BotError, "waiting for its orders to be reconciled: "+blocked.Error())
			continue
		}
		if err := res.damaged[cfg.Name]; err != nil {
			e.setStopped(ctx, b, BotError, err.Error())
			errs = append(errs, fmt.Errorf("bot %s: %w", cfg.Name, err))
			continue
		}
		if err := e.startBot(ctx, cfg.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
