//go:build !race

// Allocation counts mean nothing under the race detector (its sync.Pool drops items on
// purpose), so this file is left out of -race builds.

package backtest

import (
	"context"
	"testing"
	"time"
)

// The replay allocates per order and per run, never per candle: ten times the candles (with
// the same orders) cost no more allocations.
func TestAllocationsDoNotGrowWithCandles(t *testing.T) {
	cs := year(t)
	cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("100000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"lower": "1000", "upper": "2000", "levels": "10", "quantity": "0.01"}}
	allocs := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := Run(context.Background(), cfg, cs[:n]); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(20000), allocs(200000)
	if large > small+2 {
		t.Fatalf("%v allocations for 200k candles, %v for 20k: the replay allocates per candle", large, small)
	} else {
		t.Logf("%v allocations for 20k candles, %v for 200k", small, large)
	}
}
