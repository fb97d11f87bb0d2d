package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// quickTrader answers at once: the benchmark measures the engine, not an exchange. Market
// orders fill; limit orders fill too when fillLimits is set, so the grids flip on every fill
// and intents keep coming.
type quickTrader struct {
	id         atomic.Int64
	fillLimits bool
}

func (q *quickTrader) PlaceOrder(_ context.Context, r exchange.OrderRequest) (exchange.Order, error) {
	o := exchange.Order{ClientID: r.ClientID, ExchangeID: q.id.Add(1), Symbol: r.Symbol, Side: r.Side, Type: r.Type,
		Status: exchange.StatusNew, Price: r.Price, Quantity: r.Quantity}
	if r.Type == exchange.Limit && !q.fillLimits {
		return o, nil
	}
	price, qty := r.Price, r.Quantity
	if r.Type == exchange.Market {
		price = decimal.Hundred
		if r.QuoteQty.IsPos() {
			qty, _ = r.QuoteQty.Quo(price)
		}
	}
	quote, _ := qty.Mul(price)
	o.Status, o.Quantity, o.ExecutedQty, o.QuoteQty = exchange.StatusFilled, qty, qty, quote
	o.Fills = []exchange.Fill{{TradeID: o.ExchangeID, Price: price, Qty: qty}}
	return o, nil
}
func (q *quickTrader) CancelOrder(_ context.Context, s, id string) (exchange.Order, error) {
	return exchange.Order{ClientID: id, Symbol: s, Status: exchange.StatusCanceled}, nil
}
func (q *quickTrader) GetOrder(_ context.Context, s, id string) (exchange.Order, error) {
	return exchange.Order{ClientID: id, Symbol: s, Status: exchange.StatusNew}, nil
}
func (q *quickTrader) OpenOrders(context.Context, string) ([]exchange.Order, error) { return nil, nil }
func (q *quickTrader) Balances(context.Context) ([]exchange.Balance, error)         { return nil, nil }

// BenchmarkTickToIntent feeds ticks at 10,000 a second through the engine's tick path with
// 20 running bots (10 DCA buying every simulated second, 10 grids) and reports the latency
// from a tick's arrival to its order intents being queued for the order workers, which
// journal and send them off the tick path. "steady": grid orders rest; "busy": every order
// fills at once, so the grids place an order on nearly every tick and the workers' SQLite
// writes compete with the tick path for the CPU.
func BenchmarkTickToIntent(b *testing.B) {
	b.Run("steady", func(b *testing.B) { benchTickToIntent(b, false) })
	b.Run("busy", func(b *testing.B) { benchTickToIntent(b, true) })
}

func benchTickToIntent(b *testing.B, busy bool) {
	db := testDB(b)
	m := newTestMarket()
	clk := &testClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: &quickTrader{fillLimits: busy}, Clock: stampedBy(clk.Now),
		Limits: Limits{OrdersPerSecond: 1e6, Burst: 1e6, MaxOpenOrders: 1 << 20, SnapshotInterval: time.Hour}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if err := e.Resume(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := e.AddBot(ctx, dcaBot(fmt.Sprintf("dca%d", i), "interval", "1s", "dip_steps", "1,2,3")); err != nil {
			b.Fatal(err)
		}
		g := gridBot(fmt.Sprintf("grid%d", i))
		g.Params = map[string]string{"lower": "99", "upper": "101", "levels": "20", "quantity": "0.1"}
		if err := e.AddBot(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	for _, v := range e.Snapshot().Bots {
		if err := e.StartBot(ctx, v.Config.Name); err != nil {
			b.Fatal(err)
		}
	}
	const period = 100 * time.Microsecond // 10,000 ticks a second
	lat := make([]time.Duration, 0, b.N)
	var intentLat []time.Duration
	prices := []decimal.Decimal{d("100.00"), d("100.05"), d("99.95"), d("100.10")}
	// Warm up: the first ticks place the grids' ladders, a start-up cost paid once.
	for i := 0; i < 100; i++ {
		clk.Add(period)
		e.onTick(exchange.Tick{Symbol: "BTCUSDT", Last: prices[i%len(prices)], Bid: prices[i%len(prices)], Ask: prices[i%len(prices)]})
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for time.Until(start.Add(time.Duration(i)*period)) > 0 {
			runtime.Gosched()
		}
		clk.Add(period)
		p := prices[i%len(prices)]
		t := exchange.Tick{Symbol: "BTCUSDT", Last: p, Bid: p, Ask: p}
		before := e.intents.Load()
		t0 := time.Now()
		e.onTick(t)
		el := time.Since(t0)
		lat = append(lat, el)
		if e.intents.Load() != before {
			intentLat = append(intentLat, el)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(intentLat)
	pct := func(s []time.Duration, q float64) float64 {
		if len(s) == 0 {
			return 0
		}
		return float64(s[int(q*float64(len(s)-1))].Nanoseconds())
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ns")
	b.ReportMetric(pct(lat, 0.99), "p99-ns")
	b.ReportMetric(pct(intentLat, 0.99), "p99-intent-ns")
	b.ReportMetric(float64(len(intentLat)), "intent-ticks")
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
