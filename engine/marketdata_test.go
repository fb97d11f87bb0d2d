package engine

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// simRig runs an engine on a manual simulated market: the test pushes every tick.
type simRig struct {
	e   *Engine
	m   *sim.Market
	ctx context.Context
}

func newSimRig(t *testing.T, db *sql.DB, symbols ...string) *simRig {
	t.Helper()
	if db == nil {
		db = testDB(t)
	}
	m := sim.New(sim.Options{Symbols: symbols, Manual: true})
	e, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: symbols, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	eventually(t, "the engine streams", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.bg != nil
	})
	return &simRig{e: e, m: m, ctx: ctx}
}

// push sends a trade tick and waits until the engine has handled it.
func (r *simRig) push(t *testing.T, tk exchange.Tick) {
	t.Helper()
	before := r.e.TicksProcessed()
	if err := r.m.PushTick(tk); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the tick to be handled", func() bool { return r.e.TicksProcessed() > before })
}

func trade(sym string, id int64, price, qty string, taker exchange.Side, at time.Time) exchange.Tick {
	p := d(price)
	return exchange.Tick{Symbol: sym, Bid: p, Ask: p, Last: p, Qty: d(qty), TradeID: id, Taker: taker, Time: at}
}

func TestTradesNewestFirst(t *testing.T) {
	r := newSimRig(t, nil, "BTCUSDT", "ETHUSDT")
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	r.push(t, trade("BTCUSDT", 1, "100", "0.5", exchange.Buy, at))
	r.push(t, trade("ETHUSDT", 7, "10", "2", exchange.Sell, at))
	r.push(t, trade("BTCUSDT", 2, "101", "0.25", exchange.Sell, at.Add(time.Second)))
	// A quote without a trade is no trade.
	r.push(t, exchange.Tick{Symbol: "BTCUSDT", Bid: d("100.5"), Ask: d("101.5"), Time: at.Add(2 * time.Second)})

	buf := make([]exchange.Trade, 0, TradeHistory)
	got := r.e.Trades("BTCUSDT", buf)
	if len(got) != 2 || got[0].ID != 2 || got[1].ID != 1 {
		t.Fatalf("BTCUSDT trades %+v, want ids 2 then 1", got)
	}
	if !got[0].Price.Equal(d("101")) || !got[0].Qty.Equal(d("0.25")) || got[0].Taker != exchange.Sell || !got[0].Time.Equal(at.Add(time.Second)) {
		t.Fatalf("newest trade %+v", got[0])
	}
	if eth := r.e.Trades("ETHUSDT", buf); len(eth) != 1 || eth[0].ID != 7 || eth[0].Taker != exchange.Sell {
		t.Fatalf("ETHUSDT trades %+v", eth)
	}
	if none := r.e.Trades("SOLUSDT", buf); len(none) != 0 {
		t.Fatalf("unwatched symbol has trades %+v", none)
	}
	allocs := testing.AllocsPerRun(100, func() { buf = r.e.Trades("BTCUSDT", buf) })
	if allocs != 0 {
		t.Fatalf("Trades allocates %.0f times with a large enough buffer", allocs)
	}
}

func TestTradeRingKeepsTheNewest(t *testing.T) {
	var tp tape
	for i := range TradeHistory + 5 {
		tp.add(exchange.Trade{ID: int64(i + 1)})
	}
	got := tp.appendNewest(nil)
	if len(got) != TradeHistory || got[0].ID != TradeHistory+5 || got[len(got)-1].ID != 6 {
		t.Fatalf("ring holds %d trades, newest %d, oldest %d", len(got), got[0].ID, got[len(got)-1].ID)
	}
}

