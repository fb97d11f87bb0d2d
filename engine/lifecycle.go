package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// setStopped records a bot that is not running, keeping its desired state.
func (e *Engine) setStopped(ctx context.Context, b *bot, state BotState, reason string) {
	name, desired := b.name, BotState("")
	if !e.do(b, func(b *bot) {
		b.setState(state, reason)
		desired = b.desired
	}) {
		return // the engine is closed
	}
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
// Starts run on the lifecycle loop: two starts of one bot never run two workers, and the
// bot's symbol cannot be unwatched while it starts.
func (e *Engine) StartBot(ctx context.Context, name string) error {
	return e.own(ctx, func(ctx context.Context) error { return e.startBot(ctx, name) })
}

// startBot is StartBot on the lifecycle loop.
func (e *Engine) startBot(ctx context.Context, name string) error {
	if !e.resumed.Load() {
		return fmt.Errorf("starting bot %s: %w", name, ErrNotResumed)
	}
	if e.killed.Load() {
		return fmt.Errorf("starting bot %s: %w; release it first", name, ErrKillSwitch)
	}
	if e.closing.Load() {
		return ErrStopping
	}
	b, err := e.loadBot(ctx, name)
	if err != nil {
		return err
	}
	var cfg BotConfig
	var running, pausing bool
	var damaged error
	if !e.do(b, func(b *bot) { cfg, running, pausing, damaged = b.cfg, b.state == BotRunning, b.pausing, b.damaged }) {
		return ErrStopping
	}
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
		// It would get no prices. Unwatch runs on the lifecycle loop too, so the symbol
		// cannot go meanwhile.
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
	// hand them to the strategy, all under jmu: row changes are settled (and queued for the
	// bot) under it too, so none is missed; one recorded before the replay and settled after
	// it is in known, so none counts twice.
	rp, err := e.replayLocked(ctx, cfg, rules, true)
	if err != nil {
		e.jmu.Unlock()
		return fail(err)
	}
	led, known := rp.led, rp.known
	history := make([]OrderRef, len(rp.hist))
	for i, r := range rp.hist {
		history[i] = refOf(r)
	}
	// The bot's open rows, counted against its limits and handed to the strategy.
	type openRow struct {
		rec      *orderRec
		ref      OrderRef
		reserved decimal.Decimal
	}
	var mine []openRow
	for _, r := range e.open {
		if r.Bot == name {
			mine = append(mine, openRow{r, r.ref(), remainingValue(r)})
		}
	}
	var startErr error
	// Queued under jmu, so it reaches the loop before any news settled after the replay; waited
	// for once jmu is let go.
	wait := e.queue(b, func(b *bot) {
		if e.killed.Load() {
			// Engaged while this start was under way, too early for the switch to see the
			// bot running: the bot stays stopped. (Engaged later, the switch sees it.)
			startErr = fmt.Errorf("starting bot %s: %w; release it first", name, ErrKillSwitch)
			return
		}
		// The worker joins the engine's group only while Close has not begun, as Run's
		// loops do.
		if !e.join(1) {
			startErr = fmt.Errorf("starting bot %s: %w", name, ErrStopping)
			return
		}
		open := make([]OrderRef, 0, len(mine))
		b.openN, b.openBuy = 0, decimal.Zero
		for _, o := range mine {
			open = append(open, o.ref)
			o.rec.counted, o.rec.reserved = true, o.reserved
			b.openN++
			if o.rec.Side == exchange.Buy {
				b.openBuy, _ = b.openBuy.Add(o.reserved)
			}
		}
		led.keepDay(b.led)
		b.rules, b.led, b.strat, b.known = rules, led, strat, known
		strat.Restore(led.position(), open, history)
		b.setState(BotRunning, "")
		b.desired, b.startedAt, b.lastRef = BotRunning, now, ""
		b.resumeAt = time.Time{}
		b.last = e.mkt.last(cfg.Symbol)
		wctx, cancel := context.WithCancel(e.life)
		b.queue, b.cancel, b.done = make(chan job, queueLen), cancel, make(chan struct{})
		if h := e.hooks.worker; h != nil {
			h(name, 1)
		}
		go e.worker(wctx, b, b.queue, b.done)
	})
	e.jmu.Unlock()
	if !wait() {
		startErr = fmt.Errorf("starting bot %s: %w", name, ErrStopping)
	}
	if startErr != nil {
		if errors.Is(startErr, ErrKillSwitch) {
			if err := e.reg.setState(ctx, name, BotStopped, BotStopped, "kill switch engaged while starting", time.Time{}); err != nil {
				e.log.Error("saving bot state", "bot", name, "err", err)
			}
		}
		return startErr
	}
	e.rebuildRoutes()
	e.event(name, "info", "started (%s, %s on %s)", cfg.Mode, cfg.Strategy, cfg.Symbol)
	e.publishBot(b, BotEvent{Bot: name, Time: now, Level: "info", Message: "started"})
	return nil
}

// loadBot returns a bot, reading it from the store when another process (the command line)
// added it after this engine loaded its bots. It runs on the lifecycle loop.
func (e *Engine) loadBot(ctx context.Context, name string) (*bot, error) {
	if b := e.botNamed(name); b != nil {
		return b, nil
	}
	row, err := e.reg.get(ctx, name)
	if err != nil {
		return nil, err
	}
	// Under jmu, so no fill is settled between the replay and the bot's arrival in e.bots.
	rp, err := e.replayLocked(ctx, row.cfg, exchange.Rules{}, false)
	defer e.jmu.Unlock()
	led, known := rp.led, rp.known
	if _, bad := damagedBot(err); err != nil && !bad {
		return nil, err
	}
	e.mu.Lock()
	if b := e.bots[name]; b != nil {
		e.mu.Unlock()
		return b, nil
	}
	b := loadedBot(row, led, err)
	b.known = known
	e.bots[name] = b
	e.mu.Unlock()
	e.initOpenRows(b)
	e.spawn(b)
	return b, nil
}

// fillID names one fill.
type fillID struct {
	clientID string
	tradeID  int64
}

// replay is a bot's ledger (and, when asked, its order history) rebuilt from the journal.
type replay struct {
	led   ledger
	known map[fillID]bool // fills of rows still open: their news may come after the replay
	hist  []*journal.Row
}

// replayTries is how many times replayLocked reads without jmu before it reads holding it.
const replayTries = 3

// replayLocked rebuilds a bot's ledger from the journal (with its order history when hist)
// and returns with jmu held, whatever the error, the replay matching the rows as jmu shows
// them: news of a row is settled, and queued for its bot, under jmu, so the caller hands the
// replay to the bot's loop before releasing jmu, and every fill is counted once (one recorded
// before the read and settled after it is in known, to be skipped; see tellBot). On an error,
// led holds what the fills before it made (none when they could not be read).
//
// The reads are made without jmu, so no order path waits for them: the bot's news count
// (rowNews) is taken before the read and checked once jmu is held, and a read that news of the
// bot's rows overtook is made again. After replayTries such reads (a bot whose orders keep
// filling while it starts), the read is made holding jmu.
func (e *Engine) replayLocked(ctx context.Context, cfg BotConfig, rules exchange.Rules, hist bool) (replay, error) {
	for try := 1; ; try++ {
		locked := try > replayTries
		e.jmu.Lock()
		seen := e.rowNews[cfg.Name]
		if !locked {
			e.jmu.Unlock()
		}
		var r replay
		fills, err := e.j.Fills(ctx, cfg.Name, 0, true)
		if err == nil && hist {
			r.hist, err = e.j.BotHistory(ctx, cfg.Name, 500)
		}
		if !locked {
			if h := e.hooks.replayRead; h != nil {
				h(cfg.Name)
			}
			e.jmu.Lock()
			if err == nil && e.rowNews[cfg.Name] != seen {
				e.jmu.Unlock()
				continue
			}
		}
		if err != nil {
			r.led, _ = ledgerOf(cfg, rules, nil)
			return r, err
		}
		r.led, err = ledgerOf(cfg, rules, fills)
		r.known = map[fillID]bool{}
		for _, f := range fills {
			if e.open[f.ClientID] != nil {
				r.known[fillID{f.ClientID, f.TradeID}] = true
			}
		}
		return r, err
	}
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

// StopBot stops a bot and cancels its open orders. It runs on the lifecycle loop, so a start
// of the same bot is either finished before it or begins after it.
func (e *Engine) StopBot(ctx context.Context, name string) error {
	return e.own(ctx, func(ctx context.Context) error { return e.stopBotNamed(ctx, name) })
}

// stopBotNamed is StopBot on the lifecycle loop.
func (e *Engine) stopBotNamed(ctx context.Context, name string) error {
	b := e.botNamed(name)
	if b == nil {
		return fmt.Errorf("%w: %q", ErrNoBot, name)
	}
	e.stopBot(b, BotStopped, "")
	e.do(b, func(b *bot) { b.desired = BotStopped })
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

// stopBot takes a bot off the tick path and waits for its worker. Off the lifecycle loop (the
// kill switch) the routes are rebuilt soon after; on it, when the operation ends.
func (e *Engine) stopBot(b *bot, state BotState, reason string) {
	e.do(b, func(b *bot) { b.setState(state, reason) })
	e.reroute()
	e.haltWorker(b)
	// Under jmu, so no news of its rows is queued between the list and the reset.
	e.jmu.Lock()
	var mine []*orderRec
	for _, r := range e.open {
		if r.Bot == b.name {
			mine = append(mine, r)
		}
	}
	wait := e.queue(b, func(b *bot) {
		for _, r := range mine {
			r.counted, r.reserved = false, decimal.Zero
		}
		b.openN, b.openBuy, b.strat = 0, decimal.Zero, nil
	})
	e.jmu.Unlock()
	wait()
}

// Seal stops live bots when the vault is sealed, keeping their desired state so the next
// Resume restarts them, and forgets the live accounts. The accounts are forgotten at once; the
// bots stop on the lifecycle loop, so no start under way finishes behind the seal's back.
func (e *Engine) Seal(ctx context.Context) error {
	e.mu.Lock()
	e.live = map[string]exchange.Trader{}
	e.mu.Unlock()
	err := e.own(ctx, func(ctx context.Context) error {
		e.sealBots(ctx)
		return nil
	})
	if errors.Is(err, ErrStopping) {
		return nil // closed: no bot runs
	}
	return err
}

// sealBots stops the running live bots; it runs on the lifecycle loop.
func (e *Engine) sealBots(ctx context.Context) {
	e.mu.Lock()
	e.live = map[string]exchange.Trader{} // again: a start before this one may have added one
	e.mu.Unlock()
	for _, b := range e.allBots() {
		isLive := false
		e.do(b, func(b *bot) { isLive = b.cfg.Mode == Live && b.state == BotRunning })
		if !isLive {
			continue
		}
		e.stopBot(b, BotStopped, "vault sealed")
		e.setStopped(ctx, b, BotStopped, "vault sealed; it restarts when the vault is unlocked")
	}
}

// EngageKillSwitch stops every bot and cancels every open order QuantDeck placed. It stays
// engaged, across restarts too, until ReleaseKillSwitch. It acts at once, without queueing on
// the lifecycle loop behind a start or a stop that waits for the exchange: a start under way
// checks the switch on the bot's loop before its bot runs (see startBot), and a bot that
// started before the switch was set is stopped here, its loop answering in order.
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
		active := false
		e.do(b, func(b *bot) { active = b.state == BotRunning || b.state == BotPaused || b.desired == BotRunning })
		if !active {
			continue
		}
		e.stopBot(b, BotStopped, "kill switch: "+reason)
		e.do(b, func(b *bot) { b.desired = BotStopped })
		if serr := e.reg.setState(ctx, b.name, BotStopped, BotStopped, "kill switch: "+reason, time.Time{}); serr != nil {
			err = errors.Join(err, serr)
		}
		e.publishBot(b, BotEvent{Bot: b.name, Time: e.now().UTC(), Level: "warn", Message: "stopped by the kill switch"})
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

// resumeDue reports whether a bot the daily loss limit paused may run again: its UTC day
// is over. It runs on the bot's loop.
func (b *bot) resumeDue(now time.Time) bool {
	return b.state == BotPaused && !b.pausing && b.desired == BotRunning && !b.resumeAt.IsZero() && !now.Before(b.resumeAt)
}

// resumeNewDay starts the bots the daily loss limit paused once their UTC day is over: the
// limit is per day, and a new day starts with a fresh allowance. The poller calls it; each
// start queues on the lifecycle loop.
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
		due := false
		e.do(b, func(b *bot) { due = b.resumeDue(now) })
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
