package paper

import (
	"math/rand/v2"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// floorQuo gives what the long way gives, to the scale, whenever it answers: on random
// amounts, prices and steps, and on amounts a hair either side of a step's worth, where the
// rounded full-precision quotient can land on the next step.
func TestFloorQuoMatchesTheLongWay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dec := func(max int64, scale int) decimal.Decimal {
		return decimal.MustNew(1+rng.Int64N(max), scale)
	}
	steps := []decimal.Decimal{d("0.00001"), d("0.001"), d("1"), d("0.00005"), d("0.0000001"), d("0.1"), d("0.00000001"), d("0.0025")}
	check := func(quote, price, step decimal.Decimal) bool {
		t.Helper()
		got, ok := floorQuo(quote, price, step)
		if !ok {
			return false
		}
		full, err := quote.Quo(price)
		if err != nil {
			t.Fatalf("%s / %s: floorQuo answered %s, the long way failed: %v", quote, price, got, err)
		}
		want := exchange.Rules{StepSize: step}.RoundQty(full, exchange.Limit)
		if got.String() != want.String() {
			t.Fatalf("%s / %s to step %s: floorQuo %s, the long way %s", quote, price, step, got, want)
		}
		return true
	}
	tests := []struct {
		name string
		make func() (quote, price, step decimal.Decimal)
	}{
		{"random", func() (decimal.Decimal, decimal.Decimal, decimal.Decimal) {
			return dec(10_000_000, rng.IntN(9)), dec(10_000_000_000, rng.IntN(9)), steps[rng.IntN(len(steps))]
		}},
		{"BTC-like", func() (decimal.Decimal, decimal.Decimal, decimal.Decimal) {
			return dec(100_000, rng.IntN(3)), dec(10_000_000, 2), d("0.00001")
		}},
		{"near a step", func() (decimal.Decimal, decimal.Decimal, decimal.Decimal) {
			price, step := dec(100_000_000, rng.IntN(6)), steps[rng.IntN(len(steps))]
			n := decimal.MustNew(1+rng.Int64N(100_000), 0)
			edge, _ := n.Mul(step)
			edge, _ = edge.Mul(price)
			scale := rng.IntN(19)
			hair := decimal.MustNew(rng.Int64N(3)-1, scale) // -1, 0 or +1 in the last place
			q, err := edge.Round(scale).Add(hair)
			if err != nil || !q.IsPos() {
				return edge, price, step
			}
			return q, price, step
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 200_000
			fast := 0
			for range n {
				if check(tt.make()) {
					fast++
				}
			}
			if fast < n/10 {
				t.Fatalf("floorQuo answered %d of %d: the test exercises the long way only", fast, n)
			}
			t.Logf("floorQuo answered %d of %d", fast, n)
		})
	}
}

// The quotients right at the edge: one unit of the 19th decimal below a step rounds onto it.
func TestFloorQuoEdges(t *testing.T) {
	tests := []struct {
		quote, price, step string
		ok                 bool
	}{
		{"50", "67175.04", "0.00001", true},
		{"1", "3", "0.1", true},                      // 0.333…: far from a step
		{"2", "3", "0.00001", true},                  // 0.666…: far from a step
		{"0.5", "1", "0.00001", false},               // exact
		{"7", "7", "0.00001", false},                 // 1: not below one
		{"10", "3", "0.00001", false},                // 3.33…: not below one
		{"0", "3", "0.00001", false},                 // nothing to buy
		{"1", "1.0000000000000000001", "0.1", false}, // 0.9999999999999999999 rounds up to 1
	}
	for _, tt := range tests {
		got, ok := floorQuo(d(tt.quote), d(tt.price), d(tt.step))
		if ok != tt.ok {
			t.Errorf("floorQuo(%s, %s, %s) = %s, %v; want ok %v", tt.quote, tt.price, tt.step, got, ok, tt.ok)
		}
	}
}

// FuzzFloorQuo: whatever the amounts, floorQuo either declines or agrees with the long way.
func FuzzFloorQuo(f *testing.F) {
	f.Add(int64(50), uint8(0), int64(6717504), uint8(2), int64(1), uint8(5))
	f.Add(int64(1), uint8(0), int64(3), uint8(0), int64(1), uint8(1))
	f.Fuzz(func(t *testing.T, qc int64, qs uint8, pc int64, ps uint8, sc int64, ss uint8) {
		quote, err1 := decimal.New(qc, int(qs%20))
		price, err2 := decimal.New(pc, int(ps%20))
		step, err3 := decimal.New(sc, int(ss%20))
		if err1 != nil || err2 != nil || err3 != nil {
			return
		}
		got, ok := floorQuo(quote, price, step)
		if !ok {
			return
		}
		full, err := quote.Quo(price)
		if err != nil {
			t.Fatalf("%s / %s: floorQuo answered %s, the long way failed: %v", quote, price, got, err)
		}
		if want := (exchange.Rules{StepSize: step}).RoundQty(full, exchange.Limit); got.String() != want.String() {
			t.Fatalf("%s / %s to step %s: floorQuo %s, the long way %s", quote, price, step, got, want)
		}
	})
}
