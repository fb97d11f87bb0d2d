package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// bot is one bot at run time. Its fields belong to its loop (see botloop.go): only functions
// the loop runs touch them. name, the mailboxes and the atomics may be read anywhere.
type bot struct {
	name      string // fixed for the bot's life
	cfg       BotConfig
	rules     exchange.Rules
	desired   BotState
	state     BotState
	reason    string
	startedAt time.Time
	resumeAt  time.Time // a bot paused by the daily loss limit starts again then (next UTC midnight)
	pausing   bool      // a pause is still waiting for the order in flight and cancelling orders
	damaged   error     // a row of the bot does not parse (*badRowError): it cannot start
	removed   bool      // the bot was removed: its loop ends
	strat     Strategy
	led       ledger
	last      decimal.Decimal // latest price seen by the bot
	// known lists the fills of open rows the last replayed ledger holds: their news may
	// still arrive, and must not count twice.
	known map[fillID]bool

	// Risk accounting of orders that are queued or open: their number and the quote value
	// the buys among them still commit.
	openN   int
	openBuy decimal.Decimal

	queue   chan job
	cancel  context.CancelFunc
	done    chan struct{}
	scratch []Intent
	lastRef string    // last refusal reason, to keep the history free of repeats
	viewAt  time.Time // when the loop last published its view from the tick path

	box    mailbox                 // functions for the loop, in order
	in     atomic.Pointer[tickIn]  // the latest tick not handled yet
	wake   chan struct{}           // capacity 1: "something waits in box or in"
	exited chan struct{}           // closed when the loop has ended
	seen   atomic.Uint64           // seq of the last tick the loop handled
	view   atomic.Pointer[BotView] // the view the loop last published
	// pendingAt is when the oldest tick the loop has not taken was handed over (Unix ns),
	// kept only while a hook measures tick latency (see handedAt).
	pendingAt atomic.Int64
	// running mirrors state == BotRunning for the tick routes.
	running atomic.Bool
	// openRows is the number of the bot's journal rows without a final state, kept by the
	// engine as rows open and close: the open-order count of a bot that is not running.
	openRows atomic.Int64
}

// job is an intent that passed the risk guard, waiting for the bot's order worker. cfg is
// the bot's configuration when it was queued: the worker never reads the bot's fields.
type job struct {
	cfg      BotConfig
	intent   Intent
	req      exchange.OrderRequest // normalised to the symbol's rules
	reserved decimal.Decimal       // quote value committed by a buy
}

const queueLen = 64

// onTick is the hot path: market state, then the tick handed to every running bot on the
// symbol (never waiting for one), then paper fills.
func (e *Engine) onTick(t exchange.Tick) {
	now := e.now()
	e.mkt.onTick(t, now)
	e.handTick((*e.routes.Load())[t.Symbol], t, now)
	if p, ok := e.cfg.Paper.(interface{ OnTick(exchange.Tick) }); ok {
		p.OnTick(t)
	}
	e.ticks.Add(1)
}

// TicksProcessed is the number of market ticks the engine has handled since it started.
func (e *Engine) TicksProcessed() uint64 { return e.ticks.Load() }

// viewEvery is how often a running bot republishes its view from the tick path, so the
// cockpit's unrealised profit follows the price.
const viewEvery = 50 * time.Millisecond

// tickBot runs one bot's strategy on a tick and queues what the risk guard lets through.
// It runs on the bot's loop.
func (e *Engine) tickBot(b *bot, in *tickIn) {
	defer b.seen.Store(in.seq)
	var handed, took time.Time
	hook := e.hooks.tickHandled
	if hook != nil {
		handed, took = e.handedAt(b, in), time.Now()
	}
	if b.state != BotRunning {
		return
	}
	t, now := in.t, in.now
	if p := strategy.RefPrice(t); p.IsPos() {
		b.last = p
	}
	if limit := b.cfg.DailyLossLimit; limit.IsPos() {
		if loss := b.led.dayLoss(now, b.last); loss.Cmp(limit) >= 0 {
			b.resumeAt = nextUTCDay(now)
			e.pause(b, fmt.Sprintf("%s: lost %s of %s %s today; resumes at 00:00 UTC", dailyLossReason, loss.Round(2), limit, b.led.quote))
			e.settle(b)
			return
		}
	}
	b.scratch = b.strat.OnTick(t, b.led.position(), now, b.scratch[:0])
	queued := 0
	for _, it := range b.scratch {
		jb, err := e.check(b, it)
		if err == nil {
			select {
			case b.queue <- jb:
				e.intents.Add(1)
				queued++
				b.openN++
				b.openBuy, _ = b.openBuy.Add(jb.reserved)
				continue
			default:
				err = fmt.Errorf("%w: too many orders waiting to be sent", ErrRisk)
			}
		}
		e.refuse(b, it, err, now)
	}
	if hook != nil {
		hook(b.name, handed, took, queued)
	}
	if len(b.scratch) > 0 || now.Sub(b.viewAt) >= viewEvery || now.Before(b.viewAt) {
		b.viewAt = now
		e.settle(b)
	}
}