func TestOrderBookFromTheSimulatedMarket(t *testing.T) {
	r := newSimRig(t, nil, "BTCUSDT")
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	r.push(t, exchange.Tick{Symbol: "BTCUSDT", Bid: d("67000.00"), BidQty: d("0.5"), Ask: d("67000.02"), AskQty: d("0.25"), Last: d("67000.02"), Qty: d("0.01"), Time: at})
	var b exchange.Book
	eventually(t, "a book at the pushed quote", func() bool {
		var ok bool
		b, ok = r.e.OrderBook("BTCUSDT")
		return ok && b.Bids[0].Price.Equal(d("67000.00"))
	})
	if b.NBids != exchange.BookDepth || b.NAsks != exchange.BookDepth {
		t.Fatalf("book has %d bids and %d asks, want %d each", b.NBids, b.NAsks, exchange.BookDepth)
	}
	if !b.Asks[0].Price.Equal(d("67000.02")) || !b.Bids[0].Qty.Equal(d("0.5")) || !b.Asks[0].Qty.Equal(d("0.25")) {
		t.Fatalf("top of book %+v / %+v, want the pushed quote", b.Bids[0], b.Asks[0])
	}
	if s, ok := b.Spread(); !ok || !s.Equal(d("0.02")) {
		t.Fatalf("spread %s %v", s, ok)
	}
	if _, ok := r.e.OrderBook("ETHUSDT"); ok {
		t.Fatal("a book for a symbol that is not watched")
	}
	allocs := testing.AllocsPerRun(100, func() { b, _ = r.e.OrderBook("BTCUSDT") })
	if allocs != 0 {
		t.Fatalf("OrderBook allocates %.0f times", allocs)
	}
}

func TestMergeCandles(t *testing.T) {
	m0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	c := func(min int, o, h, l, cl, v string) exchange.Candle {
		return exchange.Candle{Open: m0.Add(time.Duration(min) * time.Minute), O: d(o), H: d(h), L: d(l), C: d(cl), Volume: d(v)}
	}
	hist := []exchange.Candle{c(0, "10", "12", "9", "11", "5"), c(1, "11", "13", "10", "12", "4")}
	for _, tc := range []struct {
		name      string
		live      []exchange.Candle
		liveVolAt string
		limit     int
		want      []exchange.Candle
	}{
		{"no live candles", nil, "0", 10, hist},
		{
			// The engine started in minute 0: its partial minute 0 is left to the history.
			"live overlaps the last bucket", []exchange.Candle{c(0, "10.5", "11", "10", "10.8", "1"), c(1, "11.5", "14", "9.5", "13", "3")}, "2", 10,
			[]exchange.Candle{c(0, "10", "12", "9", "11", "5"), c(1, "11", "14", "9.5", "13", "5")},
		},
		{
			"live runs past the history", []exchange.Candle{c(1, "12", "12.5", "11.5", "12.5", "1"), c(2, "12.5", "12.6", "12.4", "12.6", "0.5")}, "1", 10,
			[]exchange.Candle{c(0, "10", "12", "9", "11", "5"), c(1, "11", "13", "10", "12.5", "4"), c(2, "12.5", "12.6", "12.4", "12.6", "0.5")},
		},
		{
			"limit keeps the newest", []exchange.Candle{c(2, "12.5", "12.6", "12.4", "12.6", "0.5")}, "0", 2,
			[]exchange.Candle{c(1, "11", "13", "10", "12", "4"), c(2, "12.5", "12.6", "12.4", "12.6", "0.5")},
		},
	} {
		got := mergeCandles(hist, d(tc.liveVolAt), tc.live, tc.limit)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d candles, want %d: %+v", tc.name, len(got), len(tc.want), got)
		}
		for i := range got {
			g, w := got[i], tc.want[i]
			if !g.Open.Equal(w.Open) || !g.O.Equal(w.O) || !g.H.Equal(w.H) || !g.L.Equal(w.L) || !g.C.Equal(w.C) || !g.Volume.Equal(w.Volume) {
				t.Errorf("%s: candle %d = %+v, want %+v", tc.name, i, g, w)
			}
		}
	}
	if !hist[1].C.Equal(d("12")) {
		t.Fatal("merging changed the cached history")
	}
}

func TestSeriesAggregatesTicks(t *testing.T) {
	at := time.Date(2026, 3, 2, 13, 58, 30, 0, time.UTC)
	var s series
	for i, p := range []string{"10", "12", "9", "11"} {
		s.add(at.Add(time.Duration(i)*time.Minute), 5*time.Minute, d(p), d("1"))
	}
	s.add(at.Add(time.Minute), 5*time.Minute, d("99"), d("1")) // late: its bucket is closed
	// 13:58:30 and 13:59:30 fall in the 13:55 bucket; 14:00:30 and 14:01:30 in 14:00's.
	if len(s.candles) != 2 {
		t.Fatalf("%d candles, want 2: %+v", len(s.candles), s.candles)
	}
	first, second := s.candles[0], s.candles[1]
	if !first.Open.Equal(time.Date(2026, 3, 2, 13, 55, 0, 0, time.UTC)) || !first.O.Equal(d("10")) || !first.H.Equal(d("12")) || !first.C.Equal(d("12")) || !first.Volume.Equal(d("2")) {
		t.Fatalf("first candle %+v", first)
	}
	if !second.O.Equal(d("9")) || !second.L.Equal(d("9")) || !second.H.Equal(d("11")) || !second.C.Equal(d("11")) || !second.Volume.Equal(d("2")) {
		t.Fatalf("second candle %+v", second)
	}
	var day series
	day.add(time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC), 24*time.Hour, d("1"), decimal.Zero)
	day.add(time.Date(2026, 3, 3, 0, 0, 1, 0, time.UTC), 24*time.Hour, d("2"), decimal.Zero)
	if len(day.candles) != 2 || !day.candles[1].Open.Equal(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("daily candles do not start at UTC midnight: %+v", day.candles)
	}
}

