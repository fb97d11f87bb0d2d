package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Engine runs bots against a market and the paper or live accounts. Create it with New, call
// Resume once the vault is open (it reconciles the journal, then starts the bots that were
// running) and Run for the market stream; Run returns after a clean shutdown, and the engine
// is spent then.
type Engine struct {
	cfg     Config
	lim     Limits
	log     *slog.Logger
	clk     clock.Clock
	j       *journal.Journal
	reg     *Registry
	bus     *bus
	limiter *limiter
	mkt     *marketState
	books   *bookStore
	hist    history
	watch   watchState

	life   context.Context // ends when the engine stops; every goroutine watches it
	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
	// wgMu guards shut and the wg.Add calls that race with Close: once Close has begun
	// waiting, nothing may join the group (a WaitGroup forbids an Add from zero during Wait).
	// A leaf: nothing else is locked or awaited while it is held.
	wgMu    sync.Mutex
	shut    bool
	started time.Time

	// The lifecycle loop (owner.go) runs the operations that change which bots exist or run
	// and which symbols are watched, one at a time: ops carries them, streams Run's connected
	// market stream (once), rerouteReq a request to rebuild routes (capacity 1). The
	// reconciler loop runs resumes' reconciliations, one at a time, from reconOps.
	ops        chan lifeOp
	streams    chan streamsUp
	rerouteReq chan struct{}
	reconOps   chan lifeOp

	resumed atomic.Bool
	closing atomic.Bool
	killed  atomic.Bool
	ticks   atomic.Uint64 // ticks fully processed
	// booksDirty says a book arrived since the last snapshot.
	booksDirty atomic.Bool
	intents    atomic.Uint64 // intents that passed the risk guard and were queued

	// failure is why Run stopped on its own; nil while it runs and after a clean stop.
	failure atomic.Pointer[error]

	// mu guards the fields below. A leaf: held only to read or change them, never while
	// locking anything else or waiting for a bot, the lifecycle loop or I/O.
	mu         sync.Mutex
	bots       map[string]*bot // changed only on the lifecycle loop
	killReason string
	rules      map[string]exchange.Rules
	live       map[string]exchange.Trader
	recent     recent
	balances   []BalanceView
	paperErr   string                   // the paper account's save failure last reported; "" for none
	bg         context.Context          // Run's background context, set on the lifecycle loop; nil before Run
	watched    map[exchange.Trader]bool // traders whose order stream is being read

	// routes are the running bots by symbol, for the tick path: read without a lock, stored
	// only by the lifecycle loop.
	routes atomic.Pointer[map[string][]*bot]

	// jmu serialises changes to journal order rows and guards open. Bots' loops never take
	// it: what a row change means for a bot is posted to the bot's loop while it is held, so
	// each bot sees its rows change in the order the journal did. It takes only leaves (mu,
	// wgMu, a bot's mailbox, the market's) and is never held across a wait or a read of the
	// journal: a start or an edit queues the bot's new state under it (queue) and waits once
	// it has let go, and reads the bot's ledger before taking it (replayLocked; a bot whose
	// fills keep overtaking those reads is read under it after three tries). It is never taken
	// under another lock.
	jmu  sync.Mutex
	open map[string]*orderRec // rows without a final state, by client id
	// openBy counts each bot's rows in open; loaded says Resume has loaded them. Before
	// that, preOpen (read by New) stands in. Guarded by jmu.
	openBy  map[string]int
	loaded  bool
	preOpen map[string]int
	// rowNews counts, by bot, the row changes settled for its rows: a ledger replay read
	// without jmu checks that none came meanwhile (replayLocked). Guarded by jmu.
	rowNews map[string]uint64

	tickSeq atomic.Uint64

	events chan BotEvent // history lines waiting to be written
	hooks  hooks
}

// hooks are points where the crash test kills the process; nil in normal operation.
type hooks struct {
	// tickHandled is called on a bot's loop after a tick, with the wall times the tick (or
	// the oldest tick it replaced) was handed over and the loop took it, and the number of
	// intents it queued (the tick benchmark measures with it).
	tickHandled func(bot string, handed, took time.Time, queued int)
	afterIntent func(clientID string) // the intent row is staged (or durable), nothing sent yet
	afterMark   func(clientID string) // the attempt is staged (or durable), nothing signed yet
	afterRecord func(clientID string) // a signed send is durable, the request not yet gone
	afterAck    func(clientID string) // the exchange answered, the journal not yet updated
	replayRead  func(bot string)      // a ledger replay read without jmu, not yet checked
	// worker is called as a bot's order worker is started (+1) and as it ends (-1); the
	// lifecycle tests count a bot's workers with it.
	worker func(bot string, delta int)
}

