package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange/sim"
)

// runEngine runs e until the returned stop is called; stop waits for Run to return.
func runEngine(t testing.TB, e *Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	eventually(t, "the engine streams", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.bg != nil
	})
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// The simulated market continues from the last prices a data directory saw, unless the
// market is to replay its seed.
func TestMarketContinuesFromLastPrices(t *testing.T) {
	db := testDB(t)
	manual := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Manual: true})
	e, err := New(Config{DB: db, Market: manual, Symbols: []string{"BTCUSDT"}, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	stop := runEngine(t, e)
	before := e.TicksProcessed()
	if err := manual.Push("BTCUSDT", "12345.67"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the tick", func() bool { return e.TicksProcessed() > before })
	stop() // Run saves the last prices on its way out

	clockAt := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		resume bool
		want   bool
	}{
		{"no seed: continue", true, true},
		{"seed set: replay the seed", false, false},
	} {
		m := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Seed: 99, Clock: stampedBy(func() time.Time { return clockAt })})
		e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, ResumeMarket: tc.resume, Limits: fastLimits()})
		if err != nil {
			t.Fatal(err)
		}
		stop := runEngine(t, e)
		cs, err := m.Candles(context.Background(), "BTCUSDT", time.Minute, 1)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		if got := cs[0].C.Equal(d("12345.67")); got != tc.want {
			t.Fatalf("%s: the market's price is %s; continued from 12345.67: %v, want %v", tc.name, cs[0].C, got, tc.want)
		}
	}
}
