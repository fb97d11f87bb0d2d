package exchange

import (
	"fmt"

	"github.com/govalues/decimal"
)

// RoundPrice rounds a price to the symbol's tick size toward the side that cannot cost the user
// more than asked: a buy rounds down, a sell rounds up. A zero tick size leaves p unchanged.
func (r Rules) RoundPrice(p decimal.Decimal, side Side) decimal.Decimal {
	if side == Sell {
		return roundToStep(p, r.TickSize, true)
	}
	return roundToStep(p, r.TickSize, false)
}

// RoundQty rounds a quantity down to the step of LOT_SIZE (MARKET_LOT_SIZE for market orders
// when it is set). Never up: that could exceed the budget or the balance.
func (r Rules) RoundQty(q decimal.Decimal, t OrderType) decimal.Decimal {
	step := r.StepSize
	if t == Market && !r.MarketStepSize.IsZero() {
		step = r.MarketStepSize
	}
	return roundToStep(q, step, false)
}

// roundToStep rounds a non-negative value to a multiple of step, down or up.
func roundToStep(v, step decimal.Decimal, up bool) decimal.Decimal {
	if step.IsZero() || step.IsNeg() || v.IsNeg() {
		return v
	}
	n, rem, err := v.QuoRem(step)
	if err != nil {
		return v
	}
	if rem.IsZero() {
		return v.Trim(step.Scale())
	}
	n = n.Trunc(0)
	if up {
		if n2, err := n.Add(decimal.One); err == nil {
			n = n2
		}
	}
	out, err := n.Mul(step)
	if err != nil {
		return v
	}
	return out.Trim(step.Scale())
}

// Normalize rounds req's price and quantity to the symbol's rules and checks every filter:
// trading status, price and quantity bounds and the notional. refPrice is the price used for a
// market order's notional (the last or best price). Errors wrap ErrFilter and name the rule and
// the numbers, so a user can fix the order.
func (r Rules) Normalize(req OrderRequest, refPrice decimal.Decimal) (OrderRequest, error) {
	if r.Status != "" && r.Status != "TRADING" {
		return req, fmt.Errorf("%s is not trading (status %s): %w", r.Symbol, r.Status, ErrFilter)
	}
	if req.Side != Buy && req.Side != Sell {
		return req, fmt.Errorf("side %q must be BUY or SELL: %w", req.Side, ErrFilter)
	}
	switch req.Type {
	case Limit:
		return r.normalizeLimit(req)
	case Market:
		return r.normalizeMarket(req, refPrice)
	default:
		return req, fmt.Errorf("order type %q must be LIMIT or MARKET: %w", req.Type, ErrFilter)
	}
}

func (r Rules) normalizeLimit(req OrderRequest) (OrderRequest, error) {
	if !req.Price.IsPos() {
		return req, fmt.Errorf("a limit order needs a price above zero: %w", ErrFilter)
	}
	if !req.QuoteQty.IsZero() {
		return req, fmt.Errorf("a limit order takes a quantity, not a quote amount: %w", ErrFilter)
	}
	price := r.RoundPrice(req.Price, req.Side)
	if !price.IsPos() {
		return req, fmt.Errorf("price %s rounds to zero at tick size %s: %w", req.Price, r.TickSize, ErrFilter)
	}
	if !r.MinPrice.IsZero() && price.Cmp(r.MinPrice) < 0 {
		return req, fmt.Errorf("price %s is below the minimum %s for %s: %w", price, r.MinPrice, r.Symbol, ErrFilter)
	}
	if !r.MaxPrice.IsZero() && price.Cmp(r.MaxPrice) > 0 {
		return req, fmt.Errorf("price %s is above the maximum %s for %s: %w", price, r.MaxPrice, r.Symbol, ErrFilter)
	}
	qty, err := r.checkQty(req.Quantity, Limit)
	if err != nil {
		return req, err
	}
	if err := r.checkNotional(price, qty, false); err != nil {
		return req, err
	}
	req.Price, req.Quantity = price, qty
	if req.TimeInForce == "" {
		req.TimeInForce = GTC
	}
	return req, nil
}

