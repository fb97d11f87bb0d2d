package paper

import (
	"cmp"
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
// orders the new prices cross, oldest first. It never waits on the disk: a saved account's
// fills are queued for its writer and reported on OrderUpdates once saved. A fill that cannot
// be made or saved leaves its order resting, to be tried again on a later tick, and is
// reported to Options.Logger.
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
	var crossed []*order
	for _, o := range b.orders {
		if crosses(o.Side, o.Price, q.touch(o.Side)) {
			crossed = append(crossed, o)
		}
	}
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
	cs := make([]change, 0, len(os))
	for _, o := range os {
		if err := l.unlock(a, o.lockAsset, o.lockAmount, false); err != nil {
			return err
		}
		next := *o
		next.lockAmount = decimal.Decimal{}
		if err := a.settle(l, &next, o.Price); err != nil {
			return err
		}
		fill := next.Fills[0]
		next.Fills = nil
		cs = append(cs, change{o: &next, fill: &fill})
	}
	a.commit(l, nil, cs...)
	for _, o := range os {
		a.unrest(o)
	}
	return nil
}

// fillNow fills a new order in full at price, paying from free balances, and saves it.
func (a *Account) fillNow(o *order, price decimal.Decimal) (*job, error) {
	l := ledger{}
	if o.Side == exchange.Buy {
		cost, err := price.Mul(o.Quantity)
		if err != nil {
			return nil, fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, price, exchange.ErrFilter)
		}
		if err := l.debit(a, o.quote, cost); err != nil {
			return nil, err
		}
	} else if err := l.debit(a, o.base, o.Quantity); err != nil {
		return nil, err
	}
	if err := a.settle(l, o, price); err != nil {
		return nil, err
	}
	fill := o.Fills[0]
	o.Fills = nil
	return a.commit(l, nil, change{o: o, insert: true, fill: &fill}), nil
}

// settle marks o filled in full at price, credits what it receives net of the fee to l and
// leaves the fill (without trade id) in o.Fills. What o pays must already be in l.
func (a *Account) settle(l ledger, o *order, price decimal.Decimal) error {
	value, err := price.Mul(o.Quantity)
	if err != nil {
		return fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, price, exchange.ErrFilter)
	}
	gross, asset := o.Quantity, o.base
	if o.Side == exchange.Sell {
		gross, asset = value, o.quote
	}
	fee, err := gross.Mul(a.fee)
	if err != nil {
		return fmt.Errorf("paper: fee on %s: %w", gross, exchange.ErrRejected)
	}
	net, err := gross.Sub(fee)
	if err != nil {
		return fmt.Errorf("paper: fee on %s: %w", gross, exchange.ErrRejected)
	}
	if err := l.credit(a, asset, net); err != nil {
		return err
	}
	now := a.now().UTC()
	o.Status = exchange.StatusFilled
	o.ExecutedQty = o.Quantity
	o.QuoteQty = value.Trim(0)
	o.Updated = now
	o.Fills = []exchange.Fill{{
		ClientID: o.ClientID, Symbol: o.Symbol, Side: o.Side, Price: price.Trim(0), Qty: o.Quantity,
		Fee: fee.Trim(0), FeeAsset: asset, Time: now,
	}}
	return nil
}

// change is one order's new state for commit: inserted or updated, with the fill that caused
// it, if any.
type change struct {
	o      *order
	insert bool
	fill   *exchange.Fill
	// byClientID: the order changed before its placement was saved, so the writer finds its
	// id by client id.
	byClientID bool
}

// commit makes a change the account's: the balances it moved, its orders inserted or updated
// with their fills, and rest (when not nil), a placed order that joins the book. The caller
// holds a.mu and updates the books for the other orders.
//
// A memory account keeps the change and reports it at once, and commit returns nil. A saved
// account makes the change in memory and queues it for the writer, which saves it with others
// in one commit and only then reports it and puts rest on the book: commit returns the queued
// job, for a caller that waits for it (without the lock) to learn the ids it was given.
func (a *Account) commit(l ledger, rest *order, cs ...change) *job {
	if a.db != nil {
		return a.enqueue(l, rest, cs)
	}
	a.save(cs)
	l.apply(a)
	for _, c := range cs {
		c.o.Fills = nil
		if c.fill != nil {
			c.o.Fills = []exchange.Fill{*c.fill}
		}
		if a.onUpdate != nil {
			a.onUpdate(c.o.snapshot())
		} else {
			a.upd.push(c.o.snapshot())
		}
	}
	if rest != nil {
		a.rest(rest)
	}
	return nil
}

// save keeps order changes and their fills in a memory account, numbering them.
func (a *Account) save(cs []change) {
	for _, c := range cs {
		if c.insert {
			a.seq.order++
			c.o.ExchangeID = a.seq.order
		}
		m := a.mem[c.o.ClientID]
		if m == nil {
			m = &memOrder{}
			a.mem[c.o.ClientID] = m
		}
		m.o = c.o.Order
		m.o.Fills = nil
		if c.fill != nil {
			a.seq.trade++
			c.fill.TradeID = a.seq.trade
			m.fills = append(m.fills, *c.fill)
		}
	}
}
