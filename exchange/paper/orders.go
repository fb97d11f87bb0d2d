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
// exchange.ErrInsufficientBalance; a refused order leaves no trace.
func (a *Account) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	rules, err := a.orderRules(ctx, req)
	if err != nil {
		return exchange.Order{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o, err := a.place(ctx, req, rules)
	if err != nil {
		return exchange.Order{}, err
	}
	return o.snapshot(), nil
}

// Submit places an order exactly as PlaceOrder does but answers only whether it was taken:
// a replay on a memory account learns what became of the order from Options.OnUpdate, and
// skips copying the answer.
func (a *Account) Submit(ctx context.Context, req exchange.OrderRequest) error {
	rules, err := a.orderRules(ctx, req)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err = a.place(ctx, req, rules)
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

// place is PlaceOrder under a.mu. The order it returns is valid until a.mu is released.
func (a *Account) place(ctx context.Context, req exchange.OrderRequest, rules exchange.Rules) (*order, error) {
	if a.closed {
		return nil, errClosed
	}
	px := a.prices[req.Symbol]
	var ref decimal.Decimal
	if req.Type == exchange.Market {
		ref = px.touch(req.Side)
		if !ref.IsPos() {
			return nil, fmt.Errorf("paper: no price for %s yet; wait for the market feed: %w", req.Symbol, exchange.ErrUnavailable)
		}
	}
	norm, err := rules.Normalize(req, ref)
	if err != nil {
		return nil, fmt.Errorf("paper: order %s: %w", req.ClientID, err)
	}
	if _, ok := a.open[req.ClientID]; ok {
		return nil, fmt.Errorf("paper: client order id %s was used before: %w", req.ClientID, exchange.ErrRejected)
	}
	if prev, err := a.find(ctx, req.ClientID); err != nil {
		return nil, err
	} else if prev != nil {
		return nil, fmt.Errorf("paper: client order id %s was used before: %w", req.ClientID, exchange.ErrRejected)
	}

	now := a.now().UTC()
	// The order lives in the account's scratch space unless it rests (placeLimit copies it
	// to the book): most orders of a replay fill at once and are forgotten.
	o := &a.hot.order
	*o = order{Order: exchange.Order{
		ClientID: norm.ClientID, Symbol: norm.Symbol, Side: norm.Side, Type: norm.Type,
		Status: exchange.StatusNew, Price: norm.Price.Trim(0), Quantity: norm.Quantity.Trim(0), Created: now, Updated: now,
	}, base: rules.Base, quote: rules.Quote}
	if norm.Type == exchange.Market {
		if norm.Quantity.IsZero() {
			// quoteOrderQty: as much base as the quote amount buys (or sells for) at the touch.
			q, err := quoteToQty(rules, norm, ref)
			if err != nil {
				return nil, err
			}
			o.Quantity = q.Trim(0)
		}
		if err := a.fillNow(ctx, o, ref); err != nil {
			return nil, err
		}
		return o, nil
	}
	return a.placeLimit(ctx, o, norm.TimeInForce, px)
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

// placeLimit goes on from place for a limit order. The order it returns is valid until a.mu
// is released.
func (a *Account) placeLimit(ctx context.Context, o *order, tif exchange.TimeInForce, px quote) (*order, error) {
	// Funds a resting order would hold: the quote it may spend, or the base it may sell.
	l := ledger{}
	lockAsset, lockAmount := o.base, o.Quantity
	if o.Side == exchange.Buy {
		cost, err := o.Price.Mul(o.Quantity)
		if err != nil {
			return nil, fmt.Errorf("paper: order value of %s x %s: %w", o.Quantity, o.Price, exchange.ErrFilter)
		}
		lockAsset, lockAmount = o.quote, cost
	}
	if err := l.lock(a, lockAsset, lockAmount); err != nil {
		return nil, err
	}
	if touch := px.touch(o.Side); touch.IsPos() && crosses(o.Side, o.Price, touch) {
		// Marketable: trades at once at the better price, as a taker.
		if err := a.fillNow(ctx, o, touch); err != nil {
			return nil, err
		}
		return o, nil
	}
	if tif == exchange.IOC || tif == exchange.FOK {
		o.Status = exchange.StatusExpired
		if err := a.commit(ctx, ledger{}, change{o: o, insert: true}); err != nil {
			return nil, err
		}
		return o, nil
	}
	resting := new(order)
	*resting = *o
	resting.lockAsset, resting.lockAmount = lockAsset, lockAmount
	if err := a.commit(ctx, l, change{o: resting, insert: true}); err != nil {
		return nil, err
	}
	a.rest(resting)
	return resting, nil
}

// CancelOrder cancels a resting order and releases its funds. An order that exists but is
// already final is refused with exchange.ErrRejected; an order never placed (or of another
// symbol) with exchange.ErrUnknownOrder.
func (a *Account) CancelOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return exchange.Order{}, errClosed
	}
	o, ok := a.open[clientID]
	if !ok || o.Symbol != symbol {
		stored, err := a.find(ctx, clientID)
		if err != nil {
			return exchange.Order{}, err
		}
		if stored == nil || stored.Symbol != symbol {
			return exchange.Order{}, fmt.Errorf("paper: no %s order %s: %w", symbol, clientID, exchange.ErrUnknownOrder)
		}
		return exchange.Order{}, fmt.Errorf("paper: order %s is already %s: %w", clientID, stored.Status, exchange.ErrRejected)
	}
	l := ledger{}
	if err := l.unlock(a, o.lockAsset, o.lockAmount, true); err != nil {
		return exchange.Order{}, err
	}
	next := *o
	next.Status = exchange.StatusCanceled
	next.Updated = a.now().UTC()
	next.lockAmount = decimal.Decimal{}
	if err := a.commit(ctx, l, change{o: &next}); err != nil {
		return exchange.Order{}, err
	}
	a.unrest(o)
	return next.snapshot(), nil
}

// GetOrder returns the order with that client id, without its fills (see OrderFills);
// exchange.ErrUnknownOrder when it was never placed.
func (a *Account) GetOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return exchange.Order{}, errClosed
	}
	if o, ok := a.open[clientID]; ok && o.Symbol == symbol {
		out := o.snapshot()
		a.mu.Unlock()
		return out, nil
	}
	a.mu.Unlock()
	o, err := a.findLocking(ctx, clientID)
	if err != nil {
		return exchange.Order{}, err
	}
	if o == nil || o.Symbol != symbol {
		return exchange.Order{}, fmt.Errorf("paper: no %s order %s: %w", symbol, clientID, exchange.ErrUnknownOrder)
	}
	return o.snapshot(), nil
}

// OpenOrders returns the resting orders of symbol ("" for all), oldest first.
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
