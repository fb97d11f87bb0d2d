package sim

import (
	"context"
	"testing"
	"time"
)

// The long history is valid candles, the same whatever range is asked, and continuous across
// days: each candle opens where the previous one closed.
func TestCandlesBetween(t *testing.T) {
	m := New(Options{Seed: 9})
	ctx := context.Background()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cs, err := m.CandlesBetween(ctx, "ETHUSDT", time.Hour, from, from.Add(30*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 720 {
		t.Fatalf("%d candles, want 720", len(cs))
	}
	for i, c := range cs {
		if !c.Open.Equal(from.Add(time.Duration(i)*time.Hour)) || c.H.Cmp(c.O.Max(c.C)) < 0 || c.L.Cmp(c.O.Min(c.C)) > 0 || !c.L.IsPos() {
			t.Fatalf("candle %d invalid: %+v", i, c)
		}
		if i > 0 && !c.O.Equal(cs[i-1].C) {
			t.Fatalf("candle %d opens at %s, the previous closed at %s", i, c.O, cs[i-1].C)
		}
	}
	part, err := m.CandlesBetween(ctx, "ETHUSDT", time.Hour, from.Add(100*time.Hour+time.Minute), from.Add(110*time.Hour), 0)
	if err != nil || len(part) != 9 || !part[0].Open.Equal(cs[101].Open) || !part[0].C.Equal(cs[101].C) {
		t.Fatalf("a later range differs: %d candles (%v)", len(part), err)
	}
	if _, err := m.CandlesBetween(ctx, "ETHUSDT", 7*time.Minute, from, from.Add(time.Hour), 0); err == nil {
		t.Fatal("an interval that does not divide a day was accepted")
	}
}
