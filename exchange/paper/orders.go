package paper

import (
	"context"
	"fmt"
	"slices"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// maxClientID matches the column's limit (Binance allows 36).
const maxClientID = 64

// PlaceOrder places an order under the same symbol rules as the real exchange: the request is
// rounded and checked with Rules.Normalize (errors wrap exchange.ErrFilter). A market order
// fills at once at the last tick's ask or bid (exchange.ErrUnavailable before the first tick);
// a market buy may give QuoteQty instead of Quantity. A limit order that can trade fills at
// once; otherwise a GTC order rests with its funds locked and an IOC or FOK order expires.
// A client id used before is refused with exchange.ErrRejected, missing funds with
// exchange.ErrInsufficientBalance; a refused order leaves no trace. A saved account answers
// once the order is in the file, waiting without the account's lock so ticks go on meanwhile;
// an order that cannot be saved returns that failure and leaves no trace either.
func (a *Account) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	rules, err := a.orderRules(ctx, req)
	if err != nil {
		return exchange.Order{}, err
	}
	out, j, err := a.place(ctx, req, rules, true)
	if err != nil || j == nil {
		return out, err
	}
	return j.wait()
}

// Submit places an order exactly as PlaceOrder does but answers only whether it was taken: a
// replay on a memory account learns what became of the order from Options.OnUpdate, and
// skips copying the answer.
func (a *Account) Submit(ctx context.Context, req exchange.OrderRequest) error {
	rules, err := a.orderRules(ctx, req)
	if err != nil {
		return err
	}
	_, j, err := a.place(ctx, req, rules, false)
	if err != nil || j == nil {
		return err
	}
	_, err = j.wait()
	return err
}

// orderRules checks the client id and fetches the symbol's rules, before the account's lock
// is taken (a rule book may have to ask the exchange).
func (a *Account) orderRules(ctx context.Context, req exchange.OrderRequest) (exchange.Rules, error) {
	if req.ClientID == "" || len(req.ClientID) > maxClientID {
		return exchange.Rules{}, fmt.Errorf("paper: client order id must be 1 to %d bytes: %w", maxClientID, exchange.ErrRejected)
	}
	rules, err := a.rules.Rules(ctx, req.Symbol)
	if err != nil {
		return exchange.Rules{}, fmt.Errorf("paper: rules for %s: %w", req.Symbol, err)
	}
	if rules.Base == "" || rules.Quote == "" {
		return exchange.Rules{}, fmt.Errorf("paper: rules for %s name no base and quote asset: %w", req.Symbol, exchange.ErrRejected)
	}
	return rules, nil
}