// New loads the bots and the kill switch from the store. It starts no bot: that is Resume's
// job, after the journal has been reconciled.
func New(cfg Config) (*Engine, error) {
	if cfg.DB == nil {
		return nil, errors.New("engine: no database")
	}
	if cfg.Market == nil {
		return nil, errors.New("engine: no market data source")
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ExchangeName == "" {
		cfg.ExchangeName = "sim"
	}
	ctx := context.Background()
	j, err := journal.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg: cfg, lim: cfg.Limits.withDefaults(), log: cfg.Logger, clk: cfg.Clock,
		j: j, reg: NewRegistry(cfg.DB, cfg.Clock), bus: newBus(),
		bots: map[string]*bot{}, rules: map[string]exchange.Rules{}, live: map[string]exchange.Trader{},
		open: map[string]*orderRec{}, openBy: map[string]int{}, rowNews: map[string]uint64{}, events: make(chan BotEvent, 1024),
		ops: make(chan lifeOp), streams: make(chan streamsUp, 1), rerouteReq: make(chan struct{}, 1),
		reconOps: make(chan lifeOp),
	}
	e.limiter = newLimiter(e.lim, e.clk)
	if err := e.loadWatchlist(ctx); err != nil {
		return nil, err
	}
	e.mkt = newMarketState(e.watch.list(), cfg.ExchangeName)
	e.books = newBookStore(e.watch.list())
	e.life, e.stop = context.WithCancel(context.Background())
	e.started = e.now().UTC()
	empty := map[string][]*bot{}
	e.routes.Store(&empty)

	engaged, reason, err := j.KillSwitch(ctx)
	if err != nil {
		return nil, err
	}
	e.killed.Store(engaged)
	e.killReason = reason
	rows, err := e.reg.all(ctx)
	if err != nil {
		return nil, err
	}
	var damaged []error // rows that do not parse: their bots are in error
	for _, r := range rows {
		led, err := loadLedger(ctx, j, r.cfg, exchange.Rules{})
		if _, bad := damagedBot(err); err != nil && !bad {
			return nil, err
		}
		if r.damaged != nil {
			err = r.damaged
		}
		e.bots[r.cfg.Name] = loadedBot(r, led, err)
		if err != nil {
			damaged = append(damaged, err)
		}
	}
	if e.preOpen, err = j.OpenCounts(ctx); err != nil {
		return nil, err
	}
	for _, b := range e.bots {
		e.initOpenRows(b)
		e.spawn(b)
	}
	// Snapshots open with the recent history, not an empty screen.
	if orders, err := j.Orders(ctx, OrderFilter{Limit: recentMax}); err == nil {
		e.recent.orders = newestFirst(orders)
	} else {
		damaged = append(damaged, err)
	}
	if fills, err := j.Fills(ctx, "", recentMax, false); err == nil {
		e.recent.fills = newestFirst(fills)
	} else {
		damaged = append(damaged, err)
	}
	if log, err := j.Events(ctx, "", 2*recentMax); err == nil {
		e.recent.log = newestFirst(log)
	} else {
		damaged = append(damaged, err)
	}
	// After the history is loaded, so these lines show on top of it.
	for _, err := range damaged {
		bot, _ := damagedBot(err)
		e.event(bot, "error", "%v", err)
	}
	e.wg.Add(3)
	go e.writeEvents()
	go e.lifeLoop()
	go e.reconLoop()
	return e, nil
}

// loadedBot is a bot read from the store, not running yet. A bot the daily loss limit paused
// resumes at the UTC midnight after it was paused (when its row was last written).
// A bot whose rows do not parse (damaged) is in error with the row named, and cannot start.
func loadedBot(r *botRow, led ledger, damaged error) *bot {
	b := newBot(r.cfg)
	b.desired, b.state, b.reason, b.led = r.desired, stoppedOr(r.state), r.reason, led
	if damaged != nil {
		b.state, b.reason, b.damaged = BotError, damaged.Error(), damaged
	}
	if b.state == BotPaused && b.desired != BotRunning {
		// Stopped from the command line while paused: stopped it is.
		b.state, b.reason = BotStopped, ""
	}
	if b.state == BotPaused && strings.HasPrefix(b.reason, dailyLossReason) && !r.updatedAt.IsZero() {
		b.resumeAt = nextUTCDay(r.updatedAt)
	}
	return b
}

// stoppedOr maps a stored state to the state of a bot that is not running yet: paused and
// error keep their reason, running becomes stopped until Resume starts it.
func stoppedOr(s BotState) BotState {
	if s == BotPaused || s == BotError {
		return s
	}
	return BotStopped
}

// now is the engine's clock's time.
func (e *Engine) now() time.Time { return e.clk.Now() }

// sleep waits on the engine's clock.
func (e *Engine) sleep(ctx context.Context, d time.Duration) error { return e.clk.Sleep(ctx, d) }

// waitFor waits d on the engine's clock; false when ctx ends first. The engine's periodic
// loops use it instead of a ticker, so a test's fake clock drives them too.
func (e *Engine) waitFor(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-e.clk.After(d):
		return true
	}
}