// check applies the symbol's rules and the risk guard to one intent. It runs on the loop.
func (e *Engine) check(b *bot, it Intent) (job, error) {
	if e.killed.Load() {
		return job{}, ErrKillSwitch
	}
	if e.closing.Load() {
		return job{}, ErrStopping
	}
	req := exchange.OrderRequest{Symbol: b.cfg.Symbol, Side: it.Side, Type: it.Type, Quantity: it.Qty, QuoteQty: it.QuoteQty, Price: it.Price}
	req, err := b.rules.Normalize(req, b.last)
	if err != nil {
		return job{}, err
	}
	notional, err := orderValue(req, b.last)
	if err != nil {
		return job{}, err
	}
	// Selling what the bot holds only lowers its risk: the value cap is for buying.
	reducing := req.Side == exchange.Sell && req.Quantity.Cmp(b.led.qty) <= 0
	if max := decOr(b.cfg.MaxOrderNotional, e.lim.MaxOrderNotional); max.IsPos() && !reducing && notional.Cmp(max) > 0 {
		return job{}, fmt.Errorf("%w: order value %s is above the bot's maximum of %s", ErrRisk, notional.Round(2), max)
	}
	maxOpen := b.cfg.MaxOpenOrders
	if maxOpen <= 0 {
		maxOpen = e.lim.MaxOpenOrders
	}
	if b.openN >= maxOpen {
		return job{}, fmt.Errorf("%w: %d open orders is the bot's maximum", ErrRisk, maxOpen)
	}
	jb := job{cfg: b.cfg, intent: it, req: req}
	if req.Side == exchange.Buy {
		jb.reserved = notional
		if b.cfg.Budget.IsPos() {
			committed, err := decimal.Sum(b.led.cost, b.openBuy, notional)
			if err != nil || committed.Cmp(b.cfg.Budget) > 0 {
				return job{}, fmt.Errorf("%w: budget %s would be exceeded (%s committed, order %s)", ErrRisk, b.cfg.Budget, b.spent().Round(2), notional.Round(2))
			}
		}
	}
	return jb, nil
}

// spent is the quote value held in position and open buys.
func (b *bot) spent() decimal.Decimal {
	c, err := b.led.cost.Add(b.openBuy)
	if err != nil {
		return b.led.cost
	}
	return c
}

// orderValue is an order's quote value; a market order by quantity is valued at ref.
func orderValue(req exchange.OrderRequest, ref decimal.Decimal) (decimal.Decimal, error) {
	switch {
	case req.QuoteQty.IsPos():
		return req.QuoteQty, nil
	case req.Type == exchange.Limit:
		return req.Price.Mul(req.Quantity)
	default:
		return req.Quantity.Mul(ref)
	}
}

// refuse tells the strategy an intent never reached the exchange, and records why
// (once per distinct reason, so a refusal that repeats on every tick is one history line).
func (e *Engine) refuse(b *bot, it Intent, err error, now time.Time) {
	if b.strat != nil {
		b.strat.OnOrder(OrderUpdate{Tag: it.Tag, Side: it.Side, Price: it.Price, Qty: it.Qty, Time: now, Refused: true, Reason: err.Error()})
	}
	if msg := err.Error(); msg != b.lastRef {
		b.lastRef = msg
		e.event(b.cfg.Name, "warn", "order refused: %s", msg)
	}
}

// dailyLossReason starts the reason of a bot paused by its daily loss limit.
const dailyLossReason = "daily loss limit reached"

// nextUTCDay is the UTC midnight after t.
func nextUTCDay(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour) }