// place makes the order under the account's lock. A saved account returns the queued change,
// to be waited for once the lock is released; a memory account returns the order when reply
// is set.
//
// A saved account looks the client id up in its file before taking the account's lock: that
// lock is the tick path's, and a read from the file must not hold ticks back. Placements take
// turns (placeMu) instead, so the file cannot gain the id between the lookup and the lock:
// only a placement already being saved could add it, and while one is (the id is in placing)
// the lookup waits for the lock as it always did.
func (a *Account) place(ctx context.Context, req exchange.OrderRequest, rules exchange.Rules, reply bool) (exchange.Order, *job, error) {
	var stored *order
	var storedErr error
	looked := false
	if a.db != nil {
		a.placeMu.Lock()
		defer a.placeMu.Unlock()
		a.mu.Lock()
		_, saving := a.placing[req.ClientID]
		a.mu.Unlock()
		if !saving {
			stored, storedErr = a.find(ctx, req.ClientID)
			looked = true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return exchange.Order{}, nil, errClosed
	}
	px := a.prices[req.Symbol]
	var ref decimal.Decimal
	if req.Type == exchange.Market {
		ref = px.touch(req.Side)
		if !ref.IsPos() {
			return exchange.Order{}, nil, fmt.Errorf("paper: no price for %s yet; wait for the market feed: %w", req.Symbol, exchange.ErrUnavailable)
		}
	}
	norm, err := rules.Normalize(req, ref)
	if err != nil {
		return exchange.Order{}, nil, fmt.Errorf("paper: order %s: %w", req.ClientID, err)
	}
	if _, ok := a.open[req.ClientID]; ok {
		return exchange.Order{}, nil, fmt.Errorf("paper: client order id %s was used before: %w", req.ClientID, exchange.ErrRejected)
	}
	if _, ok := a.placing[req.ClientID]; ok {
		return exchange.Order{}, nil, fmt.Errorf("paper: client order id %s was used before: %w", req.ClientID, exchange.ErrRejected)
	}
	if !looked {
		stored, storedErr = a.find(ctx, req.ClientID)
	}
	if storedErr != nil {
		return exchange.Order{}, nil, storedErr
	} else if stored != nil {
		return exchange.Order{}, nil, fmt.Errorf("paper: client order id %s was used before: %w", req.ClientID, exchange.ErrRejected)
	}

	now := a.now().UTC()
	// A memory account's market order lives in the account's scratch space: it fills at once
	// and is forgotten, and a replay places thousands a second. Anything else may rest or
	// wait for the writer, and gets its own.
	o := &a.hot.order
	if a.db != nil || req.Type != exchange.Market {
		o = new(order)
	}
	*o = order{Order: exchange.Order{
		ClientID: norm.ClientID, Symbol: norm.Symbol, Side: norm.Side, Type: norm.Type,
		Status: exchange.StatusNew, Price: norm.Price.Trim(0), Quantity: norm.Quantity.Trim(0), Created: now, Updated: now,
	}, base: rules.Base, quote: rules.Quote}
	if norm.Type == exchange.Market {
		if norm.Quantity.IsZero() {
			// quoteOrderQty: as much base as the quote amount buys (or sells for) at the touch.
			q, err := quoteToQty(rules, norm, ref)
			if err != nil {
				return exchange.Order{}, nil, err
			}
			o.Quantity = q.Trim(0)
		}
		j, err := a.fillNow(o, ref)
		if err != nil {
			return exchange.Order{}, nil, err
		}
		return placed(o, j, reply)
	}
	return a.placeLimit(o, norm.TimeInForce, px, reply)
}

// quoteToQty turns a market order's quote amount into a base quantity at price, rounded down
// to the step and checked against the rules.
func quoteToQty(rules exchange.Rules, req exchange.OrderRequest, price decimal.Decimal) (decimal.Decimal, error) {
	step := rules.StepSize // the step Rules.RoundQty uses for a market order
	if !rules.MarketStepSize.IsZero() {
		step = rules.MarketStepSize
	}
	qty, ok := floorQuo(req.QuoteQty, price, step)
	if !ok {
		q, err := req.QuoteQty.Quo(price)
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("paper: quote amount %s at %s: %w", req.QuoteQty, price, exchange.ErrFilter)
		}
		qty = rules.RoundQty(q, exchange.Market)
	}
	amount := req.QuoteQty
	req.Quantity, req.QuoteQty = qty, decimal.Decimal{}
	norm, err := rules.Normalize(req, price)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("paper: order %s: %s %s at %s: %w", req.ClientID, amount, rules.Quote, price, err)
	}
	return norm.Quantity, nil
}

func (a *Account) placeLimit(o *order, tif exchange.TimeInForce, px quote, reply bool) (exchange.Order, *job, error) {
	// Funds a resting order would hold: the quote it may spend, or the base it may sell.
	l := a.newLedger()
	lockAsset, lockAmount := o.base, o.Quantity
	if o.Side == exchange.Buy {
		cost, err := o.Price.Mul(o.Quantity)
		if err != nil {
			return exchange.Order{}, nil, fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, o.Price, exchange.ErrFilter)
		}
		lockAsset, lockAmount = o.quote, cost
	}
	if err := l.lock(a, lockAsset, lockAmount); err != nil {
		return exchange.Order{}, nil, err
	}
	if touch := px.touch(o.Side); touch.IsPos() && crosses(o.Side, o.Price, touch) {
		// Marketable: trades at once at the better price, as a taker.
		j, err := a.fillNow(o, touch)
		if err != nil {
			return exchange.Order{}, nil, err
		}
		return placed(o, j, reply)
	}
	if tif == exchange.IOC || tif == exchange.FOK {
		o.Status = exchange.StatusExpired
		return placed(o, a.commit(ledger{}, nil, change{o: o, insert: true}), reply)
	}
	o.lockAsset, o.lockAmount = lockAsset, lockAmount
	return placed(o, a.commit(l, o, a.oneChange(change{o: o, insert: true})...), reply)
}

// placed is what place returns once o is committed as j: a memory account's order (when
// reply is set), or a saved account's queued change (o is then the writer's until it is saved).
func placed(o *order, j *job, reply bool) (exchange.Order, *job, error) {
	if j != nil || !reply {
		return exchange.Order{}, j, nil
	}
	return o.snapshot(), nil, nil
}

