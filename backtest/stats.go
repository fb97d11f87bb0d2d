package backtest

import (
	"math"
	"time"

	"github.com/govalues/decimal"
)

// stats follows the equity curve in float64: it only feeds statistics (drawdown, Sharpe,
// Sortino, time in market); money stays decimal in the account and the result.
type stats struct {
	quoteF, baseF float64
	start         float64
	peak, maxDD   float64
	candles       int
	inMarket      int
	day           int64
	lastEq        float64
	days          []float64 // equity at each UTC day's last candle
	refused       int

	// The sampled curve (RunOptions.Curve): every candles an equity point and the deepest
	// drawdown since the last point.
	every, left    int
	worst          float64
	curve, ddCurve []float64
}

// sample turns the curve on: n points over total candles (fewer when there are fewer
// candles). Its allocations are fixed by n, never by the candle count.
func (s *stats) sample(n, total int) {
	if n <= 0 || total == 0 {
		return
	}
	s.every = max(1, (total+n-1)/n)
	s.left = s.every
	s.curve = make([]float64, 0, total/s.every+1)
	s.ddCurve = make([]float64, 0, total/s.every+1)
}

func (s *stats) init(budget decimal.Decimal, days int) {
	s.quoteF = toF(budget)
	s.start, s.peak, s.lastEq = s.quoteF, s.quoteF, s.quoteF
	s.days = make([]float64, 0, days+1)
	s.day = math.MinInt64
}

func (s *stats) holdings(quote, base decimal.Decimal) {
	s.quoteF, s.baseF = toF(quote), toF(base)
}

// candle marks the equity at a candle's close.
func (s *stats) candle(open time.Time, close decimal.Decimal) {
	s.candles++
	eq := s.quoteF
	if s.baseF != 0 {
		eq += s.baseF * toF(close)
		s.inMarket++
	}
	if eq > s.peak {
		s.peak = eq
	}
	if s.peak > 0 {
		dd := (s.peak - eq) / s.peak
		if dd > s.maxDD {
			s.maxDD = dd
		}
		if dd > s.worst {
			s.worst = dd
		}
	}
	if s.every > 0 {
		if s.left--; s.left == 0 {
			s.curve = append(s.curve, eq)
			s.ddCurve = append(s.ddCurve, s.worst*100)
			s.left, s.worst = s.every, 0
		}
	}
	day := open.Unix() / 86400
	if day != s.day {
		if s.day != math.MinInt64 {
			s.days = append(s.days, s.lastEq)
		}
		s.day = day
	}
	s.lastEq = eq
}

// ratios are the annualised daily Sharpe and Sortino ratios (365 trading days: crypto trades
// every day), with no risk-free rate. Zero when there is no variation to measure.
func (s *stats) ratios() (sharpe, sortino float64) {
	days := append(append([]float64{s.start}, s.days...), s.lastEq)
	if s.candles == 0 || len(days) < 3 {
		return 0, 0
	}
	rets := make([]float64, 0, len(days)-1)
	for i := 1; i < len(days); i++ {
		if days[i-1] > 0 {
			rets = append(rets, days[i]/days[i-1]-1)
		}
	}
	var mean, down float64
	for _, r := range rets {
		mean += r
		if r < 0 {
			down += r * r
		}
	}
	mean /= float64(len(rets))
	var variance float64
	for _, r := range rets {
		variance += (r - mean) * (r - mean)
	}
	if len(rets) > 1 {
		variance /= float64(len(rets) - 1)
	}
	ann := math.Sqrt(365)
	if sd := math.Sqrt(variance); sd > 1e-12 {
		sharpe = mean / sd * ann
	}
	if dd := math.Sqrt(down / float64(len(rets))); dd > 1e-12 {
		sortino = mean / dd * ann
	}
	return sharpe, sortino
}

// pow10f are the powers of ten a decimal's scale can take.
var pow10f = func() (p [20]float64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// toF is d as a float64 for statistics, without going through text.
func toF(d decimal.Decimal) float64 {
	f := float64(d.Coef()) / pow10f[d.Scale()]
	if d.IsNeg() {
		return -f
	}
	return f
}
