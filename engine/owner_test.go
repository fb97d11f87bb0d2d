package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// lifecycleRig is an engine streaming BTCUSDT and ETHUSDT, with bots on both, that counts
// every bot's order workers.
type lifecycleRig struct {
	*rig
	mu      sync.Mutex
	workers map[string]int
}

func newLifecycleRig(t *testing.T) *lifecycleRig {
	t.Helper()
	m := newTestMarket()
	eth := btcRules
	eth.Symbol, eth.Base = "ETHUSDT", "ETH"
	m.rules["ETHUSDT"] = eth
	db := testDB(t)
	x := newMemExchange()
	e, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT"}, Paper: x, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	lr := &lifecycleRig{rig: &rig{e: e, db: db, mkt: m, x: x}, workers: map[string]int{}}
	e.hooks.worker = func(bot string, delta int) {
		lr.mu.Lock()
		defer lr.mu.Unlock()
		lr.workers[bot] += delta
		if n := lr.workers[bot]; n > 1 || n < 0 {
			t.Errorf("bot %s has %d order workers", bot, n)
		}
	}
	return lr
}

// check runs on the lifecycle loop, between two operations, and returns what is wrong there:
// a bot running or paused on a symbol that is not watched, a running bot without exactly one
// order worker or a stopped one with a worker, tick routes that do not match the running bots.
func (lr *lifecycleRig) check(ctx context.Context) error {
	e := lr.e
	return e.own(ctx, func(ctx context.Context) error {
		watched := e.Watchlist()
		routes := *e.routes.Load()
		var errs []error
		for _, b := range e.allBots() {
			var state BotState
			var symbol string
			e.do(b, func(b *bot) { state, symbol = b.state, b.cfg.Symbol })
			if (state == BotRunning || state == BotPaused) && !slices.Contains(watched, symbol) {
				errs = append(errs, fmt.Errorf("bot %s is %s on %s, which is not watched (%v)", b.name, state, symbol, watched))
			}
			lr.mu.Lock()
			n := lr.workers[b.name]
			lr.mu.Unlock()
			if want := map[bool]int{true: 1, false: 0}[state == BotRunning]; n != want {
				errs = append(errs, fmt.Errorf("bot %s is %s with %d order workers", b.name, state, n))
			}
			if routed := slices.Contains(routes[symbol], b); routed != (state == BotRunning) {
				errs = append(errs, fmt.Errorf("bot %s is %s, routed %v", b.name, state, routed))
			}
		}
		return errors.Join(errs...)
	})
}

// waitOrDump waits for wg, or fails the test with every goroutine's stack: a lifecycle
// operation waiting for something that waits for it never returns.
func waitOrDump(t *testing.T, wg *sync.WaitGroup, limit time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		var buf bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&buf, 2)
		t.Fatalf("lifecycle operations did not finish within %s (a deadlock?):\n%s", limit, buf.String())
	}
}

