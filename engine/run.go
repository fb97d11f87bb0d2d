package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Run streams the watchlist, feeds every tick to the bots and the paper account, follows
// order changes (pushed or polled), refreshes balances and publishes coalesced snapshots. It
// returns when ctx ends, after a clean shutdown: no new orders, the order in flight answered
// and journaled, bots' desired state kept for the next start.
//
// When it stops for any other reason than ctx, the cause is logged, kept for Failure, and
// published as an ErrorEvent before the event stream closes: a cockpit or a service must never
// go on showing a quiet engine as if it ran.
//
// Run returns ErrClosed, and starts nothing, once Close has been called.
func (e *Engine) Run(ctx context.Context) (err error) {
	// The background loops join the group before anything else, so a Close running beside
	// this call either comes first (and Run refuses) or waits for them.
	bd, books := e.cfg.Market.(exchange.BookData)
	loops := 5 // history, polling, balances, saving the last prices, snapshots
	if books {
		loops++
	}
	if !e.join(loops) {
		return fmt.Errorf("engine: run: %w", ErrClosed)
	}
	defer e.Close()
	started := false
	defer func() {
		if !started {
			e.wg.Add(-loops) // before Close waits: the loops never ran
		}
	}()
	defer func() {
		if err != nil && ctx.Err() == nil && e.life.Err() == nil {
			e.fail(err)
		}
	}()
	if e.cfg.ResumeMarket {
		e.resumeMarket(ctx)
	}
	// A Close while the stream connects ends the attempt instead of waiting for it.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAfter := context.AfterFunc(e.life, cancel)
	defer stopAfter()
	// The stream carries the watchlist as it is now; the lifecycle loop, told below, streams
	// what was watched meanwhile on its own (adoptStreams).
	symbols := e.watch.list()
	ticks, conns, err := e.cfg.Market.Stream(sctx, symbols)
	if err != nil {
		if e.life.Err() != nil {
			return fmt.Errorf("engine: run: %w", ErrClosed)
		}
		return fmt.Errorf("engine: starting the market stream: %w", err)
	}
	bg, stopBG := context.WithCancel(e.life)
	defer stopBG()
	started = true
	defer e.saveMarks()
	go e.loadHistory(bg, symbols)
	go e.pollLoop(bg)
	go e.marksLoop(bg)
	if books {
		go e.bookLoop(bg, bd, symbols)
	}
	// Without waiting: a Resume may be running on the lifecycle loop, and ticks flow now.
	select {
	case e.streams <- streamsUp{bg: bg, symbols: symbols}:
	case <-e.life.Done():
	}
	go e.balanceLoop(bg)
	go e.snapshotLoop(bg)
	for {
		select {
		case <-ctx.Done():
			e.closing.Store(true)
			return nil
		case <-e.life.Done(): // Close was called
			return nil
		case t, ok := <-ticks:
			if !ok {
				ticks = nil
				continue
			}
			e.onTick(t)
		case t := <-e.watch.extra:
			e.onTick(t)
		case c, ok := <-conns:
			if !ok {
				conns = nil
				continue
			}
			e.mkt.onConn(c)
			e.bus.publish(ConnEvent{Conn: c})
		}
	}
}

// snapshotLoop publishes a coalesced snapshot when something changed, at most once per
// SnapshotInterval. It runs off the tick goroutine: a snapshot asks every bot's loop for its
// view, and the tick goroutine never waits for a bot.
func (e *Engine) snapshotLoop(ctx context.Context) {
	defer e.wg.Done()
	for e.waitFor(ctx, e.lim.SnapshotInterval) {
		if dirty := e.mkt.takeDirty(); (e.booksDirty.Swap(false) || dirty) && e.bus.subscribers() > 0 {
			e.bus.publishSnapshot(e.Snapshot())
		}
	}
}

// fail records why the engine stopped, logs it and tells subscribers.
func (e *Engine) fail(err error) {
	e.failure.Store(&err)
	e.log.Error("engine stopped: no prices reach the bots and no order is placed until QuantDeck is started again", "err", err.Error())
	e.bus.publish(ErrorEvent{Err: "the engine stopped: " + err.Error()})
}