// CancelOrder cancels a resting order and releases its funds. An order that exists but is
// already final is refused with exchange.ErrRejected; an order never placed (or of another
// symbol) with exchange.ErrUnknownOrder. Like PlaceOrder, it answers once the change is saved.
func (a *Account) CancelOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	out, j, resting, err := a.cancelResting(symbol, clientID)
	switch {
	case err != nil:
		return exchange.Order{}, err
	case j != nil:
		return j.wait()
	case resting:
		return out, nil
	}
	// Not resting: say why from the file, once it holds every change made so far.
	if err := a.flushed(ctx); err != nil {
		return exchange.Order{}, err
	}
	stored, err := a.findLocking(ctx, clientID)
	if err != nil {
		return exchange.Order{}, err
	}
	if stored == nil || stored.Symbol != symbol {
		return exchange.Order{}, fmt.Errorf("paper: no %s order %s: %w", symbol, clientID, exchange.ErrUnknownOrder)
	}
	return exchange.Order{}, fmt.Errorf("paper: order %s is already %s: %w", clientID, stored.Status, exchange.ErrRejected)
}

// cancelResting cancels the order under the account's lock when it rests on symbol's book. A
// saved account returns the queued change, to be waited for once the lock is released.
func (a *Account) cancelResting(symbol, clientID string) (exchange.Order, *job, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return exchange.Order{}, nil, false, errClosed
	}
	o, ok := a.open[clientID]
	if !ok || o.Symbol != symbol {
		return exchange.Order{}, nil, false, nil
	}
	l := ledger{}
	if err := l.unlock(a, o.lockAsset, o.lockAmount, true); err != nil {
		return exchange.Order{}, nil, true, err
	}
	next := *o
	next.Status = exchange.StatusCanceled
	next.Updated = a.now().UTC()
	next.lockAmount = decimal.Decimal{}
	j := a.commit(l, nil, change{o: &next})
	a.unrest(o)
	if j != nil {
		return exchange.Order{}, j, true, nil
	}
	return next.snapshot(), nil, true, nil
}

// GetOrder returns the order with that client id, without its fills (see OrderFills);
// exchange.ErrUnknownOrder when it was never placed.
func (a *Account) GetOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return exchange.Order{}, errClosed
	}
	if o, ok := a.open[clientID]; ok && o.Symbol == symbol && (a.db == nil || o.ExchangeID != 0) {
		out := o.snapshot()
		a.mu.Unlock()
		return out, nil
	}
	a.mu.Unlock()
	// Not resting, or not saved yet: the file has the answer once it holds every change made
	// so far.
	if err := a.flushed(ctx); err != nil {
		return exchange.Order{}, err
	}
	o, err := a.findLocking(ctx, clientID)
	if err != nil {
		return exchange.Order{}, err
	}
	if o == nil || o.Symbol != symbol {
		return exchange.Order{}, fmt.Errorf("paper: no %s order %s: %w", symbol, clientID, exchange.ErrUnknownOrder)
	}
	return o.snapshot(), nil
}

// OpenOrders returns the resting orders of symbol ("" for all), oldest first; a saved account
// lists those saved (an order is on the book, and may fill, from when it is placed).
func (a *Account) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errClosed
	}
	var out []exchange.Order
	for sym, b := range a.books {
		if symbol != "" && sym != symbol {
			continue
		}
		for _, o := range b.orders {
			if a.db != nil && o.ExchangeID == 0 {
				continue // placed, not saved yet: PlaceOrder has not answered
			}
			out = append(out, o.snapshot())
		}
	}
	sortByID(out)
	return out, nil
}

// OrderFills returns the fills of one order, oldest first; exchange.ErrUnknownOrder when the
// order was never placed.
func (a *Account) OrderFills(ctx context.Context, symbol, clientID string) ([]exchange.Fill, error) {
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	if err := a.flushed(ctx); err != nil {
		return nil, err
	}
	o, err := a.findLocking(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if o == nil || o.Symbol != symbol {
		return nil, fmt.Errorf("paper: no %s order %s: %w", symbol, clientID, exchange.ErrUnknownOrder)
	}
	if a.db == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		return slices.Clone(a.mem[clientID].fills), nil
	}
	return loadFills(ctx, a.db, o.ExchangeID)
}

// findLocking is find for a caller that does not hold a.mu.
func (a *Account) findLocking(ctx context.Context, clientID string) (*order, error) {
	if a.db == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	return a.find(ctx, clientID)
}

// find returns the stored order with that client id, nil when there is none. A memory
// account's caller holds a.mu.
func (a *Account) find(ctx context.Context, clientID string) (*order, error) {
	if a.db == nil {
		if m := a.mem[clientID]; m != nil {
			return &order{Order: m.o}, nil
		}
		return nil, ctx.Err()
	}
	return findOrder(ctx, a.db, a.name, clientID)
}
