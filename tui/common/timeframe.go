package common

import (
	"context"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Timeframes are the chart's candle intervals, in the order the timeframe key cycles them.
var Timeframes = []Timeframe{
	{"1m", time.Minute}, {"5m", 5 * time.Minute}, {"15m", 15 * time.Minute},
	{"1h", time.Hour}, {"4h", 4 * time.Hour}, {"1d", 24 * time.Hour},
}

// Timeframe is a candle interval and its name.
type Timeframe struct {
	Name string
	D    time.Duration
}

// CandleHistory is an engine that serves candles at any timeframe (the exchange's klines; the
// simulated market keeps its own). The chart asks it when the engine has it and otherwise
// builds the timeframe from the engine's recent candles.
type CandleHistory interface {
	CandlesAt(ctx context.Context, symbol string, tf time.Duration, limit int) ([]exchange.Candle, error)
}

// Aggregate builds tf candles from shorter ones: each bucket opens at the first candle's open,
// closes at the last one's close, spans their extremes and sums their volume. Buckets start
// on tf boundaries (UTC), as the exchange's do.
func Aggregate(candles []exchange.Candle, tf time.Duration) []exchange.Candle {
	if len(candles) < 2 || candles[1].Open.Sub(candles[0].Open) >= tf {
		return candles
	}
	var out []exchange.Candle
	for _, k := range candles {
		start := k.Open.UTC().Truncate(tf)
		if n := len(out); n > 0 && out[n-1].Open.Equal(start) {
			b := &out[n-1]
			b.C = k.C
			if k.H.Cmp(b.H) > 0 {
				b.H = k.H
			}
			if k.L.Cmp(b.L) < 0 {
				b.L = k.L
			}
			if v, err := b.Volume.Add(k.Volume); err == nil {
				b.Volume = v
			}
			continue
		}
		k.Open = start
		out = append(out, k)
	}
	return out
}
