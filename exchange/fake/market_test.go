package fake

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"
)

func TestDriftStep(t *testing.T) {
	tests := []struct {
		price, tick, maxMove string
	}{
		{"60000.00", "0.01", "12"},
		{"150.00", "0.01", "0.03"},
		{"0.02", "0.01", "0.01"},
		{"0.00001000", "0.00000001", "0.00000001"},
	}
	for _, tt := range tests {
		t.Run(tt.price, func(t *testing.T) {
			price, tick, maxMove := decimal.MustParse(tt.price), decimal.MustParse(tt.tick), decimal.MustParse(tt.maxMove)
			rng := rand.New(rand.NewPCG(1, 2))
			moved := false
			for i := 0; i < 500; i++ {
				p, ok := driftStep(price, tick, rng)
				if !ok {
					continue
				}
				if !p.IsPos() {
					t.Fatalf("step %d: price %s is not positive", i, p)
				}
				diff, _ := p.Sub(price)
				if diff.Abs().Cmp(maxMove) > 0 {
					t.Fatalf("step %d: moved %s, more than %s", i, diff, maxMove)
				}
				if _, rem, _ := p.QuoRem(tick); !rem.IsZero() {
					t.Fatalf("step %d: %s is off the tick %s", i, p, tick)
				}
				moved = moved || !diff.IsZero()
			}
			if !moved {
				t.Error("never moved")
			}
		})
	}
	// The same seed walks the same way.
	walk := func() string {
		rng := rand.New(rand.NewPCG(7, 7))
		p := decimal.MustParse("3000")
		for i := 0; i < 50; i++ {
			if q, ok := driftStep(p, decimal.MustParse("0.01"), rng); ok {
				p = q
			}
		}
		return p.String()
	}
	if a, b := walk(), walk(); a != b {
		t.Errorf("same seed, different walks: %s vs %s", a, b)
	}
}

func TestServerDrifts(t *testing.T) {
	s := start(t, Options{Drift: true, TickInterval: 2 * time.Millisecond, Seed: 3})
	bid0, _, _ := s.Quote("ETHUSDT")
	waitFor(t, "the price to drift", func() bool {
		bid, _, _ := s.Quote("ETHUSDT")
		return !bid.Equal(bid0)
	})
}