func TestCandlesAtJoinsHistoryAndTicks(t *testing.T) {
	r := newSimRig(t, nil, "BTCUSDT")
	ctx := context.Background()
	for _, tf := range Timeframes() {
		cs, err := r.e.CandlesAt(ctx, "BTCUSDT", tf, 50)
		if err != nil {
			t.Fatalf("%s: %v", tf, err)
		}
		if len(cs) != 50 {
			t.Fatalf("%s: %d candles, want 50", tf, len(cs))
		}
		for i := 1; i < len(cs); i++ {
			if !cs[i].Open.Equal(cs[i-1].Open.Add(tf)) {
				t.Fatalf("%s: candle %d opens %v after %v", tf, i, cs[i].Open, cs[i-1].Open)
			}
		}
	}
	cs, _ := r.e.CandlesAt(ctx, "BTCUSDT", time.Hour, 50)
	last := cs[len(cs)-1]
	// A trade far above the history, in the bucket in progress, shows in it at once.
	high := last.H.Pad(2)
	high, _ = high.Mul(d("2"))
	r.push(t, exchange.Tick{Symbol: "BTCUSDT", Last: high, Qty: d("3"), Bid: high, Ask: high, Time: last.Open.Add(time.Minute)})
	again, err := r.e.CandlesAt(ctx, "BTCUSDT", time.Hour, 50)
	if err != nil {
		t.Fatal(err)
	}
	got := again[len(again)-1]
	wantVol, _ := last.Volume.Add(d("3"))
	if !got.Open.Equal(last.Open) || !got.H.Equal(high) || !got.C.Equal(high) || !got.O.Equal(last.O) || !got.Volume.Equal(wantVol) {
		t.Fatalf("bucket in progress %+v, want open %s high/close %s volume %s", got, last.O, high, wantVol)
	}
	if _, err := r.e.CandlesAt(ctx, "BTCUSDT", 2*time.Minute, 10); err == nil {
		t.Fatal("a timeframe that is not offered was accepted")
	}
	if _, err := r.e.CandlesAt(ctx, "ETHUSDT", time.Minute, 10); err == nil {
		t.Fatal("candles of a symbol that is not watched")
	}
}

// The market state's part of the tick path (price, trade tape, six timeframes) allocates
// nothing once a symbol's series exist, also when new candles start.
func TestMarketTickDoesNotAllocate(t *testing.T) {
	m := newMarketState([]string{"BTCUSDT"}, "sim")
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	tk := trade("BTCUSDT", 1, "100", "0.5", exchange.Buy, at)
	for i := range 2 * candleKeep { // fill every series past its first candle and the 1m history
		tk.Time = at.Add(time.Duration(i) * time.Minute)
		m.onTick(tk, tk.Time)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		tk.TradeID = int64(i)
		tk.Time = at.Add(time.Duration(2*candleKeep)*time.Minute + time.Duration(i)*10*time.Second) // a new minute every sixth tick
		m.onTick(tk, tk.Time)
	})
	if allocs != 0 {
		t.Fatalf("onTick allocates %.2f times per tick", allocs)
	}
}

func BenchmarkMarketOnTick(b *testing.B) {
	m := newMarketState([]string{"BTCUSDT"}, "sim")
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	tk := trade("BTCUSDT", 1, "100.25", "0.5", exchange.Buy, at)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		tk.TradeID = int64(i)
		tk.Time = at.Add(time.Duration(i) * 250 * time.Millisecond)
		m.onTick(tk, tk.Time)
	}
}

// countingMarket serves one-minute candles ending at end and counts the requests.
type countingMarket struct {
	*testMarket
	calls int
	end   time.Time
}