// Close stops every bot worker and background goroutine without touching the bots' desired
// state. Run calls it on its way out; call it directly only when Run was never called.
func (e *Engine) Close() error {
	e.closed.Do(func() {
		e.closing.Store(true)
		e.wgMu.Lock()
		e.shut = true
		e.wgMu.Unlock()
		e.mu.Lock()
		bots := make([]*bot, 0, len(e.bots))
		for _, b := range e.bots {
			bots = append(bots, b)
		}
		e.mu.Unlock()
		for _, b := range bots {
			e.haltWorker(b)
		}
		e.stop()
		e.wg.Wait()
		// The journal's writer commits what is queued; nothing writes after this.
		e.j.Close()
		e.bus.close()
	})
	return nil
}

// join adds n goroutines to the engine's group unless Close has begun; false means the engine
// is closed and the goroutines must not start.
func (e *Engine) join(n int) bool {
	e.wgMu.Lock()
	defer e.wgMu.Unlock()
	if e.shut {
		return false
	}
	e.wg.Add(n)
	return true
}

// trader returns the account for a mode and credential.
func (e *Engine) trader(mode Mode, keyLabel string) (exchange.Trader, error) {
	if mode != Live {
		if e.cfg.Paper == nil {
			return nil, errors.New("paper trading is not configured")
		}
		return e.cfg.Paper, nil
	}
	e.mu.Lock()
	t := e.live[keyLabel]
	e.mu.Unlock()
	if t != nil {
		return t, nil
	}
	if e.cfg.Live == nil {
		return nil, fmt.Errorf("%w: this engine has no live accounts", ErrLiveUnavailable)
	}
	t, err := e.cfg.Live(keyLabel)
	if err != nil {
		return nil, fmt.Errorf("%w: credential %q: %w", ErrLiveUnavailable, keyLabel, err)
	}
	if t == nil {
		return nil, fmt.Errorf("%w: credential %q: unlock the vault first", ErrLiveUnavailable, keyLabel)
	}
	e.mu.Lock()
	e.live[keyLabel] = t
	e.mu.Unlock()
	e.watchStream(t)
	return t, nil
}

// watchStream reads a trader's pushed order updates, once per trader, while Run runs.
func (e *Engine) watchStream(t exchange.Trader) {
	s, ok := t.(exchange.OrderStream)
	if !ok {
		return
	}
	e.mu.Lock()
	bg := e.bg
	if bg == nil || e.watched[t] {
		e.mu.Unlock()
		return
	}
	if e.watched == nil {
		e.watched = map[exchange.Trader]bool{}
	}
	e.watched[t] = true
	e.mu.Unlock()
	if e.join(1) { // false once Close has begun: the stream is not read any more
		go e.streamLoop(bg, t, s.OrderUpdates())
	}
}

// rulesFor returns a symbol's rules, cached after the first lookup.
func (e *Engine) rulesFor(ctx context.Context, symbol string) (exchange.Rules, error) {
	e.mu.Lock()
	r, ok := e.rules[symbol]
	e.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := e.cfg.Market.Rules(ctx, symbol)
	if err != nil {
		return r, fmt.Errorf("reading %s's trading rules: %w", symbol, err)
	}
	e.mu.Lock()
	e.rules[symbol] = r
	e.mu.Unlock()
	return r, nil
}

// event records a history line: published now, written to the store by writeEvents. It may
// be called on a bot's loop, so it carries the view the bot last published and never waits.
func (e *Engine) event(botName, level, format string, args ...any) {
	ev := BotEvent{Bot: botName, Time: e.now().UTC(), Level: level, Message: fmt.Sprintf(format, args...)}
	e.mu.Lock()
	e.recent.addLog(ev)
	e.mu.Unlock()
	msg := BotEventMsg{Event: ev}
	if b := e.botNamed(botName); b != nil {
		msg.Bot = e.currentView(b)
	}
	e.bus.publish(msg)
	if level == "error" {
		e.bus.publish(ErrorEvent{Bot: botName, Err: ev.Message})
	}
	select {
	case e.events <- ev:
	default:
		e.log.Warn("bot history is falling behind; a line was not saved", "bot", botName)
	}
	switch level {
	case "error":
		e.log.Error(ev.Message, "bot", botName)
	case "warn":
		e.log.Warn(ev.Message, "bot", botName)
	default:
		e.log.Info(ev.Message, "bot", botName)
	}
}

// publishBot sends a bot's current view to subscribers; never call it on a bot's loop.
func (e *Engine) publishBot(b *bot, ev BotEvent) {
	e.bus.publish(BotEventMsg{Bot: e.botView(b), Event: ev})
}

// writeEvents saves history lines until the engine stops, then saves what is left.
func (e *Engine) writeEvents() {
	defer e.wg.Done()
	save := func(ev BotEvent) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.j.AddEvent(ctx, ev); err != nil {
			e.log.Error("saving bot history", "err", err)
		}
	}
	for {
		select {
		case ev := <-e.events:
			save(ev)
		case <-e.life.Done():
			for {
				select {
				case ev := <-e.events:
					save(ev)
				default:
					return
				}
			}
		}
	}
}
