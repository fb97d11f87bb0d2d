package paper

import (
	"fmt"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// OnTickVolume is OnTick for replays that model liquidity: the resting orders the tick
// crosses fill at their own price, oldest first, for at most volume base quantity in all
// (rounded down to the symbol's step); an order that gets only part of its quantity stays on
// the book, partially filled, holding what it still needs. Live paper trading uses OnTick,
// where crossed orders fill whole.
func (a *Account) OnTickVolume(t exchange.Tick, volume decimal.Decimal) {
	a.onTick(t, volume, true)
}

// fillUpTo fills crossed orders, oldest first, until volume is used up. The caller holds a.mu.
func (a *Account) fillUpTo(symbol string, crossed []*order, volume decimal.Decimal) {
	rules, err := a.rules.Rules(a.life, symbol)
	if err != nil {
		a.log.Warn("paper: no rules for a partial fill", "symbol", symbol, "err", err)
		return
	}
	for _, o := range crossed {
		if !volume.IsPos() {
			return
		}
		rest, err := o.Quantity.Sub(o.ExecutedQty)
		if err != nil || !rest.IsPos() {
			continue
		}
		qty := rules.RoundQty(rest.Min(volume), exchange.Limit)
		if !qty.IsPos() {
			return
		}
		if err := a.fillPart(o, qty); err != nil {
			a.warnUnfilled([]*order{o}, err)
			return
		}
		volume, _ = volume.Sub(qty)
	}
}

// fillPart fills qty of a resting order at its own price: whole when qty is what it still
// needs (it leaves the book), otherwise partially (it stays, holding the rest).
func (a *Account) fillPart(o *order, qty decimal.Decimal) error {
	value, err := o.Price.Mul(qty)
	if err != nil {
		return fmt.Errorf("paper: fill value of %s x %s: %w", qty, o.Price, exchange.ErrFilter)
	}
	executed, _ := o.ExecutedQty.Add(qty)
	done := executed.Cmp(o.Quantity) >= 0
	spend, gross, asset := value, qty, o.base // a buy spends quote and receives base
	if o.Side == exchange.Sell {
		spend, gross, asset = qty, value, o.quote
	}
	if done {
		spend = o.lockAmount // the last part releases what is left, rounding included
	}
	l := ledger{}
	if err := l.unlock(a, o.lockAsset, spend, false); err != nil {
		return err
	}
	if done && o.Side == exchange.Buy {
		// Quote locked at the limit price beyond what the last part cost goes back.
		if extra, err := spend.Sub(value); err == nil && extra.IsPos() {
			if err := l.credit(a, o.quote, extra); err != nil {
				return err
			}
		}
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
	next := *o
	next.lockAmount, _ = o.lockAmount.Sub(spend)
	next.ExecutedQty = executed.Trim(0)
	next.QuoteQty, _ = o.QuoteQty.Add(value)
	next.QuoteQty = next.QuoteQty.Trim(0)
	next.Status = exchange.StatusPartiallyFilled
	if done {
		next.Status, next.lockAmount = exchange.StatusFilled, decimal.Decimal{}
	}
	next.Updated = a.now().UTC()
	fill := exchange.Fill{ClientID: o.ClientID, Symbol: o.Symbol, Side: o.Side, Price: o.Price.Trim(0), Qty: qty.Trim(0),
		Fee: fee.Trim(0), FeeAsset: asset, Time: next.Updated}
	next.Fills = nil
	a.commit(l, nil, change{o: &next, fill: &fill})
	if done {
		a.unrest(o)
		return nil
	}
	o.ExecutedQty, o.QuoteQty, o.Status, o.lockAmount, o.Updated = next.ExecutedQty, next.QuoteQty, next.Status, next.lockAmount, next.Updated
	return nil
}
