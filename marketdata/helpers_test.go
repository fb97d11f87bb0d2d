package marketdata

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

var d = decimal.MustParse

var jan1 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// walk makes n one-minute candles from start: a seeded random walk in cents around 60000
// with volumes of up to 8 decimals, like Binance's BTCUSDT.
func walk(start time.Time, n int, seed uint64) []exchange.Candle {
	rng := rand.New(rand.NewPCG(seed, 7))
	p := int64(6_000_000)
	out := make([]exchange.Candle, n)
	for i := range out {
		o := p
		c := max(o+rng.Int64N(4001)-2000, 100)
		h := max(o, c) + rng.Int64N(500)
		l := max(min(o, c)-rng.Int64N(500), 1)
		p = c
		out[i] = exchange.Candle{
			Open: start.Add(time.Duration(i) * time.Minute),
			O:    decimal.MustNew(o, 2), H: decimal.MustNew(h, 2), L: decimal.MustNew(l, 2), C: decimal.MustNew(c, 2),
			Volume: decimal.MustNew(rng.Int64N(10_000_000_000), 8),
		}
	}
	return out
}

func sameCandles(t testing.TB, got, want []exchange.Candle) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d candles, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Open.Equal(w.Open) || !g.O.Equal(w.O) || !g.H.Equal(w.H) || !g.L.Equal(w.L) || !g.C.Equal(w.C) || !g.Volume.Equal(w.Volume) {
			t.Fatalf("candle %d = %+v, want %+v", i, g, w)
		}
	}
}
