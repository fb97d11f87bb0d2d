package backtest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// year makes a year of one-minute candles: a seeded random walk in cents around 60000.
func year(tb testing.TB) []exchange.Candle {
	tb.Helper()
	rng := rand.New(rand.NewPCG(42, 7))
	const n = 525600
	p := int64(6_000_000)
	out := make([]exchange.Candle, n)
	for i := range out {
		o := p
		c := max(o+rng.Int64N(6001)-3000, 100_000)
		h := max(o, c) + rng.Int64N(1500)
		l := max(min(o, c)-rng.Int64N(1500), 1)
		p = c
		out[i] = exchange.Candle{Open: t0.Add(time.Duration(i) * time.Minute),
			O: decimal.MustNew(o, 2), H: decimal.MustNew(h, 2), L: decimal.MustNew(l, 2), C: decimal.MustNew(c, 2), Volume: decimal.One}
	}
	return out
}

func benchRun(b *testing.B, cfg Config) {
	cs := year(b)
	cfg.Symbol, cfg.Rules, cfg.Budget, cfg.Interval, cfg.FeeRate = "BTCUSDT", btcRules, d("100000"), time.Minute, d("0.001")
	ctx := context.Background()
	var trades int
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		res, err := Run(ctx, cfg, cs)
		if err != nil {
			b.Fatal(err)
		}
		trades = len(res.Trades)
	}
	reportRates(b, len(cs)*b.N, cpuTime()-cpu)
	b.ReportMetric(float64(trades), "trades")
}

// reportRates reports candles a second of wall clock and, where the process's CPU time is
// known, candles a second of CPU: on a machine shared with other work the wall clock counts
// time spent waiting for a core, and the target is per core.
func reportRates(b *testing.B, candles int, cpu time.Duration) {
	b.ReportMetric(float64(candles)/b.Elapsed().Seconds(), "candles/s")
	if cpu > 0 {
		b.ReportMetric(float64(candles)/cpu.Seconds(), "candles/cpu-s")
	}
}

// BenchmarkBacktestDCA replays a year of one-minute candles through a DCA bot (hourly buys,
// 2 % take profit). Target: 5 million candles a second on one core.
func BenchmarkBacktestDCA(b *testing.B) {
	benchRun(b, Config{Strategy: "dca", Params: map[string]string{"amount": "50", "interval": "1h", "take_profit": "2", "dip_steps": "2,5"}})
}

// BenchmarkBacktestGrid replays a year of one-minute candles through a 20-level grid.
func BenchmarkBacktestGrid(b *testing.B) {
	benchRun(b, Config{Strategy: "grid", Params: map[string]string{"lower": "40000", "upper": "80000", "levels": "20", "quantity": "0.01"}})
}
