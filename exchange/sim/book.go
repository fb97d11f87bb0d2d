package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// BookInterval is how often StreamBooks publishes a symbol's book when its price moved, as
// Binance's <symbol>@depth20@100ms does.
const BookInterval = 100 * time.Millisecond

const bookBuffer = 64

// Book returns the order book of symbol around its latest tick: the tick's best bid and ask
// with their sizes on top, then exchange.BookDepth levels a side, a tick or a few apart, with
// sizes that grow away from the touch. The same tick always gives the same book; before the
// first tick the book sits around the start price.
func (m *Market) Book(symbol string) (exchange.Book, error) {
	s, err := m.symbol(symbol)
	if err != nil {
		return exchange.Book{}, err
	}
	var b exchange.Book
	var src rand.PCG
	m.bookOf(s, &b, &src, rand.New(&src))
	return b, nil
}

// bookOf fills b with s's book around its latest tick, reseeding src (rng's source) from the
// tick so the same tick gives the same book without a new generator per book.
func (m *Market) bookOf(s *symState, b *exchange.Book, src *rand.PCG, rng *rand.Rand) {
	s.mu.Lock()
	t, k, logp := s.latest, s.k, s.logp
	s.mu.Unlock()
	mid := math.Exp(logp)
	bid, ask := s.tick.units(mid)-1, s.tick.units(mid)+1
	bidQty, askQty := s.step.times(1), s.step.times(1)
	if t.Bid.IsPos() && t.Ask.IsPos() {
		bid, ask = decimalUnits(t.Bid, s.tick), decimalUnits(t.Ask, s.tick)
		bidQty, askQty = t.BidQty, t.AskQty
		if f, ok := t.Bid.Float64(); ok {
			mid = f
		}
	}
	bid, ask = max(bid, 1), max(ask, bid+1)
	src.Seed(uint64(m.opts.Seed)^0x6a09e667f3bcc909, symbolHash(s.name)^uint64(k)^uint64(t.Time.UnixNano()))
	avgQuote := s.spec.dailyQuote / (m.opts.TickRate * 86400) * volumePattern(t.Time)
	*b = exchange.Book{Symbol: s.name, UpdateID: k, Time: t.Time, NBids: 0, NAsks: 0}
	size := func(i int) decimal.Decimal {
		// Resting size grows away from the touch, with lognormal noise.
		return s.step.times(s.step.units(3 * avgQuote * (1 + 0.35*float64(i)) * math.Exp(0.7*rng.NormFloat64()-0.25) / mid))
	}
	for i := range exchange.BookDepth {
		qb, qa := bidQty, askQty
		if i > 0 || !qb.IsPos() {
			qb = size(i)
		}
		if i > 0 || !qa.IsPos() {
			qa = size(i)
		}
		if bid >= 1 {
			b.Bids[b.NBids] = exchange.Level{Price: s.tick.times(bid), Qty: qb}
			b.NBids++
		}
		b.Asks[b.NAsks] = exchange.Level{Price: s.tick.times(ask), Qty: qa}
		b.NAsks++
		// Gaps of one to three ticks: a thin book away from the touch.
		bid -= 1 + int64(rng.IntN(3))
		ask += 1 + int64(rng.IntN(3))
	}
}

// decimalUnits is d as a whole number of units (d is on the unit's grid).
func decimalUnits(d decimal.Decimal, u unit) int64 {
	q, err := d.Quo(decimal.MustNew(u.coef, u.scale))
	if err != nil {
		return 1
	}
	n, _, ok := q.Round(0).Int64(0)
	if !ok {
		return 1
	}
	return n
}

// StreamBooks publishes the book of each symbol every BookInterval while its price moves,
// until ctx ends; then both channels close. The books follow the ticks Stream delivers. A
// reader that falls behind misses books (the next one replaces them), never blocks the walk.
func (m *Market) StreamBooks(ctx context.Context, symbols []string) (<-chan exchange.Book, <-chan exchange.ConnEvent, error) {
	syms, err := m.symbols(symbols)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	books := make(chan exchange.Book, bookBuffer)
	events := make(chan exchange.ConnEvent, 2)
	events <- exchange.ConnEvent{State: exchange.StreamLive, Time: m.now()}
	go func() {
		defer func() {
			events <- exchange.ConnEvent{State: exchange.StreamClosed, Err: ctx.Err(), Time: m.now()}
			close(books)
			close(events)
		}()
		sent := make([]time.Time, len(syms)) // the tick time of the last book sent per symbol
		first := make([]bool, len(syms))
		t := time.NewTicker(BookInterval)
		defer t.Stop()
		var b exchange.Book
		var src rand.PCG
		rng := rand.New(&src)
		for {
			for i, s := range syms {
				s.mu.Lock()
				at := s.latest.Time
				s.mu.Unlock()
				if first[i] && at.Equal(sent[i]) {
					continue
				}
				m.bookOf(s, &b, &src, rng)
				select {
				case books <- b:
					sent[i], first[i] = at, true
				default: // the reader is behind: this book is dropped, the next replaces it
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return books, events, nil
}
