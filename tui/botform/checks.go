package botform

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The checks across fields that the engine would refuse a bot for, or that leave a saved bot
// unable to place its first order: the kill switch, the symbol's rules (minimum order value,
// step, price range), the grid's order of prices, and the bot's budget and the account's free
// balance against the first order. They run as the user types, with formatted numbers and the
// fields' labels, so the form never offers to save a bot that can only fail. The engine still
// has the last word (ValidateBot).

// ruleErr returns the field a cross-field rule blames and why, or -1 and nil.
func (f *Screen) ruleErr() (int, error) {
	if f.c.Snap.KillSwitch && !f.editing {
		// An edit places no order by itself; a new bot would be saved only to fail.
		return f.index("mode"), errors.New("the kill switch is engaged: no bot can place an order until it is released (esc, then K)")
	}
	cfg := f.config()
	r := f.rules
	if r.Symbol != cfg.Symbol {
		return -1, nil // the rules are not known yet; the engine checks when they are
	}
	var (
		first decimal.Decimal // the quote value of the bot's first order
		field string          // the field that sets it
	)
	switch cfg.Strategy {
	case "dca":
		amount, err := decimal.Parse(cfg.Params["amount"])
		if err != nil {
			return -1, nil
		}
		if r.MinNotional.IsPos() && amount.Cmp(r.MinNotional) < 0 {
			return f.index("amount"), fmt.Errorf("an amount of %s %s is below %s's minimum order value of %s %s",
				money(amount), r.Quote, r.Symbol, money(r.MinNotional), r.Quote)
		}
		first, field = amount, "amount"
	case "grid":
		i, v, err := f.gridFirst(cfg, r)
		if err != nil || i < 0 {
			return i, err
		}
		first, field = v, "quantity"
	default:
		return -1, nil
	}
	if cfg.Budget.IsPos() && first.Cmp(cfg.Budget) > 0 {
		return f.index("budget"), fmt.Errorf("the first order needs %s %s, more than the budget of %s %s",
			money(first), r.Quote, money(cfg.Budget), r.Quote)
	}
	if free, known := f.free(cfg.Mode, r.Quote); known && free.Cmp(first) < 0 {
		return f.index(field), fmt.Errorf("not enough %s: the first order needs %s %s, the %s account has %s free",
			r.Quote, money(first), r.Quote, cfg.Mode, money(free))
	}
	return -1, nil
}

// gridFirst checks a grid's prices and quantity against the rules and returns the quote value
// of its first buy: the level nearest below the price (the lowest level while the price is
// unknown). i is -1 when the parameters do not parse yet (their fields say so).
func (f *Screen) gridFirst(cfg engine.BotConfig, r exchange.Rules) (i int, first decimal.Decimal, err error) {
	lower, e1 := decimal.Parse(cfg.Params["lower"])
	upper, e2 := decimal.Parse(cfg.Params["upper"])
	qty, e3 := decimal.Parse(cfg.Params["quantity"])
	levels, e4 := strconv.Atoi(cfg.Params["levels"])
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil || levels < 2 {
		return -1, first, nil
	}
	if upper.Cmp(lower) <= 0 {
		return f.index("upper"), first, fmt.Errorf("the upper price %s must be above the lower price %s",
			common.FmtDec(common.PriceAt(upper, r.TickSize)), common.FmtDec(common.PriceAt(lower, r.TickSize)))
	}
	if q := r.RoundQty(qty, exchange.Limit); !q.Equal(qty) {
		return f.index("quantity"), first, fmt.Errorf("a quantity of %s is not a multiple of %s's step %s: try %s",
			common.FmtDec(qty), r.Symbol, common.FmtDec(common.Qty(r.StepSize)), common.FmtDec(common.QtyAt(q, r.StepSize)))
	}
	if r.MinQty.IsPos() && qty.Cmp(r.MinQty) < 0 {
		return f.index("quantity"), first, fmt.Errorf("a quantity of %s is below %s's minimum of %s",
			common.FmtDec(qty), r.Symbol, common.FmtDec(common.Qty(r.MinQty)))
	}
	if span, err := upper.Sub(lower); err == nil && r.TickSize.IsPos() {
		if gap, err := span.Quo(decimal.MustNew(int64(levels-1), 0)); err == nil && gap.Cmp(r.TickSize) < 0 {
			return f.index("levels"), first, fmt.Errorf("%d levels between %s and %s are closer than %s's tick %s: use fewer levels or a wider range",
				levels, common.FmtDec(common.PriceAt(lower, r.TickSize)), common.FmtDec(common.PriceAt(upper, r.TickSize)), r.Symbol, common.FmtDec(common.Qty(r.TickSize)))
		}
	}
	low := r.RoundPrice(lower, exchange.Buy)
	if n, err := low.Mul(qty); err == nil && r.MinNotional.IsPos() && n.Cmp(r.MinNotional) < 0 {
		return f.index("quantity"), first, fmt.Errorf("%s %s at the lowest level %s is worth %s %s, below %s's minimum order value of %s %s",
			common.FmtDec(qty), r.Base, common.FmtDec(common.PriceAt(low, r.TickSize)), money(n), r.Quote, r.Symbol, money(r.MinNotional), r.Quote)
	}
	// The first buy is at the highest level below the price, never the top one.
	price := low
	if pv, ok := f.c.PriceOf(cfg.Symbol); ok && pv.Last.IsPos() {
		span, err1 := upper.Sub(lower)
		step, err2 := span.Quo(decimal.MustNew(int64(levels-1), 0))
		if err1 == nil && err2 == nil {
			for k := levels - 2; k >= 0; k-- {
				off, err1 := step.Mul(decimal.MustNew(int64(k), 0))
				v, err2 := lower.Add(off)
				if err1 != nil || err2 != nil {
					break
				}
				if v = r.RoundPrice(v, exchange.Buy); v.Cmp(pv.Last) < 0 {
					price = v
					break
				}
			}
		}
	}
	first, err = price.Mul(qty)
	if err != nil {
		return f.index("quantity"), first, errors.New("the grid's orders are too large")
	}
	return 0, first, nil
}

// free is the free balance of asset in the mode's account; known is false before the cockpit
// has seen that account (a live account before its first sync): it is not guessed at.
func (f *Screen) free(mode engine.Mode, asset string) (free decimal.Decimal, known bool) {
	for _, b := range f.c.Snap.Balances {
		if b.Mode != mode {
			continue
		}
		known = true
		if b.Asset == asset {
			free = b.Free
		}
	}
	return free, known && asset != ""
}

// index is the position of the field with key k.
func (f *Screen) index(k string) int {
	for i, fl := range f.Fields {
		if fl.Key == k {
			return i
		}
	}
	return 0
}

// money formats a quote amount to cents.
func money(d decimal.Decimal) string { return common.FmtDec(common.Money(d)) }
