package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// CandlesBetween returns up to limit (at most 1000) candles of symbol opening in [from, to),
// oldest first: the simulated market's long history, for backtests. Unlike Candles, it does
// not depend on the clock or the live price: every UTC day is a random walk of its own (from
// the seed, the symbol, the interval and the day) bridged between two anchor prices, so any
// range can be asked for in any order and pieces fetched apart join exactly.
func (m *Market) CandlesBetween(ctx context.Context, symbol string, interval time.Duration, from, to time.Time, limit int) ([]exchange.Candle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if interval < time.Second || interval > 24*time.Hour || (24*time.Hour)%interval != 0 {
		return nil, fmt.Errorf("sim: history for %s: interval %s must divide a day", symbol, interval)
	}
	s, err := m.symbol(symbol)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxCandles {
		limit = maxCandles
	}
	start := from.UTC().Truncate(interval)
	if start.Before(from) {
		start = start.Add(interval)
	}
	var out []exchange.Candle
	for day := start.Truncate(24 * time.Hour); day.Before(to) && len(out) < limit; day = day.Add(24 * time.Hour) {
		for _, c := range m.simDay(s, interval, day) {
			if !c.Open.Before(start) && c.Open.Before(to) && len(out) < limit {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// anchor is the log price at the start of a UTC day: a slow wander around the symbol's start
// price that is the same for every interval.
func (m *Market) anchor(s *symState, day time.Time) float64 {
	n := day.Unix() / 86400
	rng := rand.New(rand.NewPCG(uint64(m.opts.Seed)^0x5bd1e995, symbolHash(s.name)^uint64(n)))
	// A sum of a few day-scale waves plus daily noise, bounded around the start.
	x := float64(n)
	wave := 0.25*math.Sin(x/97) + 0.15*math.Sin(x/31+1) + 0.05*math.Sin(x/7+2)
	return s.logStart + wave + 0.01*rng.NormFloat64()
}

// simDay generates one UTC day of candles at interval: a random walk with the symbol's
// volatility, pulled linearly so the day ends at the next day's anchor.
func (m *Market) simDay(s *symState, interval time.Duration, day time.Time) []exchange.Candle {
	n := int((24 * time.Hour) / interval)
	rng := rand.New(rand.NewPCG(uint64(m.opts.Seed)^0x2545f4914f6cdd1d, symbolHash(s.name)^uint64(interval)^uint64(day.Unix())))
	steps := n * candleSteps
	path := make([]float64, steps+1)
	dt := interval.Seconds() / candleSteps / secondsPerYear
	sd := s.spec.vol * math.Sqrt(dt)
	for i := 1; i <= steps; i++ {
		path[i] = path[i-1] + sd*rng.NormFloat64()
	}
	a, b := m.anchor(s, day), m.anchor(s, day.Add(24*time.Hour))
	drift := b - a - path[steps]
	logTick := math.Log(10 * s.tick.f)
	out := make([]exchange.Candle, n)
	for k := range out {
		var hi, lo, o, c float64
		for j := 0; j <= candleSteps; j++ {
			i := k*candleSteps + j
			x := math.Exp(max(a+path[i]+drift*float64(i)/float64(steps), logTick))
			switch {
			case j == 0:
				o, hi, lo = x, x, x
			default:
				hi, lo = max(hi, x), min(lo, x)
			}
			c = x
		}
		open := day.Add(time.Duration(k) * interval)
		quoteVol := s.spec.dailyQuote * interval.Hours() / 24 * volumePattern(open) * math.Exp(0.4*rng.NormFloat64()-0.08)
		out[k] = exchange.Candle{
			Open:   open,
			O:      s.tick.times(s.tick.units(o)),
			H:      s.tick.times(s.tick.units(hi)),
			L:      s.tick.times(s.tick.units(lo)),
			C:      s.tick.times(s.tick.units(c)),
			Volume: s.step.times(s.step.units(quoteVol / c)),
		}
	}
	return out
}
