package fake

import (
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
)

// interval parses a kline interval Binance accepts (1M, calendar months, is not offered).
func interval(name string) (time.Duration, bool) {
	switch name {
	case "1s":
		return time.Second, true
	case "1m", "3m", "5m", "15m", "30m":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "m"))
		return time.Duration(n) * time.Minute, true
	case "1h", "2h", "4h", "6h", "8h", "12h":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "h"))
		return time.Duration(n) * time.Hour, true
	case "1d", "3d":
		n, _ := strconv.Atoi(strings.TrimSuffix(name, "d"))
		return time.Duration(n) * 24 * time.Hour, true
	case "1w":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}

// handleKlines serves candles: live 1m candles since the server started where it has them,
// and a deterministic synthetic history (a function of symbol and time) before that.
func (s *Server) handleKlines(w *statusWriter, p params) {
	symbol := p.get("symbol")
	if symbol == "" {
		s.writeError(w, errMandatory("symbol"))
		return
	}
	ivName := p.get("interval")
	if ivName == "" {
		s.writeError(w, errMandatory("interval"))
		return
	}
	iv, ok := interval(ivName)
	if !ok {
		s.writeError(w, badRequest(codeBadInterval, "Invalid interval."))
		return
	}
	limit, e := intParam(p, "limit", 500)
	if e == nil && (limit < 1 || limit > 1000) {
		e = badRequest(codeMandatory, "'limit' contains unexpected value. Cannot be greater than '1000'.")
	}
	startMS, e2 := intParam(p, "startTime", -1)
	endMS, e3 := intParam(p, "endTime", -1)
	for _, err := range []*apiError{e, e2, e3} {
		if err != nil {
			s.writeError(w, err)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[symbol]
	if !ok {
		s.writeError(w, errBadSymbol())
		return
	}
	now := s.now()
	last := now.Truncate(iv)
	if endMS >= 0 {
		if end := time.UnixMilli(endMS).UTC().Truncate(iv); end.Before(last) {
			last = end
		}
	}
	first := last.Add(-time.Duration(limit-1) * iv)
	if startMS >= 0 {
		first = time.UnixMilli(startMS).UTC()
		if t := first.Truncate(iv); !t.Equal(first) {
			first = t.Add(iv)
		}
		if l := first.Add(time.Duration(limit-1) * iv); l.Before(last) {
			last = l
		}
	}
	out := [][]any{}
	for t := first; !t.After(last); t = t.Add(iv) {
		out = append(out, s.kline(m, t, iv, now).row(iv))
	}
	writeJSON(w, http.StatusOK, out)
}

// kline returns the candle opening at t. Before the server started, candles are synthetic (a
// function of symbol and time, ending at the starting price); since then they are built from
// the live 1m candles, flat at the last close where nothing traded, and the candle holding now
// closes at the current price.
func (s *Server) kline(m *market, t time.Time, iv time.Duration, now time.Time) candle {
	if !t.Add(iv).After(m.start.Truncate(iv)) {
		return synthCandle(m, t, iv)
	}
	live := m.liveCandles(t, t.Add(iv))
	var c candle
	if len(live) == 0 {
		p := m.closeBefore(t)
		c = candle{open: t, o: p, h: p, l: p, c: p, first: -1, last: -1}
	} else {
		c = live[0]
		c.open = t
		for _, k := range live[1:] {
			c.h, c.l, c.c, c.n, c.last = c.h.Max(k.h), c.l.Min(k.l), k.c, c.n+k.n, k.last
			var x calc
			c.v, c.q = x.add(c.v, k.v), x.add(c.q, k.q)
			c.takerV, c.takerQ = x.add(c.takerV, k.takerV), x.add(c.takerQ, k.takerQ)
		}
	}
	if !now.Before(t) && now.Before(t.Add(iv)) {
		c.c = m.last
		c.h, c.l = c.h.Max(m.last), c.l.Min(m.last)
	}
	return c
}

// liveCandles returns the 1m candles with trades that open in [from, to), oldest first.
func (m *market) liveCandles(from, to time.Time) []candle {
	i := sort.Search(len(m.closed), func(i int) bool { return !m.closed[i].open.Before(from) })
	var out []candle
	for ; i < len(m.closed) && m.closed[i].open.Before(to); i++ {
		if m.closed[i].n > 0 {
			out = append(out, m.closed[i])
		}
	}
	if c := m.cur; c.n > 0 && !c.open.Before(from) && c.open.Before(to) {
		out = append(out, c)
	}
	return out
}

// closeBefore is the last close before t: the latest live candle opening before t, else the
// starting price.
func (m *market) closeBefore(t time.Time) decimal.Decimal {
	if m.cur.n > 0 && m.cur.open.Before(t) {
		return m.cur.c
	}
	i := sort.Search(len(m.closed), func(i int) bool { return !m.closed[i].open.Before(t) })
	for i--; i >= 0; i-- {
		if m.closed[i].n > 0 {
			return m.closed[i].c
		}
	}
	return m.startPrice
}

// synthCandle makes a plausible candle from a hash of symbol and time, in whole ticks within
// about 0.5% of the starting price; prices reach the starting price at the start.
func synthCandle(m *market, t time.Time, iv time.Duration) candle {
	tick := m.rules.TickSize
	span, err := m.startPrice.Quo(tick)
	maxTicks := int64(1)
	if err == nil {
		if n, _, ok := span.Trunc(0).Int64(0); ok {
			maxTicks = max(1, n/200)
		}
	}
	startCut := m.start.Truncate(iv)
	at := func(ts time.Time, salt string) decimal.Decimal {
		if !ts.Before(startCut) {
			return m.startPrice
		}
		h := fnv.New64a()
		h.Write([]byte(m.rules.Symbol + salt))
		h.Write([]byte(ts.Format(time.RFC3339Nano)))
		off := int64(h.Sum64()%uint64(2*maxTicks+1)) - maxTicks
		d, err := tick.Mul(decimal.MustNew(off, 0))
		if err != nil {
			return m.startPrice
		}
		p, err := m.startPrice.Add(d)
		if err != nil || !p.IsPos() {
			return m.startPrice
		}
		return p
	}
	o, c := at(t, ""), at(t.Add(iv), "")
	h := o.Max(c).Max(at(t, "h"))
	l := o.Min(c).Min(at(t, "l"))
	minutes := int64(iv/time.Minute) + 1
	var x calc
	v := x.mul(m.tradeQty, decimal.MustNew(minutes, 0))
	q := x.mul(v, c)
	return candle{open: t, o: o, h: h, l: l, c: c, v: v, q: q, n: int(minutes), first: -1, last: -1}
}

// row is a kline as Binance lists it.
func (c candle) row(iv time.Duration) []any {
	return []any{
		c.open.UnixMilli(), fmtDec(c.o), fmtDec(c.h), fmtDec(c.l), fmtDec(c.c), fmtDec(c.v),
		c.open.Add(iv).UnixMilli() - 1, fmtDec(c.q), c.n, fmtDec(c.takerV), fmtDec(c.takerQ), "0",
	}
}
