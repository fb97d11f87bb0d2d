package sim

import (
	"context"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// runFor streams symbols on a market with a fake clock advanced by d, and returns n ticks.
func runFor(t *testing.T, opts Options, clock *fakeClock, d time.Duration, n int) []exchange.Tick {
	t.Helper()
	opts.Clock = clock
	m := New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, opts.Symbols)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(d)
	return collect(t, ticks, n)
}

type priceKey struct{ bid, ask, last string }

func prices(ts []exchange.Tick) []priceKey {
	out := make([]priceKey, len(ts))
	for i, tk := range ts {
		out[i] = priceKey{tk.Symbol + tk.Bid.String(), tk.Ask.String(), tk.Last.String()}
	}
	return out
}

func TestStreamIsDeterministicFromSeed(t *testing.T) {
	syms := []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}
	const n = 300
	a := runFor(t, Options{Symbols: syms, Seed: 42, Speed: 100}, newFakeClock(), time.Second, n)
	b := runFor(t, Options{Symbols: syms, Seed: 42, Speed: 100}, newFakeClock(), time.Second, n)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("tick %d differs with the same seed:\n%+v\n%+v", i, a[i], b[i])
		}
	}

	// A different seed gives a different walk.
	c := runFor(t, Options{Symbols: syms, Seed: 43, Speed: 100}, newFakeClock(), time.Second, n)
	same := 0
	for i := range a {
		if prices(a)[i] == prices(c)[i] {
			same++
		}
	}
	if same == n {
		t.Fatal("seeds 42 and 43 produced identical ticks")
	}

	// A symbol's prices do not depend on its companions or on when the stream starts.
	late := newFakeClock()
	m := New(Options{Seed: 42, Speed: 100, Clock: late})
	late.Advance(time.Hour) // nobody streams during this hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"ETHUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	late.Advance(time.Second)
	alone := prices(collect(t, ticks, 100))
	var eth []priceKey
	for _, p := range prices(a) {
		if p.bid[:3] == "ETH" {
			eth = append(eth, p)
		}
	}
	for i := range min(len(eth), len(alone)) {
		if eth[i] != alone[i] {
			t.Fatalf("ETHUSDT tick %d: streamed with others %v, alone and later %v", i, eth[i], alone[i])
		}
	}
	if len(eth) < 50 {
		t.Fatalf("only %d ETHUSDT ticks among %d", len(eth), n)
	}
}

func TestTicksRespectRules(t *testing.T) {
	syms := []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "DOGEUSDT", "PEPEUSDT", "ETHBTC"}
	clock := newFakeClock()
	// Speed 86400: a simulated day per second, so jumps and the volume pattern show up.
	ticks := runFor(t, Options{Symbols: syms, Seed: 7, Speed: 86400, TickRate: 0.05}, clock, time.Second, 4000)
	m := New(Options{})
	last := map[string]time.Time{}
	for i, tk := range ticks {
		r, err := m.Rules(context.Background(), tk.Symbol)
		if err != nil {
			t.Fatal(err)
		}
		if !tk.Bid.IsPos() || tk.Bid.Cmp(tk.Ask) >= 0 {
			t.Fatalf("tick %d %s: bid %s ask %s, want 0 < bid < ask", i, tk.Symbol, tk.Bid, tk.Ask)
		}
		for _, c := range []struct {
			name string
			v    string
			ok   bool
		}{
			{"bid", tk.Bid.String(), multipleOf(tk.Bid, r.TickSize)},
			{"ask", tk.Ask.String(), multipleOf(tk.Ask, r.TickSize)},
			{"last", tk.Last.String(), multipleOf(tk.Last, r.TickSize)},
			{"qty", tk.Qty.String(), tk.Qty.IsPos() && multipleOf(tk.Qty, r.StepSize)},
			{"bid qty", tk.BidQty.String(), tk.BidQty.IsPos() && multipleOf(tk.BidQty, r.StepSize)},
			{"ask qty", tk.AskQty.String(), tk.AskQty.IsPos() && multipleOf(tk.AskQty, r.StepSize)},
		} {
			if !c.ok {
				t.Fatalf("tick %d %s: %s %s is not a positive multiple of the rules' size", i, tk.Symbol, c.name, c.v)
			}
		}
		if !tk.Last.Equal(tk.Bid) && !tk.Last.Equal(tk.Ask) {
			t.Fatalf("tick %d %s: last %s is neither bid %s nor ask %s", i, tk.Symbol, tk.Last, tk.Bid, tk.Ask)
		}
		if tk.Time.Before(last[tk.Symbol]) || tk.Time.Location() != time.UTC {
			t.Fatalf("tick %d %s: time %v goes back from %v or is not UTC", i, tk.Symbol, tk.Time, last[tk.Symbol])
		}
		last[tk.Symbol] = tk.Time
	}
	if len(last) != len(syms) {
		t.Fatalf("ticks for %d symbols, want %d", len(last), len(syms))
	}
}

func TestSpeedMakesTicksFaster(t *testing.T) {
	for _, tc := range []struct {
		speed float64
		want  int // ticks due in one second of clock at 4 ticks a second
	}{
		{1, 4},
		{10, 40},
		{250, 1000},
	} {
		clock := newFakeClock()
		start := clock.Now()
		m := New(Options{Seed: 1, Speed: tc.speed, Clock: clock})
		ctx, cancel := context.WithCancel(context.Background())
		ticks, _, err := m.Stream(ctx, []string{"BTCUSDT"})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		got := collect(t, ticks, tc.want)
		limit := start.Add(time.Duration(tc.speed * float64(time.Second)))
		if tk := got[len(got)-1]; tk.Time.After(limit) {
			t.Fatalf("speed %v: tick %d at %v, after simulated %v", tc.speed, tc.want, tk.Time, limit)
		}
		// The next tick was not due yet: it comes only once the clock moves on.
		clock.Advance(time.Second)
		if next := collect(t, ticks, 1)[0]; !next.Time.After(limit) {
			t.Fatalf("speed %v: tick %d at %v was due within the first second", tc.speed, tc.want+1, next.Time)
		}
		cancel()
	}
}

