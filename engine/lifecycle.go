package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Resume reconciles every journal row without a final state with the exchange, then starts
// the bots whose desired state is running. No bot can start before it has run once. It can be
// called again (after the vault is unsealed) to retry what could not be reconciled and to
// restart bots stopped by Seal. A bot whose account still has unreconciled rows stays
// stopped, and the error says why.
func (e *Engine) Resume(ctx context.Context) error {
	e.resumeMu.Lock()
	defer e.resumeMu.Unlock()
	rows, bad, err := e.j.OpenOrders(ctx)
	if err != nil {
		return err
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
			return err
		}
		// The requests recorded before the last run ended: the in-flight rule applies to
		// them as it did in that run.
		if r.quietAt, err = e.j.QuietAt(ctx, r.ClientID); err != nil {
			return err
		}
		e.jmu.Lock()
		if _, ok := e.open[r.ClientID]; !ok {
			e.open[r.ClientID] = r
		}
		e.jmu.Unlock()
	}
	blocked, errs, err := e.reconcile(ctx)
	if err != nil {
		return err
	}
	e.resumed.Store(true)
	if e.killed.Load() {
		// Engaged before this start: nothing runs, and nothing QuantDeck placed stays open.
		errs = append(errs, e.cancelBotOrders(ctx, "")...)
		return errors.Join(errs...)
	}
	e.mu.Lock()
	var want []*bot
	for _, b := range e.bots {
		want = append(want, b)
	}
	e.mu.Unlock()
	now := e.now()
	for _, b := range want {
		b.mu.Lock()
		run := b.desired == BotRunning && b.state != BotRunning && (b.state != BotPaused || b.resumeDueLocked(now))
		stopped := b.desired == BotStopped && b.state != BotRunning
		cfg := b.cfg
		b.mu.Unlock()
		if stopped && blocked[account{cfg.Mode, cfg.KeyLabel}] == nil {
			// Stopped from the command line while no engine ran: its orders go now, as
			// StopBot would have cancelled them.
			errs = append(errs, e.cancelBotOrders(ctx, cfg.Name)...)
		}
		if !run {
			continue
		}
		if err := blocked[account{cfg.Mode, cfg.KeyLabel}]; err != nil {
			e.setStopped(ctx, b, BotError, "waiting for its orders to be reconciled: "+err.Error())
			continue
		}
		if err := damaged[cfg.Name]; err != nil {
			e.setStopped(ctx, b, BotError, err.Error())
			errs = append(errs, fmt.Errorf("bot %s: %w", cfg.Name, err))
			continue
		}
		if err := e.StartBot(ctx, cfg.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// setStopped records a bot that is not running, keeping its desired state.
func (e *Engine) setStopped(ctx context.Context, b *bot, state BotState, reason string) {
	b.mu.Lock()
	b.state, b.reason = state, reason
	name, desired := b.cfg.Name, b.desired
	b.mu.Unlock()
	if err := e.reg.setState(ctx, name, desired, state, reason, time.Time{}); err != nil {
		e.log.Error("saving bot state", "bot", name, "err", err)
	}
	level := "warn"
	if state == BotError {
		level = "error"
	}
	e.event(name, level, "%s: %s", state, reason)
	e.publishBot(b, BotEvent{Bot: name, Time: e.now().UTC(), Level: level, Message: reason})
}

// StartBot starts a stopped, paused or failed bot. Live bots need a checked credential.
func (e *Engine) StartBot(ctx context.Context, name string) error {
	if !e.resumed.Load() {
		return fmt.Errorf("starting bot %s: %w", name, ErrNotResumed)
	}
	if e.killed.Load() {
		return fmt.Errorf("starting bot %s: %w; release it first", name, ErrKillSwitch)
	}
	if e.closing.Load() {
		return ErrStopping
	}
	e.startMu.Lock()
	defer e.startMu.Unlock()
	b, err := e.loadBot(ctx, name)
	if err != nil {
		return err
	}
	b.mu.Lock()
	cfg, running, pausing, damaged := b.cfg, b.state == BotRunning, b.pausing, b.damaged
	b.mu.Unlock()
	if running {
		return nil
	}
	if pausing {
		// The pause would cancel the orders of the bot started now.
		return fmt.Errorf("starting bot %s: it is still pausing (waiting for its order in flight, cancelling its orders); try again in a moment", name)
	}
	fail := func(err error) error {
		e.setStopped(ctx, b, BotError, err.Error())
		return fmt.Errorf("starting bot %s: %w", name, err)
	}
	if damaged != nil {
		return fail(fmt.Errorf("%w (QuantDeck reads it again when it restarts)", damaged))
	}
	if !e.mkt.watched(cfg.Symbol) {
		// It would get no prices. Unwatch holds startMu, so the symbol cannot go meanwhile.
		return fail(fmt.Errorf("%w: %s; watch it again, then start the bot", ErrNotWatched, cfg.Symbol))
	}
	// Orders that cannot be read cannot be counted against the bot's limits.
	if err := e.j.CheckOpen(ctx, name); err != nil {
		return fail(err)
	}
	rules, err := e.rulesFor(ctx, cfg.Symbol)
	if err != nil {
		return fail(err)
	}
	strat, err := newStrategy(cfg, rules)
	if err != nil {
		return fail(err)
	}
	if cfg.Mode == Live {
		if e.cfg.KeyOK == nil {
			return fail(fmt.Errorf("%w: no credential checks configured", ErrLiveUnavailable))
		}
		if err := e.cfg.KeyOK(ctx, cfg.KeyLabel); err != nil {
			return fail(fmt.Errorf("%w: credential %q: %w", ErrLiveUnavailable, cfg.KeyLabel, err))
		}
	}
	if _, err := e.trader(cfg.Mode, cfg.KeyLabel); err != nil {
		return fail(err)
	}
	now := e.now().UTC()
	if err := e.reg.setState(ctx, name, BotRunning, BotRunning, "", now); err != nil {
		return err
	}
	// Replay the ledger and the history, count the bot's open orders for the risk guard and
	// hand them to the strategy, all under jmu: fills and order changes are recorded under
	// it too, so none is missed or counted twice.
	e.jmu.Lock()
	led, err := loadLedger(ctx, e.j, cfg, rules)
	if err != nil {
		e.jmu.Unlock()
		return fail(err)
	}
	hist, err := e.j.BotHistory(ctx, name, 500)
	if err != nil {
		e.jmu.Unlock()
		return fail(err)
	}
	history := make([]OrderRef, len(hist))
	for i, r := range hist {
		history[i] = refOf(r)
	}
	b.mu.Lock()
	if e.killed.Load() {
		// Engaged while this start was under way, too early for the switch to see the bot
		// running: the bot stays stopped. (Engaged later, the switch sees it and stops it.)
		b.mu.Unlock()
		e.jmu.Unlock()
		if err := e.reg.setState(ctx, name, BotStopped, BotStopped, "kill switch engaged while starting", time.Time{}); err != nil {
			e.log.Error("saving bot state", "bot", name, "err", err)
		}
		return fmt.Errorf("starting bot %s: %w; release it first", name, ErrKillSwitch)
	}
	var open []OrderRef
	b.openN, b.openBuy = 0, decimal.Zero
	for _, r := range e.open {
		if r.Bot != name {
			continue
		}
		open = append(open, r.ref())
		r.counted, r.reserved = true, remainingValue(r)
		b.openN++
		if r.Side == exchange.Buy {
			b.openBuy, _ = b.openBuy.Add(r.reserved)
		}
	}
	led.keepDay(b.led)
	b.rules, b.led, b.strat = rules, led, strat
	strat.Restore(led.position(), open, history)
	b.state, b.desired, b.reason, b.startedAt, b.lastRef = BotRunning, BotRunning, "", now, ""
	b.resumeAt = time.Time{}
	b.last = e.mkt.last(cfg.Symbol)
	wctx, cancel := context.WithCancel(e.life)
	b.queue, b.cancel, b.done = make(chan job, queueLen), cancel, make(chan struct{})
	e.wg.Add(1)
	go e.worker(wctx, b, b.queue, b.done)
	b.mu.Unlock()
	e.jmu.Unlock()
	e.rebuildRoutes()
	e.event(name, "info", "started (%s, %s on %s)", cfg.Mode, cfg.Strategy, cfg.Symbol)
	e.publishBot(b, BotEvent{Bot: name, Time: now, Level: "info", Message: "started"})
	return nil
}

// loadBot returns a bot, reading it from the store when another process (the command line)
// added it after this engine loaded its bots.
func (e *Engine) loadBot(ctx context.Context, name string) (*bot, error) {
	if b := e.botNamed(name); b != nil {
		return b, nil
	}
	row, err := e.reg.get(ctx, name)
	if err != nil {
		return nil, err
	}
	// Under jmu, so no fill is recorded between the replay and the bot's arrival in e.bots.
	e.jmu.Lock()
	defer e.jmu.Unlock()
	led, err := loadLedger(ctx, e.j, row.cfg, exchange.Rules{})
	if _, bad := damagedBot(err); err != nil && !bad {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.bots[name]; b != nil {
		return b, nil
	}
	b := loadedBot(row, led, err)
	e.bots[name] = b
	return b, nil
}

// remainingValue is the quote value an open buy still commits.
func remainingValue(r *orderRec) decimal.Decimal {
	if r.Side != exchange.Buy {
		return decimal.Zero
	}
	if r.QuoteQty.IsPos() {
		v, err := r.QuoteQty.Sub(r.QuoteExec)
		if err != nil || v.IsNeg() {
			return decimal.Zero
		}
		return v
	}
	left, err := r.Quantity.Sub(r.Executed)
	if err != nil || !left.IsPos() {
		return decimal.Zero
	}
	v, err := left.Mul(r.Price)
	if err != nil {
		return decimal.Zero
	}
	return v
}

// StopBot stops a bot and cancels its open orders.
func (e *Engine) StopBot(ctx context.Context, name string) error {
	b := e.botNamed(name)
	if b == nil {
		return fmt.Errorf("%w: %q", ErrNoBot, name)
	}
	e.stopBot(b, BotStopped, "")
	b.mu.Lock()
	b.desired = BotStopped
	b.mu.Unlock()
	if err := e.reg.setState(ctx, name, BotStopped, BotStopped, "", time.Time{}); err != nil {
		return err
	}
	errs := e.cancelBotOrders(ctx, name)
	e.event(name, "info", "stopped")
	e.publishBot(b, BotEvent{Bot: name, Time: e.now().UTC(), Level: "info", Message: "stopped"})
	if len(errs) > 0 {
		return fmt.Errorf("bot %s stopped, but some orders could not be cancelled: %w", name, errors.Join(errs...))
	}
	return nil
}

// stopBot takes a bot off the tick path and waits for its worker.
func (e *Engine) stopBot(b *bot, state BotState, reason string) {
	b.mu.Lock()
	b.state, b.reason = state, reason
	b.mu.Unlock()
	e.rebuildRoutes()
	e.haltWorker(b)
	e.jmu.Lock()
	b.mu.Lock()
	for _, r := range e.open {
		if r.Bot == b.cfg.Name {
			r.counted, r.reserved = false, decimal.Zero
		}
	}
	b.openN, b.openBuy, b.strat = 0, decimal.Zero, nil
	b.mu.Unlock()
	e.jmu.Unlock()
}

// Seal stops live bots when the vault is sealed, keeping their desired state so the next
// Resume restarts them, and forgets the live accounts.
func (e *Engine) Seal(ctx context.Context) error {
	e.mu.Lock()
	var live []*bot
	for _, b := range e.bots {
		live = append(live, b)
	}
	e.live = map[string]exchange.Trader{}
	e.mu.Unlock()
	for _, b := range live {
		b.mu.Lock()
		isLive := b.cfg.Mode == Live && b.state == BotRunning
		b.mu.Unlock()
		if !isLive {
			continue
		}
		e.stopBot(b, BotStopped, "vault sealed")
		e.setStopped(ctx, b, BotStopped, "vault sealed; it restarts when the vault is unlocked")
	}
	return nil
}

// EngageKillSwitch stops every bot and cancels every open order QuantDeck placed. It stays
// engaged, across restarts too, until ReleaseKillSwitch.
func (e *Engine) EngageKillSwitch(ctx context.Context, reason string) error {
	if reason == "" {
		reason = "engaged by the user"
	}
	e.killed.Store(true)
	e.mu.Lock()
	e.killReason = reason
	var all []*bot
	for _, b := range e.bots {
		all = append(all, b)
	}
	e.mu.Unlock()
	err := e.j.SetKillSwitch(ctx, true, reason, e.now())
	for _, b := range all {
		b.mu.Lock()
		active := b.state == BotRunning || b.state == BotPaused || b.desired == BotRunning
		b.mu.Unlock()
		if !active {
			continue
		}
		e.stopBot(b, BotStopped, "kill switch: "+reason)
		b.mu.Lock()
		b.desired = BotStopped
		b.mu.Unlock()
		if serr := e.reg.setState(ctx, b.cfg.Name, BotStopped, BotStopped, "kill switch: "+reason, time.Time{}); serr != nil {
			err = errors.Join(err, serr)
		}
		e.publishBot(b, BotEvent{Bot: b.cfg.Name, Time: e.now().UTC(), Level: "warn", Message: "stopped by the kill switch"})
	}
	e.event("", "warn", "kill switch engaged: %s", reason)
	e.bus.publish(KillSwitchEvent{Engaged: true, Reason: reason})
	e.mkt.markDirty()
	if errs := e.cancelBotOrders(ctx, ""); len(errs) > 0 {
		err = errors.Join(err, fmt.Errorf("some orders could not be cancelled; they are listed in the log: %w", errors.Join(errs...)))
	}
	return err
}

// ReleaseKillSwitch allows orders again. Bots stay stopped until started.
func (e *Engine) ReleaseKillSwitch(ctx context.Context) error {
	if err := e.j.SetKillSwitch(ctx, false, "", e.now()); err != nil {
		return err
	}
	e.killed.Store(false)
	e.mu.Lock()
	e.killReason = ""
	e.mu.Unlock()
	e.event("", "info", "kill switch released")
	e.bus.publish(KillSwitchEvent{Engaged: false})
	e.mkt.markDirty()
	return nil
}

// resumeDueLocked reports whether a bot the daily loss limit paused may run again: its UTC day
// is over. b.mu is held.
func (b *bot) resumeDueLocked(now time.Time) bool {
	return b.state == BotPaused && !b.pausing && b.desired == BotRunning && !b.resumeAt.IsZero() && !now.Before(b.resumeAt)
}

// resumeNewDay starts the bots the daily loss limit paused once their UTC day is over: the
// limit is per day, and a new day starts with a fresh allowance.
func (e *Engine) resumeNewDay(ctx context.Context) {
	if e.killed.Load() || e.closing.Load() || !e.resumed.Load() {
		return
	}
	now := e.now()
	e.mu.Lock()
	all := make([]*bot, 0, len(e.bots))
	for _, b := range e.bots {
		all = append(all, b)
	}
	e.mu.Unlock()
	for _, b := range all {
		b.mu.Lock()
		due := b.resumeDueLocked(now)
		b.mu.Unlock()
		if !due {
			continue
		}
		if err := e.StartBot(ctx, b.name); err != nil {
			e.log.Warn("resuming a bot after its daily loss limit", "bot", b.name, "err", err)
			continue
		}
		e.event(b.name, "info", "resumed: a new UTC day resets the daily loss limit")
	}
}
