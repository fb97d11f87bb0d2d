package sim

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestCandles(t *testing.T) {
	for _, tc := range []struct {
		symbol   string
		interval time.Duration
		limit    int
		want     int
	}{
		{"BTCUSDT", time.Minute, 120, 120},
		{"ETHUSDT", time.Hour, 0, defaultCandles},
		{"DOGEUSDT", 24 * time.Hour, 5000, maxCandles},
		{"PEPEUSDT", 5 * time.Second, 60, 60},
	} {
		clock := newFakeClock()
		m := New(Options{Seed: 5, Clock: clock})
		cs, err := m.Candles(context.Background(), tc.symbol, tc.interval, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != tc.want {
			t.Fatalf("%s: %d candles, want %d", tc.symbol, len(cs), tc.want)
		}
		r, _ := m.Rules(context.Background(), tc.symbol)
		for i, c := range cs {
			if i > 0 && !c.Open.Equal(cs[i-1].Open.Add(tc.interval)) {
				t.Fatalf("%s: candle %d opens at %v, previous at %v", tc.symbol, i, c.Open, cs[i-1].Open)
			}
			if c.H.Cmp(c.O) < 0 || c.H.Cmp(c.C) < 0 || c.L.Cmp(c.O) > 0 || c.L.Cmp(c.C) > 0 || !c.L.IsPos() {
				t.Fatalf("%s: candle %d O %s H %s L %s C %s is inconsistent", tc.symbol, i, c.O, c.H, c.L, c.C)
			}
			if !multipleOf(c.O, r.TickSize) || !multipleOf(c.H, r.TickSize) || !multipleOf(c.L, r.TickSize) ||
				!multipleOf(c.C, r.TickSize) || !c.Volume.IsPos() || !multipleOf(c.Volume, r.StepSize) {
				t.Fatalf("%s: candle %d %+v is off the tick or step", tc.symbol, i, c)
			}
			if i > 0 && !c.O.Equal(cs[i-1].C) {
				t.Fatalf("%s: candle %d opens at %s, previous closed at %s", tc.symbol, i, c.O, cs[i-1].C)
			}
		}
		last := cs[len(cs)-1]
		if now := clock.Now(); last.Open.After(now) || !last.Open.Add(tc.interval).After(now) {
			t.Fatalf("%s: last candle opens at %v, not the one in progress at %v", tc.symbol, last.Open, now)
		}
	}
}

func TestCandlesMeetLivePrice(t *testing.T) {
	clock := newFakeClock()
	m := New(Options{Seed: 11, Clock: clock, Speed: 10})
	cs, err := m.Candles(context.Background(), "BTCUSDT", time.Minute, 60)
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(Options{Seed: 11, Clock: clock}).Candles(context.Background(), "BTCUSDT", time.Minute, 60)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		if cs[i] != again[i] {
			t.Fatalf("candle %d differs for the same seed: %+v / %+v", i, cs[i], again[i])
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	first := collect(t, ticks, 1)[0]
	closeF, _ := cs[len(cs)-1].C.Float64()
	lastF, _ := first.Last.Float64()
	if d := lastF/closeF - 1; d > 0.001 || d < -0.001 {
		t.Fatalf("history closes at %s, the live price starts at %s", cs[len(cs)-1].C, first.Last)
	}

	// After the walk moved on, new history ends at the latest price exactly. One second at
	// speed 10 makes exactly 40 ticks due; read them all so the latest is the last one read.
	more := collect(t, ticks, 39)
	cs, err = m.Candles(context.Background(), "BTCUSDT", time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cs[len(cs)-1].C, more[len(more)-1].Last; !got.Equal(want) {
		t.Fatalf("history closes at %s, latest trade %s", got, want)
	}
}

func TestCandlesRefuseBadInput(t *testing.T) {
	m := New(Options{})
	for _, tc := range []struct {
		symbol   string
		interval time.Duration
	}{
		{"BTCUSDT", 0},
		{"BTCUSDT", -time.Minute},
		{"BTCUSDT", time.Millisecond},
		{"nonsense", time.Minute},
	} {
		if _, err := m.Candles(context.Background(), tc.symbol, tc.interval, 10); err == nil {
			t.Errorf("Candles(%s, %v) accepted", tc.symbol, tc.interval)
		}
	}
}

var sink exchange.Tick

func BenchmarkAdvance(b *testing.B) {
	s := newSymState("BTCUSDT", known["BTCUSDT"], 1)
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	dt := 1 / (DefaultTickRate * secondsPerYear)
	b.ReportAllocs()
	for b.Loop() {
		sink = s.advance(dt, at, DefaultTickRate*86400)
	}
}

// BenchmarkStream measures the whole stream at a speed no consumer keeps up with.
func BenchmarkStream(b *testing.B) {
	m := New(Options{Seed: 1, Speed: MaxSpeed})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sink = <-ticks
	}
}
