package paper

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// touch is the price an order of side trades at now: the ask for a buy, the bid for a sell,
// the last trade when the feed carries no book. Zero when nothing is known.
func (q quote) touch(side exchange.Side) decimal.Decimal {
	p := q.bid
	if side == exchange.Buy {
		p = q.ask
	}
	if p.IsPos() {
		return p
	}
	return q.last
}

// crosses reports whether an order of side at limit can trade at price touch.
func crosses(side exchange.Side, limit, touch decimal.Decimal) bool {
	if side == exchange.Buy {
		return touch.Cmp(limit) <= 0
	}
	return touch.Cmp(limit) >= 0
}

// book holds one symbol's resting orders, oldest first, with the best prices among them so a
// tick that crosses nothing costs two comparisons.
type book struct {
	orders          []*order
	maxBuy, minSell decimal.Decimal
	hasBuy, hasSell bool
}

func (b *book) crossed(q quote) bool {
	if b.hasBuy {
		if t := q.touch(exchange.Buy); t.IsPos() && crosses(exchange.Buy, b.maxBuy, t) {
			return true
		}
	}
	if b.hasSell {
		if t := q.touch(exchange.Sell); t.IsPos() && crosses(exchange.Sell, b.minSell, t) {
			return true
		}
	}
	return false
}

func (b *book) recompute() {
	b.hasBuy, b.hasSell = false, false
	for _, o := range b.orders {
		if o.Side == exchange.Buy {
			if !b.hasBuy || o.Price.Cmp(b.maxBuy) > 0 {
				b.maxBuy, b.hasBuy = o.Price, true
			}
		} else if !b.hasSell || o.Price.Cmp(b.minSell) < 0 {
			b.minSell, b.hasSell = o.Price, true
		}
	}
}

// rest puts o on its symbol's book. The caller holds a.mu.
func (a *Account) rest(o *order) {
	a.open[o.ClientID] = o
	b := a.books[o.Symbol]
	if b == nil {
		b = &book{}
		a.books[o.Symbol] = b
	}
	b.orders = append(b.orders, o)
	b.recompute()
}

// unrest takes o off its book. The caller holds a.mu.
func (a *Account) unrest(o *order) {
	delete(a.open, o.ClientID)
	b := a.books[o.Symbol]
	if b == nil {
		return
	}
	b.orders = slices.DeleteFunc(b.orders, func(x *order) bool { return x == o })
	if len(b.orders) == 0 {
		delete(a.books, o.Symbol)
		return
	}
	b.recompute()
}

func sortByID(os []exchange.Order) {
	slices.SortFunc(os, func(x, y exchange.Order) int { return cmp.Compare(x.ExchangeID, y.ExchangeID) })
}

// OnTick takes a market update: it keeps the latest bid, ask and last of the symbol (fields the
// tick does not carry keep their previous value) and fills, at their own price, the resting
// orders the new prices cross, oldest first. A fill that cannot be saved leaves its order
// resting, to be tried again on the next tick, and is reported to Options.Logger.
func (a *Account) OnTick(t exchange.Tick) {
	a.onTick(t, decimal.Decimal{}, false)
}

func (a *Account) onTick(t exchange.Tick, volume decimal.Decimal, limited bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	q := a.prices[t.Symbol]
	if t.Bid.IsPos() {
		q.bid = t.Bid
	}
	if t.Ask.IsPos() {
		q.ask = t.Ask
	}
	if t.Last.IsPos() {
		q.last = t.Last
	}
	a.prices[t.Symbol] = q
	b := a.books[t.Symbol]
	if b == nil || !b.crossed(q) {
		return
	}
	crossed := a.hot.crossed[:0]
	for _, o := range b.orders {
		if crosses(o.Side, o.Price, q.touch(o.Side)) {
			crossed = append(crossed, o)
		}
	}
	a.hot.crossed = crossed
	if limited {
		a.fillUpTo(t.Symbol, crossed, volume)
		return
	}
	// One transaction for the whole tick; should it fail, order by order so that one order's
	// problem does not hold the others back.
	if err := a.fillResting(crossed); err == nil || len(crossed) == 1 {
		a.warnUnfilled(crossed, err)
		return
	}
	for _, o := range crossed {
		a.warnUnfilled([]*order{o}, a.fillResting([]*order{o}))
	}
}

func (a *Account) warnUnfilled(os []*order, err error) {
	if err == nil {
		return
	}
	for _, o := range os {
		a.log.Warn("paper: a crossed order could not be filled; it stays open and is retried on the next tick",
			"account", a.name, "symbol", o.Symbol, "client_id", o.ClientID, "err", err)
	}
}

// fillResting fills resting orders in full at their own price, spending what they locked, and
// saves them together.
func (a *Account) fillResting(os []*order) error {
	l := ledger{}
	cs := a.hot.changes[:0]
	for _, o := range os {
		if err := l.unlock(a, o.lockAsset, o.lockAmount, false); err != nil {
			return err
		}
		next := new(order)
		*next = *o
		next.lockAmount = decimal.Decimal{}
		fill, err := a.settle(l, next, o.Price)
		if err != nil {
			return err
		}
		cs = append(cs, change{o: next, fill: fill, filled: true})
	}
	a.hot.changes = cs
	if err := a.commit(a.life, l, cs...); err != nil {
		return err
	}
	for _, o := range os {
		a.unrest(o)
	}
	return nil
}

