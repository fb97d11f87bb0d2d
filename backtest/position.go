package backtest

import (
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// position is the bot's holding at average cost, kept as the engine's ledger keeps it: a buy
// adds its quantity less a fee paid in the base asset, and its value plus a fee paid in the
// quote; a sell takes out its share of the cost.
type position struct {
	base, quote string
	qty, cost   decimal.Decimal
	cached      strategy.Position // view of qty and cost, refreshed on every fill
}

func (p *position) apply(f exchange.Fill) {
	defer p.refresh()
	value, _ := f.Price.Mul(f.Qty)
	switch f.Side {
	case exchange.Buy:
		p.qty, _ = p.qty.Add(f.Qty)
		p.cost, _ = p.cost.Add(value)
		if f.FeeAsset == p.quote {
			p.cost, _ = p.cost.Add(f.Fee)
		}
		if f.FeeAsset == p.base {
			p.qty, _ = p.qty.Sub(f.Fee)
		}
	case exchange.Sell:
		q := f.Qty.Min(p.qty)
		if p.qty.IsPos() {
			basis, _ := p.cost.Mul(q)
			basis, _ = basis.Quo(p.qty)
			p.cost, _ = p.cost.Sub(basis)
		}
		p.qty, _ = p.qty.Sub(q)
		if !p.qty.IsPos() {
			p.qty, p.cost = decimal.Zero, decimal.Zero
		}
	}
}

// view is the strategy's view of the position: quantity and average entry.
func (p *position) view() strategy.Position { return p.cached }

func (p *position) refresh() {
	if !p.qty.IsPos() {
		p.cached = strategy.Position{}
		return
	}
	avg, err := p.cost.Quo(p.qty)
	if err != nil {
		p.cached = strategy.Position{Qty: p.qty}
		return
	}
	p.cached = strategy.Position{Qty: p.qty, AvgEntry: avg}
}