func (m *countingMarket) Candles(_ context.Context, _ string, tf time.Duration, limit int) ([]exchange.Candle, error) {
	m.calls++
	out := make([]exchange.Candle, limit)
	for i := range out {
		out[i] = exchange.Candle{Open: m.end.Add(-time.Duration(limit-1-i) * tf), O: d("1"), H: d("1"), L: d("1"), C: d("1"), Volume: d("1")}
	}
	return out, nil
}

func TestCandlesAtRefetchesOnlyWhenNeeded(t *testing.T) {
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	m := &countingMarket{testMarket: newTestMarket(), end: at}
	e, err := New(Config{DB: testDB(t), Market: m, Symbols: []string{"BTCUSDT"}, Limits: fastLimits(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	for _, step := range []struct {
		name      string
		tickAt    time.Time // zero: no tick
		limit     int
		wantCalls int
	}{
		{"first call fetches", time.Time{}, 10, 1},
		{"second call is cached", time.Time{}, 10, 1},
		{"a shorter limit is cached", time.Time{}, 5, 1},
		{"a tick in the last bucket joins it", at.Add(30 * time.Second), 10, 1},
		{"a longer limit fetches", time.Time{}, 20, 2},
	} {
		if !step.tickAt.IsZero() {
			e.mkt.onTick(trade("BTCUSDT", 1, "2", "1", exchange.Buy, step.tickAt), step.tickAt)
		}
		cs, err := e.CandlesAt(ctx, "BTCUSDT", time.Minute, step.limit)
		if err != nil {
			t.Fatal(err)
		}
		if m.calls != step.wantCalls || len(cs) != step.limit {
			t.Fatalf("%s: %d requests, %d candles; want %d, %d", step.name, m.calls, len(cs), step.wantCalls, step.limit)
		}
	}
	// A market whose live candles no longer reach back to the history's last bucket.
	gapped := &countingMarket{testMarket: newTestMarket(), end: at}
	e2, err := New(Config{DB: testDB(t), Market: gapped, Symbols: []string{"BTCUSDT"}, Limits: fastLimits(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if _, err := e2.CandlesAt(ctx, "BTCUSDT", time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	later := at.Add(5 * time.Minute)
	e2.mkt.onTick(trade("BTCUSDT", 1, "2", "1", exchange.Buy, later), later)
	gapped.end = later
	cs, err := e2.CandlesAt(ctx, "BTCUSDT", time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if gapped.calls != 2 || !cs[len(cs)-1].Open.Equal(later) || !cs[len(cs)-2].Open.Equal(later.Add(-time.Minute)) {
		t.Fatalf("after a gap: %d requests, last candles at %v, %v", gapped.calls, cs[len(cs)-2].Open, cs[len(cs)-1].Open)
	}
}

// The longer timeframes, built from closed minutes plus the minute in progress, equal a
// direct aggregation of every tick.
func TestLiveTimeframesMatchDirectAggregation(t *testing.T) {
	var p priceState
	direct := make([]series, len(timeframes))
	at := time.Date(2026, 3, 2, 13, 17, 3, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	price := int64(10000)
	for i := range 5000 {
		at = at.Add(time.Duration(1+rng.IntN(20)) * time.Second)
		price += int64(rng.IntN(21) - 10)
		pr, qty := decimal.MustNew(price, 2), decimal.MustNew(int64(rng.IntN(5)), 1)
		if i%97 == 0 {
			qty = decimal.Zero // a quote update, no trade
		}
		p.addLive(at, pr, qty)
		for j, tf := range timeframes {
			direct[j].add(at, tf, pr, qty)
		}
	}
	for j, tf := range timeframes {
		got, want := p.liveCandles(j), direct[j].candles
		// The one-minute series keeps liveKeep minutes; compare what both hold.
		if len(got) > len(want) {
			got = got[len(got)-len(want):]
		}
		if len(want) > len(got) {
			want = want[len(want)-len(got):]
		}
		if len(got) == 0 {
			t.Fatalf("%s: no candles", tf)
		}
		for i := range got {
			g, w := got[i], want[i]
			if !g.Open.Equal(w.Open) || !g.O.Equal(w.O) || !g.H.Equal(w.H) || !g.L.Equal(w.L) || !g.C.Equal(w.C) || !g.Volume.Equal(w.Volume) {
				t.Fatalf("%s candle %d: %+v, want %+v", tf, i, g, w)
			}
		}
	}
}
