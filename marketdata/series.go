package marketdata

import (
	"context"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Gap is a stretch of missing candles: From is the open time of the first missing one, To of
// the next candle present.
type Gap struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Missing int       `json:"missing"`
}

// Gaps lists the missing candles between the first and the last of cs (sorted, interval iv).
func Gaps(cs []exchange.Candle, iv time.Duration) []Gap {
	var out []Gap
	for i := 1; i < len(cs); i++ {
		want := cs[i-1].Open.Add(iv)
		if cs[i].Open.After(want) {
			out = append(out, Gap{From: want, To: cs[i].Open, Missing: int(cs[i].Open.Sub(want) / iv)})
		}
	}
	return out
}

// Series is what is stored for one symbol at one interval.
type Series struct {
	Symbol   string        `json:"symbol"`
	Interval time.Duration `json:"-"`
	First    time.Time     `json:"first"` // open time of the first candle
	Last     time.Time     `json:"last"`  // open time of the last candle
	Candles  int           `json:"candles"`
	Gaps     []Gap         `json:"gaps"`
	Bytes    int64         `json:"bytes"` // encoded size, without SQLite's overhead
}

// List describes every stored series, by symbol then interval, with its gaps.
func (s *Store) List(ctx context.Context) ([]Series, error) {
	out, err := s.Spans(ctx, "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		cs, err := s.Load(ctx, out[i].Symbol, out[i].Interval, out[i].First, time.Time{})
		if err != nil {
			return nil, err
		}
		out[i].Gaps = Gaps(cs, out[i].Interval)
	}
	return out, nil
}

// Spans describes the stored series of symbol (every symbol when empty) without their gaps:
// one query, no candle read, for a caller that only needs the ranges.
func (s *Store) Spans(ctx context.Context, symbol string) ([]Series, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT symbol, interval_ms, min(first_ms), max(last_ms), sum(n), sum(length(data))
		FROM candle_chunks WHERE ? = '' OR symbol = ? GROUP BY symbol, interval_ms ORDER BY symbol, interval_ms`, symbol, symbol)
	if err != nil {
		return nil, fmt.Errorf("marketdata: listing candles: %w", err)
	}
	defer rows.Close()
	var out []Series
	for rows.Next() {
		var sr Series
		var ivMS, first, last int64
		if err := rows.Scan(&sr.Symbol, &ivMS, &first, &last, &sr.Candles, &sr.Bytes); err != nil {
			return nil, fmt.Errorf("marketdata: listing candles: %w", err)
		}
		sr.Interval = time.Duration(ivMS) * time.Millisecond
		sr.First, sr.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
		out = append(out, sr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("marketdata: listing candles: %w", err)
	}
	return out, nil
}

// IntervalName spells an interval the way Binance names it (1m, 4h, 1d), or as a Go duration
// when Binance has no name for it.
func IntervalName(iv time.Duration) string {
	for name, d := range intervals() {
		if d == iv {
			return name
		}
	}
	return iv.String()
}

// ParseInterval reads a Binance interval name (1s, 1m, 3m, ..., 1d, 3d, 1w).
func ParseInterval(name string) (time.Duration, error) {
	if d, ok := intervals()[name]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("marketdata: interval %q must be one of 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w", name)
}

// intervals are the interval names Binance uses.
func intervals() map[string]time.Duration {
	return map[string]time.Duration{
		"1s": time.Second, "1m": time.Minute, "3m": 3 * time.Minute, "5m": 5 * time.Minute, "15m": 15 * time.Minute,
		"30m": 30 * time.Minute, "1h": time.Hour, "2h": 2 * time.Hour, "4h": 4 * time.Hour, "6h": 6 * time.Hour,
		"8h": 8 * time.Hour, "12h": 12 * time.Hour, "1d": 24 * time.Hour, "3d": 72 * time.Hour, "1w": 7 * 24 * time.Hour,
	}
}
