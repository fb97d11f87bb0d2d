package engine

import (
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

const (
	candleKeep = 240 // one-minute candles kept per symbol
	sparkLen   = 30
)

// marketState is the latest price and candles of each watched symbol and the stream's health.
type marketState struct {
	mu     sync.Mutex
	order  []string
	prices map[string]*priceState
	health Health
	dirty  bool
}

type priceState struct {
	last, bid, ask decimal.Decimal
	open24h        decimal.Decimal
	updated        time.Time
	candles        []exchange.Candle // one-minute, oldest first, history and live
	live           [len(timeframes)]series
	tape           tape
}

func newMarketState(symbols []string, exchangeName string) *marketState {
	m := &marketState{prices: map[string]*priceState{}, health: Health{Exchange: exchangeName, Stream: exchange.StreamConnecting}}
	for _, s := range symbols {
		if _, ok := m.prices[s]; !ok {
			m.order = append(m.order, s)
			m.prices[s] = &priceState{}
		}
	}
	return m
}

// onTick records a tick; it allocates only when a new candle starts.
func (m *marketState) onTick(t exchange.Tick, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prices[t.Symbol]
	if p == nil {
		return
	}
	if t.Bid.IsPos() {
		p.bid = t.Bid
	}
	if t.Ask.IsPos() {
		p.ask = t.Ask
	}
	price := strategy.RefPrice(t)
	if t.Last.IsPos() {
		p.last = t.Last
	} else if price.IsPos() && !p.last.IsPos() {
		p.last = price
	}
	ts := t.Time
	if ts.IsZero() {
		ts = now
	}
	p.updated = ts
	m.health.LastMessage = now
	m.dirty = true
	if tr, ok := tradeOf(t); ok {
		if tr.Time.IsZero() {
			tr.Time = ts
		}
		p.tape.add(tr)
	}
	if !price.IsPos() {
		return
	}
	p.addLive(ts.UTC(), price, t.Qty)
	minute := ts.UTC().Truncate(time.Minute)
	n := len(p.candles)
	if n > 0 && p.candles[n-1].Open.Equal(minute) {
		c := &p.candles[n-1]
		if price.Cmp(c.H) > 0 {
			c.H = price
		}
		if price.Cmp(c.L) < 0 {
			c.L = price
		}
		c.C = price
		if t.Qty.IsPos() {
			c.Volume, _ = c.Volume.Add(t.Qty)
		}
		return
	}
	if n > 0 && minute.Before(p.candles[n-1].Open) {
		return
	}
	if n >= candleKeep {
		copy(p.candles, p.candles[1:])
		p.candles = p.candles[:n-1]
	}
	p.candles = append(p.candles, exchange.Candle{Open: minute, O: price, H: price, L: price, C: price, Volume: t.Qty})
}

// setHistory seeds a symbol's candles and 24-hour reference price.
func (m *marketState) setHistory(symbol string, minutes []exchange.Candle, open24h decimal.Decimal) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prices[symbol]
	if p == nil {
		return
	}
	if len(minutes) > candleKeep {
		minutes = minutes[len(minutes)-candleKeep:]
	}
	// Keep candles built from ticks that are newer than the history.
	var newer []exchange.Candle
	if len(minutes) > 0 {
		lastOpen := minutes[len(minutes)-1].Open
		for _, c := range p.candles {
			if c.Open.After(lastOpen) {
				newer = append(newer, c)
			}
		}
	}
	p.candles = append(append(make([]exchange.Candle, 0, candleKeep), minutes...), newer...)
	if open24h.IsPos() {
		p.open24h = open24h
	}
	if !p.last.IsPos() && len(p.candles) > 0 {
		p.last = p.candles[len(p.candles)-1].C
	}
	m.dirty = true
}

// watched reports whether symbol is in the watchlist.
func (m *marketState) watched(symbol string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.prices[symbol] != nil
}

// add appends symbol to the watchlist; false when it was there already.
func (m *marketState) add(symbol string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prices[symbol] != nil {
		return false
	}
	m.order = append(m.order, symbol)
	m.prices[symbol] = &priceState{}
	m.dirty = true
	return true
}

// remove drops symbol from the watchlist; false when it was not there.
func (m *marketState) remove(symbol string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prices[symbol] == nil {
		return false
	}
	delete(m.prices, symbol)
	for i, s := range m.order {
		if s == symbol {
			m.order = append(m.order[:i:i], m.order[i+1:]...)
			break
		}
	}
	m.dirty = true
	return true
}

// lastPrices returns the latest price of every watched symbol that has one.
func (m *marketState) lastPrices() map[string]decimal.Decimal {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]decimal.Decimal, len(m.prices))
	for s, p := range m.prices {
		if p.last.IsPos() {
			out[s] = p.last
		}
	}
	return out
}

func (m *marketState) onConn(ev exchange.ConnEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.health.Stream = ev.State
	m.health.Reconnects = ev.Reconnects
	m.dirty = true
}

// last returns a symbol's latest price.
func (m *marketState) last(symbol string) decimal.Decimal {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.prices[symbol]; p != nil {
		return p.last
	}
	return decimal.Zero
}

func (m *marketState) candles(symbol string) []exchange.Candle {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.prices[symbol]
	if p == nil {
		return nil
	}
	return append([]exchange.Candle(nil), p.candles...)
}

// view returns the watchlist's prices and the health.
func (m *marketState) view() ([]PriceView, Health) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]PriceView, 0, len(m.order))
	for _, s := range m.order {
		p := m.prices[s]
		v := PriceView{Symbol: s, Last: p.last, Bid: p.bid, Ask: p.ask, Open24h: p.open24h, Updated: p.updated}
		if p.open24h.IsPos() && p.last.IsPos() {
			if d, err := p.last.Sub(p.open24h); err == nil {
				if q, err := d.Quo(p.open24h); err == nil {
					if pct, err := q.Mul(decimal.Hundred); err == nil {
						v.ChangePct = pct.Round(2)
					}
				}
			}
		}
		start := len(p.candles) - sparkLen
		if start < 0 {
			start = 0
		}
		for _, c := range p.candles[start:] {
			v.Spark = append(v.Spark, c.C)
		}
		out = append(out, v)
	}
	return out, m.health
}

// takeDirty reports whether anything changed since the last call.
func (m *marketState) takeDirty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dirty
	m.dirty = false
	return d
}

func (m *marketState) markDirty() {
	m.mu.Lock()
	m.dirty = true
	m.mu.Unlock()
}