// Resumes, starts, stops, edits, adds, removes, watches and unwatches from many goroutines at
// once, with ticks flowing, queue up on the lifecycle loop: between any two of them no bot runs
// on a symbol that is not watched, each running bot has one order worker (and a stopped one
// none), and the tick routes hold exactly the running bots.
func TestLifecycleOperationsQueueUp(t *testing.T) {
	lr := newLifecycleRig(t)
	lr.running(t)
	e := lr.e
	ctx := context.Background()
	bots := []BotConfig{gridBot("btc-grid"), dcaBot("btc-dca"), dcaBot("eth-a"), dcaBot("eth-b")}
	bots[2].Symbol, bots[3].Symbol = "ETHUSDT", "ETHUSDT"
	for _, cfg := range bots {
		if err := e.AddBot(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	stopTicks := make(chan struct{})
	ticksDone := make(chan struct{})
	go func() { // prices keep the order workers busy while bots start and stop
		defer close(ticksDone)
		for i := 0; ; i++ {
			p := d(fmt.Sprint(100 + i%7))
			select {
			case lr.mkt.ticks <- exchange.Tick{Symbol: "BTCUSDT", Last: p, Bid: p, Ask: p, Time: time.Now().UTC()}:
			case <-stopTicks:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var checks sync.Mutex
	var failures []error
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 12))
			mine := dcaBot(fmt.Sprintf("tmp-%d", g))
			for range 40 {
				name := bots[rnd.IntN(len(bots))].Name
				var err error
				switch rnd.IntN(10) {
				case 0:
					err = e.Resume(ctx)
				case 1, 2:
					err = e.StartBot(ctx, name)
				case 3:
					err = e.StopBot(ctx, name)
				case 4:
					err = e.Unwatch(ctx, "ETHUSDT")
				case 5:
					err = e.Watch(ctx, "ETHUSDT")
				case 6:
					err = e.AddBot(ctx, mine)
				case 7:
					err = e.RemoveBot(ctx, mine.Name)
				case 8:
					cfg := bots[rnd.IntN(len(bots))]
					cfg.Params = map[string]string{"amount": "10", "interval": "1h"}
					if cfg.Strategy == "grid" {
						cfg = gridBot(cfg.Name)
					}
					err = e.UpdateBot(ctx, cfg)
				default:
					if cerr := lr.check(ctx); cerr != nil {
						checks.Lock()
						failures = append(failures, cerr)
						checks.Unlock()
					}
				}
				// Refusals are expected (a symbol in use, a bot running or gone); what must never
				// happen is checked between the operations. Nothing is closing here.
				if errors.Is(err, ErrStopping) || errors.Is(err, context.Canceled) {
					t.Errorf("operation %d: %v", g, err)
				}
			}
		}()
	}
	waitOrDump(t, &wg, 2*time.Minute)
	close(stopTicks)
	<-ticksDone
	if err := lr.check(ctx); err != nil {
		failures = append(failures, err)
	}
	for _, err := range failures {
		t.Error(err)
	}
	for _, b := range e.allBots() {
		if err := e.StopBot(ctx, b.name); err != nil {
			t.Errorf("stopping %s: %v", b.name, err)
		}
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	for name, n := range lr.workers {
		if n != 0 {
			t.Errorf("bot %s keeps %d order workers after it stopped", name, n)
		}
	}
}

// A caller still waiting for its turn on the lifecycle loop gives up when its context ends,
// and its operation never runs; after Close, operations are refused.
func TestLifecycleWaitEndsWithContext(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	e := r.e
	ctx := context.Background()
	if err := e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	busy := make(chan error, 1)
	go func() { busy <- e.own(ctx, func(ctx context.Context) error { close(held); <-release; return nil }) }()
	<-held
	cctx, cancel := context.WithCancel(ctx)
	started := make(chan error, 1)
	go func() { started <- e.StartBot(cctx, "g") }()
	cancel()
	if err := <-started; !errors.Is(err, context.Canceled) {
		t.Fatalf("a start whose context ended while it waited: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	if v := r.bot(t, "g"); v.State != BotStopped {
		t.Fatalf("the abandoned start ran: the bot is %s", v.State)
	}
	e.Close()
	if err := e.StartBot(ctx, "g"); !errors.Is(err, ErrStopping) {
		t.Fatalf("a start after Close: %v, want ErrStopping", err)
	}
}

// gatedMarket holds Run's first stream until the test opens gate, and records stream edits.
type gatedMarket struct {
	*testMarket
	asked chan []string // the symbols of each Stream call
	gate  chan struct{}
	first sync.Once
	mu    sync.Mutex
	adds  []string
	drops []string
}

func (m *gatedMarket) Stream(ctx context.Context, symbols []string) (<-chan exchange.Tick, <-chan exchange.ConnEvent, error) {
	m.asked <- symbols
	m.first.Do(func() { <-m.gate })
	return m.testMarket.Stream(ctx, symbols)
}

func (m *gatedMarket) EditStreams(_ context.Context, add, remove []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.adds = append(m.adds, add...)
	m.drops = append(m.drops, remove...)
	return nil
}

// Symbols watched and unwatched after Run read the watchlist but before its stream connected
// are carried by the running streams once it has: Run hands its stream to the lifecycle loop,
// which edits it to the watchlist as it is then.
func TestWatchlistEditedWhileRunConnects(t *testing.T) {
	m := &gatedMarket{testMarket: newTestMarket(), asked: make(chan []string, 4), gate: make(chan struct{})}
	for _, s := range []string{"ETHUSDT", "SOLUSDT"} {
		r := btcRules
		r.Symbol = s
		m.rules[s] = r
	}
	e, err := New(Config{DB: testDB(t), Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT", "ETHUSDT"}, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if got := <-m.asked; !slices.Equal(got, []string{"BTCUSDT", "ETHUSDT"}) {
		t.Fatalf("Run streams %v", got)
	}
	// Run waits for its stream; the lifecycle loop is free meanwhile.
	if err := e.Unwatch(ctx, "ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	if err := e.Watch(ctx, "SOLUSDT"); err != nil {
		t.Fatal(err)
	}
	close(m.gate)
	eventually(t, "Run's stream handed over", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.bg != nil
	})
	var streamed []string
	if err := e.own(ctx, func(ctx context.Context) error {
		for s := range e.watch.streamed {
			streamed = append(streamed, s)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(streamed)
	if !slices.Equal(streamed, []string{"BTCUSDT", "SOLUSDT"}) {
		t.Fatalf("the running streams carry %v, want BTCUSDT and SOLUSDT", streamed)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Equal(m.adds, []string{"SOLUSDT"}) || !slices.Equal(m.drops, []string{"ETHUSDT"}) {
		t.Fatalf("stream edits: added %v, removed %v; want SOLUSDT added and ETHUSDT removed", m.adds, m.drops)
	}
}

// holdKey marks the calls holdingLister holds.
type holdKey struct{}

// holdingLister is the in-memory exchange whose open-orders listing waits, for calls whose
// context carries holdKey, until release is closed.
type holdingLister struct {
	*memExchange
	entered chan struct{}
	release chan struct{}
}

func (h *holdingLister) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	if ctx.Value(holdKey{}) != nil {
		h.entered <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.memExchange.OpenOrders(ctx, symbol)
}

// A resume waiting for the exchange holds up no start or stop: the reconciliation runs on the
// reconciler loop, and only its starts queue on the lifecycle loop, after the user's.
func TestResumeWaitingForTheExchangeHoldsNoStart(t *testing.T) {
	x := newMemExchange()
	h := &holdingLister{memExchange: x, entered: make(chan struct{}, 1), release: make(chan struct{})}
	db := testDB(t)
	m := newTestMarket()
	e, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: h, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r := &rig{e: e, db: db, mkt: m, x: x}
	r.running(t)
	ctx := context.Background()
	if err := e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, dcaBot("d")); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	eventually(t, "the ladder", func() bool {
		return r.count(t, `SELECT count(*) FROM orders WHERE state = 'acked'`) == 3
	})
	resumed := make(chan error, 1)
	go func() { resumed <- e.Resume(context.WithValue(ctx, holdKey{}, true)) }()
	<-h.entered // the resume waits for the exchange's listing
	// Were they queued behind the resume, they would give up when this context ends.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.StartBot(wctx, "d"); err != nil {
		t.Fatalf("a start while a resume waits for the exchange: %v", err)
	}
	if err := e.StopBot(wctx, "g"); err != nil {
		t.Fatalf("a stop while a resume waits for the exchange: %v", err)
	}
	select {
	case err := <-resumed:
		t.Fatalf("the resume finished while its listing was held: %v", err)
	default:
	}
	close(h.release)
	if err := <-resumed; err != nil {
		t.Fatal(err)
	}
	if v := r.bot(t, "g"); v.State != BotStopped {
		t.Fatalf("the bot stopped during the resume is %s", v.State)
	}
	if v := r.bot(t, "d"); v.State != BotRunning {
		t.Fatalf("the bot started during the resume is %s", v.State)
	}
}