func TestSpeedOnRealClock(t *testing.T) {
	// 2000x real time: 8000 ticks a second; 400 of them must come well within the deadline
	// that collect allows, where real time would need 100 seconds.
	m := New(Options{Seed: 3, Speed: 2000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"SOLUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	got := collect(t, ticks, 400)
	if el := time.Since(begin); el > 5*time.Second {
		t.Fatalf("400 ticks at speed 2000 took %v", el)
	}
	if span := got[len(got)-1].Time.Sub(got[0].Time); span < 90*time.Second {
		t.Fatalf("400 ticks span %v of simulated time, want about 100 s", span)
	}
}

func TestStreamEventsAndNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, manual := range []bool{false, true} {
		m := New(Options{Seed: 9, Speed: 1000, Manual: manual})
		var done []<-chan exchange.ConnEvent
		var tickChans []<-chan exchange.Tick
		var cancels []context.CancelFunc
		for range 5 {
			ctx, cancel := context.WithCancel(context.Background())
			ticks, events, err := m.Stream(ctx, []string{"BTCUSDT", "ETHUSDT"})
			if err != nil {
				t.Fatal(err)
			}
			done = append(done, events)
			tickChans = append(tickChans, ticks)
			cancels = append(cancels, cancel)
		}
		if manual {
			if err := m.Push("BTCUSDT", "100"); err != nil {
				t.Fatal(err)
			}
		}
		for i, cancel := range cancels {
			cancel()
			drain(t, tickChans[i])
			evs := drain(t, done[i])
			if len(evs) != 2 || evs[0].State != exchange.StreamLive || evs[1].State != exchange.StreamClosed {
				t.Fatalf("manual=%v: events %+v, want live then closed", manual, evs)
			}
		}
		// A push after every stream ended must not block.
		if manual {
			if err := m.Push("BTCUSDT", "101"); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after every stream ended, %d before", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}
}

func TestStreamRefusesBadInput(t *testing.T) {
	m := New(Options{})
	for _, syms := range [][]string{nil, {}, {"btcusdt"}, {"BTCUSDT", "NOPE"}} {
		if _, _, err := m.Stream(context.Background(), syms); err == nil {
			t.Errorf("Stream(%q) accepted", syms)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := m.Stream(ctx, []string{"BTCUSDT"}); err == nil {
		t.Error("Stream with a cancelled context accepted")
	}
}

func TestManualPush(t *testing.T) {
	clock := newFakeClock()
	m := New(Options{Manual: true, Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		symbol, price string
		wantErr       bool
		delivered     bool
	}{
		{"BTCUSDT", "65000.12", false, true},
		{"BTCUSDT", "64999.5", false, true},
		{"ETHUSDT", "3000", false, false}, // not streamed here
		{"BTCUSDT", "-1", true, false},
		{"BTCUSDT", "abc", true, false},
		{"nonsense", "1", true, false},
	} {
		err := m.Push(tc.symbol, tc.price)
		if (err != nil) != tc.wantErr {
			t.Fatalf("Push(%s, %s) error %v, want error %v", tc.symbol, tc.price, err, tc.wantErr)
		}
		if !tc.delivered {
			continue
		}
		tk := collect(t, ticks, 1)[0]
		if tk.Symbol != tc.symbol || tk.Last.String() != tc.price || tk.Bid.String() != tc.price || tk.Ask.String() != tc.price {
			t.Fatalf("Push(%s, %s) delivered %+v", tc.symbol, tc.price, tk)
		}
		if !tk.Time.Equal(clock.Now()) {
			t.Fatalf("pushed tick at %v, want the clock's %v", tk.Time, clock.Now())
		}
	}
	select {
	case tk := <-ticks:
		t.Fatalf("unexpected tick %+v", tk)
	default:
	}
}

func TestNameAndOptionDefaults(t *testing.T) {
	for _, tc := range []struct {
		in, wantSpeed float64
	}{
		{-3, 1}, {0, 1}, {math.NaN(), 1}, {2.5, 2.5}, {1e12, MaxSpeed}, {math.Inf(1), MaxSpeed},
	} {
		m := New(Options{Speed: tc.in})
		if m.Name() != "sim" || m.opts.Speed != tc.wantSpeed || m.opts.TickRate != DefaultTickRate || m.opts.Clock == nil {
			t.Errorf("speed %v: name %q, options %+v", tc.in, m.Name(), m.opts)
		}
	}
}

// A new stream continues the walk where the last one stopped.
func TestRestartedStreamContinuesTheWalk(t *testing.T) {
	clock := newFakeClock()
	m := New(Options{Seed: 21, Clock: clock})
	var got []exchange.Tick
	for range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		ticks, _, err := m.Stream(ctx, []string{"BNBUSDT"})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Second)
		got = append(got, collect(t, ticks, 40)...)
		cancel()
		if rest := drain(t, ticks); len(rest) != 0 {
			t.Fatalf("%d ticks beyond the 40 due", len(rest))
		}
	}
	want := runFor(t, Options{Symbols: []string{"BNBUSDT"}, Seed: 21}, newFakeClock(), 20*time.Second, 80)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("tick %d after a restart %+v, uninterrupted %+v", i, got[i], want[i])
		}
	}
}
