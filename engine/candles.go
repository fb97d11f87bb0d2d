package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// timeframes are the chart intervals the engine aggregates live, shortest first.
var timeframes = [...]time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}

const (
	// liveKeep is how many candles per timeframe the engine builds from ticks and keeps.
	liveKeep = 500
	// maxCandlesAt bounds CandlesAt's limit, as the exchanges' klines endpoints do.
	maxCandlesAt = 1000
	// defaultCandlesAt is CandlesAt's limit when none is given.
	defaultCandlesAt = 300
)

// Timeframes returns the chart intervals CandlesAt serves: 1m, 5m, 15m, 1h, 4h and 1d.
func Timeframes() []time.Duration { return timeframes[:] }

// tfIndex returns the position of tf in timeframes.
func tfIndex(tf time.Duration) (int, bool) {
	for i, d := range timeframes {
		if d == tf {
			return i, true
		}
	}
	return 0, false
}

// series is one timeframe's candles built from ticks, oldest first. Guarded by marketState.mu.
type series struct {
	candles []exchange.Candle
}

// add folds a price (and a traded quantity, zero for a quote update) into the candle of the
// bucket ts falls in. It allocates only for the series' first candle: when full, the oldest
// candle gives way in place.
func (s *series) add(ts time.Time, tf time.Duration, price, qty decimal.Decimal) {
	open := ts.Truncate(tf) // UTC buckets: Truncate counts from the zero time, a UTC midnight
	n := len(s.candles)
	if n > 0 {
		c := &s.candles[n-1]
		switch {
		case c.Open.Equal(open):
			c.H = c.H.Max(price)
			c.L = c.L.Min(price)
			c.C = price
			if qty.IsPos() {
				if v, err := c.Volume.Add(qty); err == nil {
					c.Volume = v
				}
			}
			return
		case open.Before(c.Open):
			return // late tick for a closed bucket: the exchange's history has it
		}
	}
	if s.candles == nil {
		s.candles = make([]exchange.Candle, 0, liveKeep)
	}
	if n == liveKeep {
		copy(s.candles, s.candles[1:])
		s.candles = s.candles[:n-1]
	}
	vol := decimal.Zero
	if qty.IsPos() {
		vol = qty
	}
	s.candles = append(s.candles, exchange.Candle{Open: open, O: price, H: price, L: price, C: price, Volume: vol})
}

// fold merges a closed candle of a shorter timeframe into the bucket of tf it falls in.
func (s *series) fold(c exchange.Candle, tf time.Duration) {
	open := c.Open.Truncate(tf)
	n := len(s.candles)
	if n > 0 {
		last := &s.candles[n-1]
		switch {
		case last.Open.Equal(open):
			foldInto(last, c)
			return
		case open.Before(last.Open):
			return
		}
	}
	if s.candles == nil {
		s.candles = make([]exchange.Candle, 0, liveKeep)
	}
	if n == liveKeep {
		copy(s.candles, s.candles[1:])
		s.candles = s.candles[:n-1]
	}
	c.Open = open
	s.candles = append(s.candles, c)
}

// foldInto extends dst (the earlier part of a bucket) with c (a later part).
func foldInto(dst *exchange.Candle, c exchange.Candle) {
	dst.H = dst.H.Max(c.H)
	dst.L = dst.L.Min(c.L)
	dst.C = c.C
	if v, err := dst.Volume.Add(c.Volume); err == nil {
		dst.Volume = v
	}
}

// addLive records a tick in the one-minute series. The longer timeframes take each minute
// when it closes, so a tick costs one candle update, not six; liveCandles adds the minute in
// progress when they are read.
func (p *priceState) addLive(ts time.Time, price, qty decimal.Decimal) {
	one := &p.live[0]
	n := len(one.candles)
	var closed exchange.Candle
	rolled := n > 0 && !ts.Truncate(time.Minute).Equal(one.candles[n-1].Open) && ts.After(one.candles[n-1].Open)
	if rolled {
		closed = one.candles[n-1]
	}
	one.add(ts, time.Minute, price, qty)
	if rolled {
		for i := 1; i < len(timeframes); i++ {
			p.live[i].fold(closed, timeframes[i])
		}
	}
}

// liveCandles returns the live candles of timeframe idx in a new slice, the minute in
// progress included. The caller holds marketState.mu.
func (p *priceState) liveCandles(idx int) []exchange.Candle {
	one := p.live[0].candles
	if idx == 0 {
		return append([]exchange.Candle(nil), one...)
	}
	s := series{candles: append(make([]exchange.Candle, 0, len(p.live[idx].candles)+1), p.live[idx].candles...)}
	if len(one) > 0 {
		cur := one[len(one)-1]
		n := len(s.candles)
		open := cur.Open.Truncate(timeframes[idx])
		switch {
		case n > 0 && s.candles[n-1].Open.Equal(open):
			foldInto(&s.candles[n-1], cur)
		case n == 0 || open.After(s.candles[n-1].Open):
			cur.Open = open
			s.candles = append(s.candles, cur)
		}
	}
	return s.candles
}

// volumeAt is the volume the series holds for the candle opening at open.
func (s *series) volumeAt(open time.Time) decimal.Decimal {
	for i := len(s.candles) - 1; i >= 0; i-- {
		if s.candles[i].Open.Equal(open) {
			return s.candles[i].Volume
		}
	}
	return decimal.Zero
}

// history caches the exchange's candles per symbol and timeframe, so a chart redrawn ten
// times a second asks the exchange only when what it has no longer meets the live candles.
type history struct {
	mu      sync.Mutex
	entries map[histKey]*histEntry
}