func (r Rules) normalizeMarket(req OrderRequest, refPrice decimal.Decimal) (OrderRequest, error) {
	req.Price = decimal.Decimal{}
	req.TimeInForce = ""
	if !req.QuoteQty.IsZero() {
		if !req.Quantity.IsZero() {
			return req, fmt.Errorf("give a market order a quantity or a quote amount, not both: %w", ErrFilter)
		}
		if !req.QuoteQty.IsPos() {
			return req, fmt.Errorf("quote amount %s must be above zero: %w", req.QuoteQty, ErrFilter)
		}
		if r.ApplyMinToMarket && !r.MinNotional.IsZero() && req.QuoteQty.Cmp(r.MinNotional) < 0 {
			return req, fmt.Errorf("order value %s %s is below the minimum %s for %s: %w", req.QuoteQty, r.Quote, r.MinNotional, r.Symbol, ErrFilter)
		}
		if r.ApplyMaxToMarket && !r.MaxNotional.IsZero() && req.QuoteQty.Cmp(r.MaxNotional) > 0 {
			return req, fmt.Errorf("order value %s %s is above the maximum %s for %s: %w", req.QuoteQty, r.Quote, r.MaxNotional, r.Symbol, ErrFilter)
		}
		return req, nil
	}
	qty, err := r.checkQty(req.Quantity, Market)
	if err != nil {
		return req, err
	}
	if refPrice.IsPos() {
		if err := r.checkNotional(refPrice, qty, true); err != nil {
			return req, err
		}
	}
	req.Quantity = qty
	return req, nil
}

func (r Rules) checkQty(q decimal.Decimal, t OrderType) (decimal.Decimal, error) {
	if !q.IsPos() {
		return q, fmt.Errorf("quantity %s must be above zero: %w", q, ErrFilter)
	}
	qty := r.RoundQty(q, t)
	minQty, maxQty, step := r.MinQty, r.MaxQty, r.StepSize
	if t == Market {
		if !r.MarketMinQty.IsZero() {
			minQty = r.MarketMinQty
		}
		if !r.MarketMaxQty.IsZero() {
			maxQty = r.MarketMaxQty
		}
		if !r.MarketStepSize.IsZero() {
			step = r.MarketStepSize
		}
	}
	if !qty.IsPos() {
		return qty, fmt.Errorf("quantity %s rounds to zero at step size %s for %s: %w", q, step, r.Symbol, ErrFilter)
	}
	if !minQty.IsZero() && qty.Cmp(minQty) < 0 {
		return qty, fmt.Errorf("quantity %s is below the minimum %s for %s: %w", qty, minQty, r.Symbol, ErrFilter)
	}
	if !maxQty.IsZero() && qty.Cmp(maxQty) > 0 {
		return qty, fmt.Errorf("quantity %s is above the maximum %s for %s: %w", qty, maxQty, r.Symbol, ErrFilter)
	}
	return qty, nil
}

func (r Rules) checkNotional(price, qty decimal.Decimal, market bool) error {
	notional, err := price.Mul(qty)
	if err != nil {
		return fmt.Errorf("order value of %s x %s is too large: %w", qty, price, ErrFilter)
	}
	// Show the value at the precision the limit is stated in (at least cents), not with every
	// decimal price x quantity produced.
	shown := notional.Round(max(2, r.MinNotional.Scale(), r.MaxNotional.Scale())).Trim(2)
	if !r.MinNotional.IsZero() && (!market || r.ApplyMinToMarket) && notional.Cmp(r.MinNotional) < 0 {
		return fmt.Errorf("order value %s %s is below the minimum %s for %s: %w", shown, r.Quote, r.MinNotional, r.Symbol, ErrFilter)
	}
	if !r.MaxNotional.IsZero() && (!market || r.ApplyMaxToMarket) && notional.Cmp(r.MaxNotional) > 0 {
		return fmt.Errorf("order value %s %s is above the maximum %s for %s: %w", shown, r.Quote, r.MaxNotional, r.Symbol, ErrFilter)
	}
	return nil
}
