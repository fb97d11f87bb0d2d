package common

import (
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestAggregateBuildsLongerCandles(t *testing.T) {
	at := time.Date(2026, 11, 28, 14, 3, 0, 0, time.UTC)
	d := decimal.MustParse
	var in []exchange.Candle
	for i, c := range []struct{ o, h, l, c, v string }{
		{"10", "12", "9", "11", "1"}, {"11", "15", "10", "14", "2"}, // 14:03, 14:04 → 14:00 bucket
		{"14", "14", "8", "9", "3"}, {"9", "10", "7", "10", "4"}, // 14:05, 14:06 → 14:05 bucket
	} {
		in = append(in, exchange.Candle{Open: at.Add(time.Duration(i) * time.Minute), O: d(c.o), H: d(c.h), L: d(c.l), C: d(c.c), Volume: d(c.v)})
	}
	got := Aggregate(in, 5*time.Minute)
	want := []struct {
		open       time.Time
		o, h, l, c string
		v          string
	}{
		{at.Truncate(5 * time.Minute), "10", "15", "9", "14", "3"},
		{at.Add(2 * time.Minute), "14", "14", "7", "10", "7"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d candles, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if !g.Open.Equal(w.open) || g.O.Cmp(d(w.o)) != 0 || g.H.Cmp(d(w.h)) != 0 || g.L.Cmp(d(w.l)) != 0 || g.C.Cmp(d(w.c)) != 0 || g.Volume.Cmp(d(w.v)) != 0 {
			t.Errorf("candle %d = %v %s/%s/%s/%s vol %s, want %v %s/%s/%s/%s vol %s", i, g.Open, g.O, g.H, g.L, g.C, g.Volume, w.open, w.o, w.h, w.l, w.c, w.v)
		}
	}
	if got := Aggregate(in, time.Minute); len(got) != len(in) {
		t.Fatalf("1m over 1m candles changed them: %d", len(got))
	}
}