// Failure returns why Run stopped on its own, or nil while it runs, before it ran, and after a
// clean stop.
func (e *Engine) Failure() error {
	if p := e.failure.Load(); p != nil {
		return *p
	}
	return nil
}

// loadHistory seeds the charts with recent candles and the 24-hour change reference.
func (e *Engine) loadHistory(ctx context.Context, symbols []string) {
	defer e.wg.Done()
	for _, sym := range symbols {
		if ctx.Err() != nil {
			return
		}
		e.loadSymbolHistory(ctx, sym)
	}
}

// loadSymbolHistory seeds one symbol's one-minute candles and 24-hour change reference.
func (e *Engine) loadSymbolHistory(ctx context.Context, sym string) {
	minutes, err := e.cfg.Market.Candles(ctx, sym, time.Minute, candleKeep)
	if err != nil {
		e.log.Warn("loading candles", "symbol", sym, "err", err)
		return
	}
	var open24h decimal.Decimal
	if hours, err := e.cfg.Market.Candles(ctx, sym, time.Hour, 24); err == nil && len(hours) > 0 {
		open24h = hours[0].O
	}
	e.mkt.setHistory(sym, minutes, open24h)
}

// balanceLoop refreshes the balances shown in snapshots.
func (e *Engine) balanceLoop(ctx context.Context) {
	defer e.wg.Done()
	for {
		e.refreshBalances(ctx)
		if !e.waitFor(ctx, e.lim.BalanceInterval) {
			return
		}
	}
}

// checkPaperSaves reports, once per new failure, a paper account that cannot save to its
// file (a full disk, a damaged database): it keeps trading in memory and reports nothing it has
// not saved, so fills wait, and the trader must know why.
func (e *Engine) checkPaperSaves() {
	p, ok := e.cfg.Paper.(interface{ Err() error })
	if !ok {
		return
	}
	msg := ""
	if err := p.Err(); err != nil {
		msg = err.Error()
	}
	e.mu.Lock()
	changed := msg != e.paperErr
	e.paperErr = msg
	e.mu.Unlock()
	if changed && msg != "" {
		e.event("", "error", "the paper account cannot save to its file (%s): paper fills are reported only once saved, so they wait until it can", msg)
	}
}

func (e *Engine) refreshBalances(ctx context.Context) {
	var out []BalanceView
	add := func(mode Mode, tr exchange.Trader) {
		callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
		defer cancel()
		bals, err := tr.Balances(callCtx)
		if err != nil {
			e.log.Warn("reading balances", "mode", mode, "err", err)
			return
		}
		for _, b := range bals {
			out = append(out, BalanceView{Mode: mode, Asset: b.Asset, Free: b.Free, Locked: b.Locked, QuoteValue: e.quoteValue(b)})
		}
	}
	if e.cfg.Paper != nil {
		add(Paper, e.cfg.Paper)
		e.checkPaperSaves()
	}
	e.mu.Lock()
	lives := make([]exchange.Trader, 0, len(e.live))
	for _, t := range e.live {
		lives = append(lives, t)
	}
	e.mu.Unlock()
	for _, t := range lives {
		add(Live, t)
	}
	e.mu.Lock()
	e.balances = out
	e.mu.Unlock()
	e.mkt.markDirty()
}

// quoteValue values a balance in USDT from the watchlist's prices; zero when unknown.
func (e *Engine) quoteValue(b exchange.Balance) decimal.Decimal {
	total, err := b.Free.Add(b.Locked)
	if err != nil {
		return decimal.Zero
	}
	if b.Asset == "USDT" {
		return total
	}
	p := e.mkt.last(b.Asset + "USDT")
	if !p.IsPos() {
		return decimal.Zero
	}
	v, err := total.Mul(p)
	if err != nil {
		return decimal.Zero
	}
	return v
}