// pause pauses a bot from its loop: no new intents from now on; the worker is stopped
// and the bot's open orders are cancelled in the background.
func (e *Engine) pause(b *bot, reason string) {
	b.setState(BotPaused, reason)
	b.pausing = true
	cancel, done := b.takeWorker()
	e.event(b.cfg.Name, "warn", "paused: %s", reason)
	name := b.cfg.Name
	if !e.join(1) {
		// Closing: the worker is told to stop (Close waits for it), and the next start finds
		// the bot paused.
		if cancel != nil {
			cancel()
		}
		return
	}
	go func() {
		defer e.wg.Done()
		waitWorker(cancel, done)
		e.reroute()
		ctx, cancelCtx := context.WithTimeout(e.life, 30*time.Second)
		defer cancelCtx()
		if err := e.reg.setPaused(ctx, name, reason); err != nil {
			e.event(name, "error", "saving the paused state: %v", err)
		}
		e.cancelBotOrders(ctx, name)
		e.do(b, func(b *bot) { b.pausing = false })
		e.publishBot(b, BotEvent{Bot: name, Time: e.now().UTC(), Level: "warn", Message: "paused: " + reason})
	}()
}

// takeWorker detaches a bot's order worker so exactly one caller stops it. It runs on
// the loop.
func (b *bot) takeWorker() (context.CancelFunc, chan struct{}) {
	cancel, done := b.cancel, b.done
	b.cancel, b.done = nil, nil
	return cancel, done
}

// waitWorker stops a detached worker and waits for it; the order in flight completes.
func waitWorker(cancel context.CancelFunc, done chan struct{}) {
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// haltWorker stops a bot's order worker and waits for it.
func (e *Engine) haltWorker(b *bot) {
	var cancel context.CancelFunc
	var done chan struct{}
	e.do(b, func(b *bot) { cancel, done = b.takeWorker() })
	waitWorker(cancel, done)
}

// worker sends a bot's queued intents one at a time until ctx ends; what is still queued then
// is refused (it never reached the journal).
func (e *Engine) worker(ctx context.Context, b *bot, queue chan job, done chan struct{}) {
	defer e.wg.Done()
	defer close(done)
	if h := e.hooks.worker; h != nil {
		defer h(b.name, -1)
	}
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case jb := <-queue:
					e.releaseJob(b, jb, ErrStopping)
				default:
					return
				}
			}
		case jb := <-queue:
			e.placeForBot(ctx, b, jb)
		}
	}
}

// releaseJob undoes a queued job's risk accounting and tells the strategy, on the bot's loop.
func (e *Engine) releaseJob(b *bot, jb job, err error) {
	now := e.now()
	e.post(b, func(b *bot) {
		b.openN--
		b.openBuy, _ = b.openBuy.Sub(jb.reserved)
		if b.openBuy.IsNeg() {
			b.openBuy = decimal.Zero
		}
		if b.strat != nil && b.state == BotRunning {
			b.strat.OnOrder(OrderUpdate{Tag: jb.intent.Tag, Side: jb.intent.Side, Time: now, Refused: true, Reason: err.Error()})
		}
	})
}

// botView is a bot as shown to the user: asked of its loop, or the last view it published
// once the loop has ended.
func (e *Engine) botView(b *bot) BotView {
	var v BotView
	if e.do(b, func(b *bot) { v = e.viewOf(b) }) {
		return v
	}
	return e.currentView(b)
}

// currentView is the view the bot's loop last published; it never waits.
func (e *Engine) currentView(b *bot) BotView {
	if v := b.view.Load(); v != nil {
		return *v
	}
	return BotView{Config: BotConfig{Name: b.name}}
}

// viewOf computes the view and publishes it; it runs on the loop.
func (e *Engine) viewOf(b *bot) BotView {
	price := b.last
	if !price.IsPos() {
		price = e.mkt.last(b.cfg.Symbol)
	}
	v := BotView{
		Config: b.cfg, State: b.state, Reason: b.reason, StartedAt: b.startedAt,
		Position: b.led.qty, AvgEntry: b.led.avgEntry(), RealizedPnL: b.led.realized,
		UnrealizedPnL: b.led.unrealized(price), Spent: b.spent(), OpenOrders: b.openN,
		Buys: b.led.buys, Sells: b.led.sells,
	}
	if b.state != BotRunning {
		v.OpenOrders = int(b.openRows.Load())
	}
	b.view.Store(&v)
	return v
}
