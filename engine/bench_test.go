package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// BenchmarkTickToIntent measures the engine from a market tick to the order intents it causes:
// 20 bots on one symbol trading on a file-backed paper account (SQLite, a durable commit per
// batch) while ticks arrive at 10,000 a second and the engine runs (Run: the paper account's
// order stream, the poller, the balance loop, and snapshots for a subscriber, as for an
// attached cockpit).
//
// The market: the price jitters between 100.02 and 100.08; once a cycle of 1,000 ticks (100 ms)
// it dips to 99.99, and half a cycle later it spikes to 100.11. The bots: 10 grids whose
// ladders hold a buy at 100.00 (and one every 0.10 below), and 10 DCA bots buying at market
// every simulated second, all on the same tick. The dip fills the ten grids' buys inside the
// tick path's paper matching; the fills reach the grids through the engine's order stream
// (journaled, then posted to each bot's loop), and each grid places a sell at 100.10 on its
// next tick. The spike fills those sells and each grid places its buy again. So each cycle
// brings two bursts of ten intent ticks, and each simulated second one more from the DCA bots,
// while the order path, the journal and the paper account's writer are as busy as the bots
// make them.
//
// The feeder is the tick goroutine (it calls the tick handler as Run's loop does for a market
// stream) and delivers ticks the way a websocket read delivers a frame: it wakes about every
// millisecond, hands over back to back every tick due by then (tick i is due at start + i x
// 100 µs; about ten a frame) and sleeps until the next frame. So the rate over the run is
// 10,000 ticks a second of wall time, and the feeder holds no core between frames.
//
// It reports:
//   - tick-p50-ns, tick-p99-ns: the tick handler's own time per tick (market state, handing
//     the tick to the 20 bots' loops, the paper account's matching and fills).
//   - intent-p50-ns, intent-p99-ns, intent-max-ns: over the ticks on which a bot queued order
//     intents, the time from the hand-over of the oldest tick the bot had not handled yet (a
//     tick that a newer one replaced before the bot took it counts from its own hand-over, so
//     coalescing hides no wait) to its intents being queued for its order worker.
//   - intent-wait-p50-ns, intent-wait-p99-ns, intent-work-p50-ns, intent-work-p99-ns: the two
//     parts of that time. wait: from the hand-over to the bot's loop taking the tick (the loop
//     waiting to be scheduled, and finishing the message or tick it was on); work: the loop's
//     own work on the tick (the strategy, the risk checks, queueing the intents).
//   - intent-ticks: the number of those ticks, the sample behind the percentiles.
//   - bot-p99-ns: the intent latency's 99th percentile over every tick any bot handled.
//   - coalesced-%: the share of ticks handed to the bots that a newer tick replaced before the
//     bot took them.
//   - feed-lag-max-ns: how late, at worst, the feeder handed a tick over against its due time:
//     up to a frame (about 1 ms) by design; more means the process was kept from running.
//   - ns/op: wall time per tick, 100,000 when the feed kept its rate.
//
// The wait is nearly all of it; the work takes a few microseconds. In runtime traces the
// median wait is the frame being handed over and the other bots' loops running first; the
// tail is processors held inside SQLite's C code by the journal's and the paper account's
// writers for a commit's sync (a goroutine in a cgo call keeps its processor until the call
// returns or the runtime takes it back), the sync's own kernel work, and the machine not
// running the process at all (see feed-lag-max-ns).
//
// The binary runs with store.SyncProcs more processors than cores (store.ReserveSyncProcs), so
// that the writers' syncs do not take the bots' processors. -cpu sets the processors, not the
// cores: measure a machine of N cores as QuantDeck runs on it with -cpu N+2, and one core with
// taskset, for example `taskset -c 0 go test -bench TickToIntent -cpu 3 ./engine`.
func BenchmarkTickToIntent(b *testing.B) {
	const (
		period = 100 * time.Microsecond // 10,000 ticks a second
		frame  = 10                     // ticks due per millisecond frame
		cycle  = 1000                   // ticks from one dip to the next
	)
	db := testDB(b)
	m := newTestMarket()
	clk := &testClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, Clock: stampedBy(clk.Now),
		StartingBalances: map[string]decimal.Decimal{"USDT": d("100000000"), "BTC": d("1000000")}})
	if err != nil {
		b.Fatal(err)
	}
	defer acct.Close()
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: acct, Clock: stampedBy(clk.Now),
		Limits: Limits{OrdersPerSecond: 1e6, Burst: 1e6, MaxOpenOrders: 1 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	// Each bot's loop appends to its own slices, made large enough up front so that the hook
	// does not allocate on the loop; they are read once the loops have ended.
	type intentLat struct{ total, wait time.Duration }
	type lats struct {
		all    []time.Duration
		intent []intentLat
	}
	per := map[string]*lats{}
	var names []string
	for i := 0; i < 10; i++ {
		names = append(names, fmt.Sprintf("dca%d", i), fmt.Sprintf("grid%d", i))
	}
	for _, n := range names {
		per[n] = &lats{all: make([]time.Duration, 0, b.N+16), intent: make([]intentLat, 0, b.N/50+64)}
	}
	var measuring atomic.Bool
	e.hooks.tickHandled = func(bot string, handed, took time.Time, queued int) {
		if !measuring.Load() {
			return
		}
		el := time.Since(handed)
		l := per[bot]
		l.all = append(l.all, el)
		if queued > 0 {
			l.intent = append(l.intent, intentLat{total: el, wait: took.Sub(handed)})
		}
	}
	if err := e.Resume(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := e.AddBot(ctx, dcaBot(fmt.Sprintf("dca%d", i), "interval", "1s", "dip_steps", "1,2,3")); err != nil {
			b.Fatal(err)
		}
		g := gridBot(fmt.Sprintf("grid%d", i))
		g.Params = map[string]string{"lower": "99", "upper": "101", "levels": "21", "quantity": "0.1"}
		if err := e.AddBot(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range names {
		if err := e.StartBot(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
	events := e.Subscribe(ctx) // an attached cockpit: snapshots are built every 100 ms
	go func() {
		for range events {
		}
	}()
	stop := runEngine(b, e)

	jitter := []decimal.Decimal{d("100.02"), d("100.05"), d("100.08"), d("100.05")}
	dip, spike := d("99.99"), d("100.11")
	priceAt := func(i int) decimal.Decimal {
		switch i % cycle {
		case 0:
			return dip
		case cycle / 2:
			return spike
		}
		return jitter[i%len(jitter)]
	}
	tick := func(p decimal.Decimal) exchange.Tick {
		clk.Add(period)
		return exchange.Tick{Symbol: "BTCUSDT", Last: p, Bid: p, Ask: p}
	}
	// Warm up: one tick at 100.05 places every grid's ladder (11 buys, the highest at 100.00)
	// and every DCA bot's first buy; once those are on the book or filled, a full cycle runs
	// unmeasured.
	e.onTick(tick(d("100.05")))
	eventually(b, "the grids' ladders on the book and the DCA bots' first buys filled", func() bool {
		e.jmu.Lock()
		defer e.jmu.Unlock()
		if len(e.open) != 10*11 {
			return false
		}
		for _, r := range e.open {
			if r.busy || r.State != OrderAcked {
				return false
			}
		}
		return true
	})
	// feed hands ticks [from, to) over at their due times a frame at a time, appending each
	// tick handler's duration to lat, and returns the worst lag behind the schedule.
	feed := func(from, to int, lat *[]time.Duration) (lag time.Duration) {
		start := time.Now()
		for i := from; i < to; {
			due := min(to, from+int(time.Since(start)/period)+1)
			for ; i < due; i++ {
				t := tick(priceAt(i))
				t0 := time.Now()
				e.onTick(t)
				t1 := time.Now()
				*lat = append(*lat, t1.Sub(t0))
				lag = max(lag, t0.Sub(start.Add(time.Duration(i-from)*period)))
			}
			if i < to {
				time.Sleep(time.Until(start.Add(time.Duration(i-from+frame-1) * period)))
			}
		}
		return lag
	}
	// caughtUp: every bot has handled the latest tick, so the ticks measured are the ones
	// handed over while measuring.
	caughtUp := func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, bt := range e.bots {
			if bt.seen.Load() != e.tickSeq.Load() {
				return false
			}
		}
		return true
	}
	warm := make([]time.Duration, 0, cycle)
	feed(0, cycle, &warm)
	eventually(b, "the bots to handle the warm-up's last tick", caughtUp)

	lat := make([]time.Duration, 0, b.N)
	seq0 := e.tickSeq.Load()
	measuring.Store(true)
	b.ResetTimer()
	lag := feed(cycle, cycle+b.N, &lat)
	b.StopTimer()
	eventually(b, "the bots to handle the last tick", caughtUp)
	measuring.Store(false)
	handed := (e.tickSeq.Load() - seq0) * uint64(len(names))
	stop()
	e.Close() // the bots' loops have ended: their latencies can be read
	var all, intent, wait, work []time.Duration
	for _, n := range names {
		l := per[n]
		// Every grid trades twice a cycle: one that placed nothing for a whole cycle means the
		// fills never reached it, and the benchmark no longer measures what it says.
		if strings.HasPrefix(n, "grid") && b.N >= cycle && len(l.intent) == 0 {
			b.Fatalf("%s placed no order in %d ticks: the paper fills did not reach it", n, b.N)
		}
		all = append(all, l.all...)
		for _, x := range l.intent {
			intent = append(intent, x.total)
			wait = append(wait, x.wait)
			work = append(work, x.total-x.wait)
		}
	}
	pct := func(s []time.Duration, q float64) float64 {
		if len(s) == 0 {
			return 0
		}
		slices.Sort(s)
		return float64(s[int(q*float64(len(s)-1))].Nanoseconds())
	}
	b.ReportMetric(pct(lat, 0.50), "tick-p50-ns")
	b.ReportMetric(pct(lat, 0.99), "tick-p99-ns")
	b.ReportMetric(pct(intent, 0.50), "intent-p50-ns")
	b.ReportMetric(pct(intent, 0.99), "intent-p99-ns")
	b.ReportMetric(pct(intent, 1), "intent-max-ns")
	b.ReportMetric(pct(wait, 0.50), "intent-wait-p50-ns")
	b.ReportMetric(pct(wait, 0.99), "intent-wait-p99-ns")
	b.ReportMetric(pct(work, 0.50), "intent-work-p50-ns")
	b.ReportMetric(pct(work, 0.99), "intent-work-p99-ns")
	b.ReportMetric(float64(len(intent)), "intent-ticks")
	b.ReportMetric(pct(all, 0.99), "bot-p99-ns")
	b.ReportMetric(float64(lag.Nanoseconds()), "feed-lag-max-ns")
	if handed > 0 {
		b.ReportMetric(100*float64(handed-uint64(len(all)))/float64(handed), "coalesced-%")
	}
}

// clockedMarket stamps the engine's clock with each tick's simulated time, so strategies see
// the simulated day pass.
type clockedMarket struct {
	*sim.Market
	now atomic.Int64
}

func (c *clockedMarket) Now() time.Time { return time.Unix(0, c.now.Load()).UTC() }

func (c *clockedMarket) Stream(ctx context.Context, symbols []string) (<-chan exchange.Tick, <-chan exchange.ConnEvent, error) {
	in, events, err := c.Market.Stream(ctx, symbols)
	if err != nil {
		return nil, nil, err
	}
	out := make(chan exchange.Tick)
	go func() {
		defer close(out)
		for t := range in {
			c.now.Store(t.Time.UnixNano())
			select {
			case out <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, events, nil
}

// TestSoakSimulatedDay runs a simulated day of the sim market in about five seconds through the engine
// and the paper account with a DCA and a grid bot and a slow subscriber, and checks that
// goroutines and the live heap do not grow.
func TestSoakSimulatedDay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testDB(t)
	m := &clockedMarket{Market: sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Seed: 7, Speed: 86400 / 5, TickRate: 0.5})}
	start := time.Now().UTC()
	m.now.Store(start.UnixNano())
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, Clock: stampedBy(m.Now), StartingBalances: map[string]decimal.Decimal{"USDT": d("100000")}})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: acct, Clock: stampedBy(m.Now)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "dca", Symbol: "BTCUSDT", Strategy: "dca", Params: map[string]string{"amount": "50", "interval": "1h", "take_profit": "1"}}); err != nil {
		t.Fatal(err)
	}
	grid := BotConfig{Name: "grid", Symbol: "BTCUSDT", Strategy: "grid", Params: map[string]string{"lower": "50000", "upper": "80000", "levels": "61", "quantity": "0.001"}}
	if err := e.AddBot(ctx, grid); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"dca", "grid"} {
		if err := e.StartBot(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	sub := e.Subscribe(ctx)
	go func() { // a slow consumer
		for range sub {
			time.Sleep(time.Millisecond)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()

	waitSim := func(d time.Duration) {
		deadline := time.Now().Add(60 * time.Second)
		for m.Now().Sub(start) < d {
			if time.Now().After(deadline) {
				t.Fatalf("simulated time reached only %s of %s", m.Now().Sub(start), d)
			}
			time.Sleep(5 * time.Millisecond) // polling simulated progress
		}
	}
	measure := func() (int, uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	waitSim(3 * time.Hour)
	g0, h0 := measure()
	waitSim(27 * time.Hour)
	g1, h1 := measure()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	buys := 0
	for _, v := range e.Snapshot().Bots {
		buys += v.Buys
	}
	t.Logf("goroutines %d -> %d, heap %d KiB -> %d KiB, %d ticks, %d buys", g0, g1, h0>>10, h1>>10, e.ticks.Load(), buys)
	// At least a handful of hourly buys: how many depends on how fast this machine plays the
	// simulated day, which is not what this test is about.
	if buys < 5 {
		evs, _ := e.BotEvents(context.Background(), "", 30)
		for _, ev := range evs {
			t.Log(ev.Bot, ev.Message)
		}
		for _, v := range e.Snapshot().Bots {
			t.Logf("%+v", v)
		}
		t.Fatalf("only %d buys in a simulated day: the bots did not trade", buys)
	}
	if g1 > g0+2 {
		t.Fatalf("goroutines grew from %d to %d over a simulated day", g0, g1)
	}
	if h1 > h0+8<<20 {
		t.Fatalf("live heap grew from %d KiB to %d KiB over a simulated day", h0>>10, h1>>10)
	}
}
