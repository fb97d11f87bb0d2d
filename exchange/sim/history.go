package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Candle limits, as Binance's klines endpoint has them.
const (
	defaultCandles = 500
	maxCandles     = 1000
	candleSteps    = 12 // sub-steps of the walk inside one candle, for its high and low
)

// Candles returns limit candles of the given interval for symbol, oldest first, ending with the
// candle in progress now. The history is a random walk generated backwards from the symbol's
// latest price (its start price before the first tick), so the newest close is where the live
// price is, and it is the same for the same seed, symbol, interval and clock.
func (m *Market) Candles(ctx context.Context, symbol string, interval time.Duration, limit int) ([]exchange.Candle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if interval < time.Second {
		return nil, fmt.Errorf("sim: candles for %s: interval %s is under a second", symbol, interval)
	}
	if limit <= 0 {
		limit = defaultCandles
	}
	limit = min(limit, maxCandles)
	s, err := m.symbol(symbol)
	if err != nil {
		return nil, err
	}
	now := m.simTime(m.now())
	anchor := s.lastPrice()
	rng := rand.New(rand.NewPCG(uint64(m.opts.Seed)^0x9e3779b97f4a7c15, symbolHash(symbol)^uint64(interval)))

	out := make([]exchange.Candle, limit)
	lastOpen := now.Truncate(interval)
	dt := interval.Seconds() / candleSteps / secondsPerYear
	sigma := s.spec.vol
	logTick := math.Log(10 * s.tick.f)
	p := math.Log(anchor)
	for i := limit - 1; i >= 0; i-- {
		open := lastOpen.Add(-time.Duration(limit-1-i) * interval)
		closeP := math.Exp(p)
		hi, lo := closeP, closeP
		for range candleSteps {
			d := sigma * math.Sqrt(dt) * rng.NormFloat64()
			if rng.Float64() < jumpsPerYear*dt {
				d += jumpSize * rng.NormFloat64()
			}
			// Walking backwards: pull toward the start price as the live walk does.
			d += reversion * (p - s.logStart) * dt
			p = max(p-d, logTick)
			x := math.Exp(p)
			hi, lo = max(hi, x), min(lo, x)
		}
		openP := math.Exp(p)
		quoteVol := s.spec.dailyQuote * interval.Hours() / 24 * volumePattern(open) * math.Exp(0.4*rng.NormFloat64()-0.08)
		out[i] = exchange.Candle{
			Open:   open,
			O:      s.tick.times(s.tick.units(openP)),
			H:      s.tick.times(s.tick.units(hi)),
			L:      s.tick.times(s.tick.units(lo)),
			C:      s.tick.times(s.tick.units(closeP)),
			Volume: s.step.times(s.step.units(quoteVol / closeP)),
		}
	}
	return out, nil
}