// fillNow fills a new order in full at price, paying from free balances, and saves it.
func (a *Account) fillNow(ctx context.Context, o *order, price decimal.Decimal) error {
	l := ledger{}
	if o.Side == exchange.Buy {
		cost, err := price.Mul(o.Quantity)
		if err != nil {
			return fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, price, exchange.ErrFilter)
		}
		if err := l.debit(a, o.quote, cost); err != nil {
			return err
		}
	} else if err := l.debit(a, o.base, o.Quantity); err != nil {
		return err
	}
	fill, err := a.settle(l, o, price)
	if err != nil {
		return err
	}
	return a.commit(ctx, l, change{o: o, insert: true, fill: fill, filled: true})
}

// settle marks o filled in full at price, credits what it receives net of the fee to l and
// returns the fill (without trade id). What o pays must already be in l.
func (a *Account) settle(l ledger, o *order, price decimal.Decimal) (exchange.Fill, error) {
	value, err := price.Mul(o.Quantity)
	if err != nil {
		return exchange.Fill{}, fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, price, exchange.ErrFilter)
	}
	gross, asset := o.Quantity, o.base
	if o.Side == exchange.Sell {
		gross, asset = value, o.quote
	}
	fee, err := gross.Mul(a.fee)
	if err != nil {
		return exchange.Fill{}, fmt.Errorf("paper: fee on %s: %w", gross, exchange.ErrRejected)
	}
	net, err := gross.Sub(fee)
	if err != nil {
		return exchange.Fill{}, fmt.Errorf("paper: fee on %s: %w", gross, exchange.ErrRejected)
	}
	if err := l.credit(a, asset, net); err != nil {
		return exchange.Fill{}, err
	}
	now := a.now().UTC()
	o.Status = exchange.StatusFilled
	o.ExecutedQty = o.Quantity
	o.QuoteQty = value.Trim(0)
	o.Updated = now
	return exchange.Fill{
		ClientID: o.ClientID, Symbol: o.Symbol, Side: o.Side, Price: price.Trim(0), Qty: o.Quantity,
		Fee: fee.Trim(0), FeeAsset: asset, Time: now,
	}, nil
}

// change is one order's new state for commit: inserted or updated, with the fill that caused
// it when filled is set.
type change struct {
	o      *order
	insert bool
	filled bool
	fill   exchange.Fill
}

// commit saves order changes, their fills and the balances they moved in one transaction, then
// makes the balances the account's and reports the changes on the update stream. The caller
// holds a.mu and updates the books.
func (a *Account) commit(ctx context.Context, l ledger, cs ...change) error {
	if err := a.save(ctx, l, cs); err != nil {
		return err
	}
	l.apply(a)
	for i := range cs {
		c := &cs[i]
		c.o.Fills = nil
		if c.filled {
			// A synchronous reader borrows the fill for the call (Options.OnUpdate); the
			// order keeps it until its caller has answered (PlaceOrder copies it).
			a.hot.fill[0] = c.fill
			c.o.Fills = a.hot.fill[:1:1]
		}
		if a.onUpdate != nil {
			a.onUpdate(c.o.Order)
		} else {
			a.upd.push(c.o.snapshot())
		}
	}
	return nil
}

// save writes order changes, their fills and the balances they moved in one transaction; a
// memory account numbers them and keeps them instead (open orders only with ForgetFinal).
func (a *Account) save(ctx context.Context, l ledger, cs []change) error {
	if a.db == nil {
		for i := range cs {
			c := &cs[i]
			if c.insert {
				a.seq.order++
				c.o.ExchangeID = a.seq.order
			}
			if c.filled {
				a.seq.trade++
				c.fill.TradeID = a.seq.trade
			}
			if a.forget && c.o.Status != exchange.StatusNew && c.o.Status != exchange.StatusPartiallyFilled {
				delete(a.mem, c.o.ClientID)
				continue
			}
			m := a.mem[c.o.ClientID]
			if m == nil {
				m = a.hot.mem.take()
				a.mem[c.o.ClientID] = m
			}
			m.o = c.o.Order
			m.o.Fills = nil
			if c.filled {
				if m.fills == nil {
					m.fills = a.hot.fills.one(c.fill)
				} else {
					m.fills = append(m.fills, c.fill)
				}
			}
		}
		return nil
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("paper: saving orders: %w", err)
	}
	defer tx.Rollback()
	for i := range cs {
		c := &cs[i]
		if c.insert {
			err = insertOrder(ctx, tx, a.name, c.o)
		} else {
			err = updateOrder(ctx, tx, c.o)
		}
		if err != nil {
			return err
		}
		if c.filled {
			if err := insertFill(ctx, tx, a.name, c.o.ExchangeID, &c.fill); err != nil {
				return err
			}
		}
	}
	if err := l.save(ctx, tx, a.name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("paper: saving orders: %w", err)
	}
	return nil
}