type histKey struct {
	symbol string
	tf     time.Duration
}

type histEntry struct {
	candles   []exchange.Candle // oldest first, ending with the bucket in progress when fetched
	fetched   time.Time         // engine clock
	liveVolAt decimal.Decimal   // the live series' volume of the last bucket when fetched
	asked     int               // the limit asked for: a shorter answer is all there is
}

// CandlesAt returns up to limit candles of a watched symbol at timeframe tf (one of
// Timeframes), oldest first, ending with the candle in progress; each carries its volume.
// The history comes from the market's klines (cached, refetched as it ages) and the newest
// candles from the engine's own aggregation of ticks, so the last candle moves with every
// tick. limit 0 means 300; more than 1000 is capped. When the history cannot be read, the
// live candles come back together with the error.
func (e *Engine) CandlesAt(ctx context.Context, symbol string, tf time.Duration, limit int) ([]exchange.Candle, error) {
	idx, ok := tfIndex(tf)
	if !ok {
		return nil, fmt.Errorf("engine: timeframe %s is not offered: use 1m, 5m, 15m, 1h, 4h or 1d", tf)
	}
	if limit <= 0 {
		limit = defaultCandlesAt
	}
	limit = min(limit, maxCandlesAt)
	if !e.mkt.watched(symbol) {
		return nil, fmt.Errorf("engine: %s is not in the watchlist", symbol)
	}
	h, err := e.historyFor(ctx, symbol, tf, idx, limit)
	e.mkt.mu.Lock()
	var live []exchange.Candle
	if p := e.mkt.prices[symbol]; p != nil {
		live = p.liveCandles(idx)
	}
	out := mergeCandles(h.candles, h.liveVolAt, live, limit)
	e.mkt.mu.Unlock()
	return out, err
}

// historyFor returns the cached history of symbol at tf, fetching it when missing, too short
// for limit, or when the live candles no longer reach back to its last bucket (they keep
// liveKeep candles, and a fast simulated market fills them in seconds), which would leave a
// gap between the two.
func (e *Engine) historyFor(ctx context.Context, symbol string, tf time.Duration, idx, limit int) (histEntry, error) {
	key := histKey{symbol, tf}
	now := e.now()
	e.hist.mu.Lock()
	h := e.hist.entries[key]
	e.hist.mu.Unlock()
	if h != nil && h.asked >= limit && !e.liveGap(symbol, idx, h) {
		return *h, nil
	}
	cs, err := e.cfg.Market.Candles(ctx, symbol, tf, limit)
	if err != nil {
		if h != nil {
			return *h, fmt.Errorf("engine: refreshing %s candles of %s: %w", tf, symbol, err)
		}
		return histEntry{}, fmt.Errorf("engine: reading %s candles of %s: %w", tf, symbol, err)
	}
	fresh := &histEntry{candles: cs, fetched: now, asked: limit}
	if len(cs) > 0 {
		e.mkt.mu.Lock()
		if p := e.mkt.prices[symbol]; p != nil {
			live := series{candles: p.liveCandles(idx)}
			fresh.liveVolAt = live.volumeAt(cs[len(cs)-1].Open)
		}
		e.mkt.mu.Unlock()
	}
	e.hist.mu.Lock()
	if e.hist.entries == nil {
		e.hist.entries = map[histKey]*histEntry{}
	}
	e.hist.entries[key] = fresh
	e.hist.mu.Unlock()
	return *fresh, nil
}

// liveGap reports whether candles were built since h was fetched that do not join it: the
// oldest live candle is newer than the history's last bucket.
func (e *Engine) liveGap(symbol string, idx int, h *histEntry) bool {
	if len(h.candles) == 0 {
		return false // nothing to join: the live candles stand alone
	}
	last := h.candles[len(h.candles)-1].Open
	e.mkt.mu.Lock()
	defer e.mkt.mu.Unlock()
	p := e.mkt.prices[symbol]
	if p == nil {
		return false
	}
	// The oldest live candle of any timeframe starts with the oldest minute kept.
	first := p.live[idx].candles
	if len(first) == 0 {
		first = p.live[0].candles
	}
	if len(first) == 0 {
		return false
	}
	return first[0].Open.Truncate(timeframes[idx]).After(last)
}

// mergeCandles joins history (oldest first, its last candle the bucket in progress when it
// was fetched) and live candles built from ticks into a new slice of at most limit candles.
// The bucket both hold keeps the history's open, the extremes of both, the live close, and
// the history's volume plus what traded since the fetch (liveVolAt is what the live candle
// had counted then). Live candles older than that bucket are left out: the history has them
// whole, the live ones only from the engine's start.
func mergeCandles(hist []exchange.Candle, liveVolAt decimal.Decimal, live []exchange.Candle, limit int) []exchange.Candle {
	out := make([]exchange.Candle, 0, min(len(hist)+len(live), limit+1))
	out = append(out, hist...)
	var lastOpen time.Time
	if len(hist) > 0 {
		lastOpen = hist[len(hist)-1].Open
	}
	for _, c := range live {
		switch {
		case len(hist) > 0 && c.Open.Before(lastOpen):
			continue
		case len(hist) > 0 && c.Open.Equal(lastOpen):
			m := &out[len(out)-1]
			m.H = m.H.Max(c.H)
			m.L = m.L.Min(c.L)
			m.C = c.C
			if extra, err := c.Volume.Sub(liveVolAt); err == nil && extra.IsPos() {
				if v, err := m.Volume.Add(extra); err == nil {
					m.Volume = v
				}
			}
		default:
			out = append(out, c)
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}
