package backtest

import (
	"context"
	"math"
	"testing"
	"time"
)

// Progress is reported as the replay goes and ends at the total; the sampled curve has the
// asked number of points, ends at the final equity and its deepest drawdown is the result's.
func TestRunWithProgressAndCurve(t *testing.T) {
	cs := year(t)[:50000]
	cfg := Config{Symbol: "BTCUSDT", Rules: btcRules, Budget: d("100000"), Interval: time.Minute, FeeRate: d("0.001"),
		Strategy: "grid", Params: map[string]string{"lower": "55000", "upper": "65000", "levels": "10", "quantity": "0.01"}}
	tests := []struct {
		name   string
		curve  int
		points int
	}{
		{"no curve", 0, 0},
		{"100 points", 100, 100},
		{"more points than candles", 100000, 50000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []int
			res, err := RunWith(context.Background(), cfg, cs, RunOptions{Curve: tc.curve, Progress: func(done, total int) {
				if total != len(cs) {
					t.Fatalf("total %d, want %d", total, len(cs))
				}
				calls = append(calls, done)
			}})
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) < 10 || calls[len(calls)-1] != len(cs) {
				t.Fatalf("progress calls %d, last %v: want one every few thousand candles ending at %d", len(calls), calls[len(calls)-1:], len(cs))
			}
			for i := 1; i < len(calls); i++ {
				if calls[i] < calls[i-1] {
					t.Fatalf("progress went back: %d after %d", calls[i], calls[i-1])
				}
			}
			if len(res.Equity) != tc.points || len(res.Drawdown) != tc.points {
				t.Fatalf("curve %d/%d points, want %d", len(res.Equity), len(res.Drawdown), tc.points)
			}
			plain, err := Run(context.Background(), cfg, cs)
			if err != nil {
				t.Fatal(err)
			}
			if plain.FinalEquity.Cmp(res.FinalEquity) != 0 || plain.MaxDrawdownPct != res.MaxDrawdownPct || len(plain.Trades) != len(res.Trades) {
				t.Fatalf("RunWith changed the result: %v vs %v", res.FinalEquity, plain.FinalEquity)
			}
			if tc.points == 0 {
				return
			}
			final, _ := res.FinalEquity.Float64()
			if last := res.Equity[len(res.Equity)-1]; math.Abs(last-final) > 0.01 {
				t.Fatalf("curve ends at %v, final equity %v", last, final)
			}
			deepest := 0.0
			for _, dd := range res.Drawdown {
				deepest = max(deepest, dd)
			}
			if math.Abs(deepest-res.MaxDrawdownPct) > 0.001 {
				t.Fatalf("deepest sampled drawdown %v, result's %v", deepest, res.MaxDrawdownPct)
			}
		})
	}
}
