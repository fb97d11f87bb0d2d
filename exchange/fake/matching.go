package fake

import (
	"net/http"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// calc chains decimal arithmetic, keeping the first overflow error.
type calc struct{ err error }

func (c *calc) keep(d decimal.Decimal, err error) decimal.Decimal {
	if err != nil && c.err == nil {
		c.err = err
	}
	return d
}

func (c *calc) add(a, b decimal.Decimal) decimal.Decimal { return c.keep(a.Add(b)) }
func (c *calc) sub(a, b decimal.Decimal) decimal.Decimal { return c.keep(a.Sub(b)) }
func (c *calc) mul(a, b decimal.Decimal) decimal.Decimal { return c.keep(a.Mul(b)) }

// fill executes qty of o at price: moves balances (from the lock for limit orders, from free
// for market orders), takes the commission from the asset received, prints the trade and
// updates the order. Runs with s.mu held.
func (s *Server) fill(m *market, o *order, qty, price decimal.Decimal, maker bool, now time.Time) (trade, *apiError) {
	a := o.acct
	base, quote := a.bal(m.rules.Base), a.bal(m.rules.Quote)
	var c calc
	quoteQty := c.mul(price, qty)
	// Work on copies; commit only when every step succeeded.
	bFree, bLocked, qFree, qLocked, locked := base.free, base.locked, quote.free, quote.locked, o.locked
	var fee decimal.Decimal
	var feeAsset string
	if o.side == exchange.Buy {
		if o.typ == exchange.Limit {
			qLocked, locked = c.sub(qLocked, quoteQty), c.sub(locked, quoteQty)
		} else {
			qFree = c.sub(qFree, quoteQty)
		}
		fee, feeAsset = c.mul(qty, s.fee).Round(8), m.rules.Base
		bFree = c.add(bFree, c.sub(qty, fee))
	} else {
		if o.typ == exchange.Limit {
			bLocked, locked = c.sub(bLocked, qty), c.sub(locked, qty)
		} else {
			bFree = c.sub(bFree, qty)
		}
		fee, feeAsset = c.mul(quoteQty, s.fee).Round(8), m.rules.Quote
		qFree = c.add(qFree, c.sub(quoteQty, fee))
	}
	executed, cum := c.add(o.executed, qty), c.add(o.cumQuote, quoteQty)
	if c.err != nil || qFree.IsNeg() || bFree.IsNeg() {
		return trade{}, &apiError{status: http.StatusBadRequest, code: codeNewOrderRejected, msg: "Account has insufficient balance for requested action."}
	}
	base.free, base.locked, quote.free, quote.locked, o.locked = bFree, bLocked, qFree, qLocked, locked
	o.executed, o.cumQuote, o.updated = executed, cum, now
	o.status = exchange.StatusPartiallyFilled
	if o.executed.Cmp(o.origQty) >= 0 {
		o.status = exchange.StatusFilled
		s.release(o)
	}
	// Binance's "m": the buyer was the maker.
	buyerMaker := maker == (o.side == exchange.Buy)
	id := s.printTrade(m, price, qty, buyerMaker, now)
	t := trade{id: id, orderID: o.id, symbol: o.symbol, side: o.side, price: price, qty: qty, quoteQty: quoteQty, fee: fee, feeAsset: feeAsset, time: now, maker: maker}
	a.trades = append(a.trades, t)
	s.executionReport(o, "TRADE", &t, "")
	s.accountPosition(a, m.rules.Base, m.rules.Quote)
	return t, nil
}

// release returns whatever an order still has locked to the free balance.
func (s *Server) release(o *order) {
	if o.lockAsset == "" || o.locked.IsZero() {
		return
	}
	b := o.acct.bal(o.lockAsset)
	var c calc
	free, locked := c.add(b.free, o.locked), c.sub(b.locked, o.locked)
	if c.err == nil {
		b.free, b.locked = free, locked
	}
	o.locked = decimal.Decimal{}
}

// matchResting fills resting orders that the current bid/ask crosses, at their limit price.
func (s *Server) matchResting(m *market, now time.Time) {
	kept := m.resting[:0]
	for _, o := range m.resting {
		if o.open() && s.crossed(m, o) {
			qty, err := o.origQty.Sub(o.executed)
			if err == nil && s.takeLocked(&s.faults.partialNext) {
				if half, err := qty.Quo(decimal.MustNew(2, 0)); err == nil {
					if h := m.rules.RoundQty(half, exchange.Limit); h.IsPos() {
						qty = h
					}
				}
			}
			if err == nil {
				_, _ = s.fill(m, o, qty, o.price, true, now)
			}
		}
		if o.open() {
			kept = append(kept, o)
		}
	}
	for i := len(kept); i < len(m.resting); i++ {
		m.resting[i] = nil
	}
	m.resting = kept
}

func (s *Server) crossed(m *market, o *order) bool {
	if o.side == exchange.Buy {
		return m.ask.Cmp(o.price) <= 0
	}
	return m.bid.Cmp(o.price) >= 0
}

// cancel cancels an open order and unlocks its funds; cancelID is the cancel request's client
// order id.
func (s *Server) cancel(o *order, cancelID string, now time.Time) {
	o.status, o.updated = exchange.StatusCanceled, now
	s.release(o)
	s.executionReport(o, "CANCELED", nil, cancelID)
	s.accountPosition(o.acct, o.lockAsset)
	m := s.markets[o.symbol]
	for i, r := range m.resting {
		if r == o {
			m.resting = append(m.resting[:i], m.resting[i+1:]...)
			break
		}
	}
}
