//go:build !race

// Allocation counts mean nothing under the race detector (its sync.Pool drops items on
// purpose), so this file is left out of -race builds.

package backtest

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// allocsOf counts the allocations of one replay of candles and returns its result.
func allocsOf(t *testing.T, cfg Config, candles []exchange.Candle) (float64, Result) {
	t.Helper()
	var res Result
	var err error
	n := testing.AllocsPerRun(2, func() { res, err = Run(context.Background(), cfg, candles) })
	if err != nil {
		t.Fatal(err)
	}
	return n, res
}

// The replay allocates per run, never per candle: ten times the candles (with the same
// orders) cost no more allocations.
func TestAllocationsDoNotGrowWithCandles(t *testing.T) {
	cs := year(t)
	cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("100000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"lower": "1000", "upper": "2000", "levels": "10", "quantity": "0.01"}}
	small, _ := allocsOf(t, cfg, cs[:20000])
	large, _ := allocsOf(t, cfg, cs[:200000])
	if large > small+2 {
		t.Fatalf("%v allocations for 200k candles, %v for 20k: the replay allocates per candle", large, small)
	}
	t.Logf("%v allocations for 20k candles, %v for 200k", small, large)
}

// Orders allocate nothing of their own either: what a DCA bot's month and year of hourly
// orders (and their fills, trade records and position updates) cost apart is the amortised
// growth of a few slices, a logarithm of the order count. A refused order is the exception:
// its error (paper.BalanceError) and that error's text are two allocations, and a bot out of
// money is refused once a candle.
func TestAllocationsDoNotGrowWithOrders(t *testing.T) {
	cs := year(t)
	const month = 30 * 24 * 60
	const slack = 100 // amortised slice and map growth between the two runs
	tests := []struct {
		name    string
		budget  string
		refused bool // the year runs out of money
	}{
		{"enough money", "1000000", false},
		{"out of money for a while", "100000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d(tt.budget), Interval: time.Minute, FeeRate: d("0.001"),
				Strategy: "dca", Params: map[string]string{"amount": "50", "interval": "1h", "take_profit": "2", "dip_steps": "2,5"}}
			small, rs := allocsOf(t, cfg, cs[:month])
			large, rl := allocsOf(t, cfg, cs)
			if len(rl.Trades) < 10*len(rs.Trades) {
				t.Fatalf("%d trades in a year, %d in a month: the test needs the orders to grow", len(rl.Trades), len(rs.Trades))
			}
			if tt.refused != (rl.Refused > 1000) {
				t.Fatalf("%d refusals in the year", rl.Refused)
			}
			limit := small + slack + 2*float64(rl.Refused-rs.Refused)
			if large > limit {
				t.Fatalf("%v allocations for a year (%d trades, %d refused), %v for a month (%d trades, %d refused): orders allocate",
					large, len(rl.Trades), rl.Refused, small, len(rs.Trades), rs.Refused)
			}
			t.Logf("%v allocations for a month (%d trades, %d refused), %v for a year (%d trades, %d refused)",
				small, len(rs.Trades), rs.Refused, large, len(rl.Trades), rl.Refused)
		})
	}
}
