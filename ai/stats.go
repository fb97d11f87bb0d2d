package ai

import (
	"math"

	"github.com/govalues/decimal"
)

// Stats are figures derived from a market's candles, so the model does not have to compute
// them from the raw bars. They are statistics (floats), never used for money.
type Stats struct {
	Candles       int     `json:"candles"`
	First         string  `json:"first_close"`
	Last          string  `json:"last_close"`
	High          string  `json:"high"`
	Low           string  `json:"low"`
	ChangePct     float64 `json:"change_pct"`
	RangePct      float64 `json:"range_pct"`      // (high-low)/low over the whole window
	VolatilityPct float64 `json:"volatility_pct"` // stdev of close-to-close returns, per candle
	AvgBarPct     float64 `json:"avg_bar_pct"`    // mean (high-low)/close per candle
	Trend         string  `json:"trend"`          // up, down or sideways
	// InRangePct is the share of closes inside a grid's [lower, upper]; -1 when not a grid.
	InRangePct float64 `json:"grid_in_range_pct,omitempty"`
}

// Derive computes Stats over candles (oldest first). lower and upper bound a grid; pass zeros
// for anything else.
func Derive(candles []Candle, lower, upper decimal.Decimal) Stats {
	var s Stats
	s.Candles = len(candles)
	if len(candles) == 0 {
		return s
	}
	f := func(d decimal.Decimal) float64 { v, _ := d.Float64(); return v }
	high, low := candles[0].H, candles[0].L
	var rets []float64
	var barSum float64
	in := 0
	grid := !lower.IsZero() && !upper.IsZero() && lower.Cmp(upper) < 0
	for i, c := range candles {
		if c.H.Cmp(high) > 0 {
			high = c.H
		}
		if c.L.Cmp(low) < 0 {
			low = c.L
		}
		if cl := f(c.C); cl > 0 {
			barSum += (f(c.H) - f(c.L)) / cl
		}
		if i > 0 {
			if prev := f(candles[i-1].C); prev > 0 {
				rets = append(rets, f(c.C)/prev-1)
			}
		}
		if grid && c.C.Cmp(lower) >= 0 && c.C.Cmp(upper) <= 0 {
			in++
		}
	}
	first, last := candles[0].C, candles[len(candles)-1].C
	s.First, s.Last, s.High, s.Low = first.String(), last.String(), high.String(), low.String()
	if ff := f(first); ff > 0 {
		s.ChangePct = round2((f(last)/ff - 1) * 100)
	}
	if fl := f(low); fl > 0 {
		s.RangePct = round2((f(high)/fl - 1) * 100)
	}
	s.AvgBarPct = round2(barSum / float64(len(candles)) * 100)
	s.VolatilityPct = round2(stdev(rets) * 100)
	// A move smaller than the typical noise over the window is no trend.
	noise := s.VolatilityPct * math.Sqrt(float64(max(len(rets), 1)))
	switch {
	case s.ChangePct > noise/2 && s.ChangePct > 0:
		s.Trend = "up"
	case s.ChangePct < -noise/2 && s.ChangePct < 0:
		s.Trend = "down"
	default:
		s.Trend = "sideways"
	}
	if grid {
		s.InRangePct = round2(float64(in) / float64(len(candles)) * 100)
	}
	return s
}

func stdev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var mean float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
