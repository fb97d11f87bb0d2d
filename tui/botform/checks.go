package botform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The checks across fields that the engine would refuse a bot for, or that leave a saved bot
// unable to place its orders: the kill switch, the symbol's rules (minimum and maximum order
// value, step, quantity and price range), the grid's order of prices, the DCA's dip steps, the
// bot's maximum order value, and the bot's budget and the account's free balance against the
// first order. They run as the user types, with formatted numbers and the
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
		if err := checkDipSteps(cfg.Params["dip_steps"]); err != nil {
			return f.index("dip_steps"), err
		}
		amount, err := decimal.Parse(cfg.Params["amount"])
		if err != nil {
			return -1, nil
		}
		if r.MinNotional.IsPos() && amount.Cmp(r.MinNotional) < 0 {
			return f.index("amount"), fmt.Errorf("an amount of %s %s is below %s's minimum order value of %s %s",
				money(amount), r.Quote, r.Symbol, money(r.MinNotional), r.Quote)
		}
		// Every buy, scheduled or at a dip, spends the amount.
		if err := f.maxOrderErr(cfg, r, amount, "an amount of "+money(amount)+" "+r.Quote); err != nil {
			return f.index("amount"), err
		}
		first, field = amount, "amount"
	case "grid":
		i, v, err := f.gridFirst(cfg, r)
		if err != nil || i < 0 {
			return i, err
		}
		if top, what, ok := gridTopBuy(cfg, r); ok {
			if err := f.maxOrderErr(cfg, r, top, what); err != nil {
				return f.index("quantity"), err
			}
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
	if r.MaxQty.IsPos() && qty.Cmp(r.MaxQty) > 0 {
		return f.index("quantity"), first, fmt.Errorf("a quantity of %s is above %s's maximum of %s",
			common.FmtDec(common.QtyAt(qty, r.StepSize)), r.Symbol, common.FmtDec(common.QtyAt(r.MaxQty, r.StepSize)))
	}
	if r.MinPrice.IsPos() && lower.Cmp(r.MinPrice) < 0 {
		return f.index("lower"), first, fmt.Errorf("the lower price %s is below %s's lowest price of %s",
			common.FmtDec(lower), r.Symbol, common.FmtDec(common.PriceAt(r.MinPrice, r.TickSize)))
	}
	if r.MaxPrice.IsPos() && upper.Cmp(r.MaxPrice) > 0 {
		return f.index("upper"), first, fmt.Errorf("the upper price %s is above %s's highest price of %s",
			common.FmtDec(upper), r.Symbol, common.FmtDec(common.PriceAt(r.MaxPrice, r.TickSize)))
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

// maxOrderErr refuses an order worth value (described by what) above the symbol's maximum
// order value or the bot's own maximum: the engine would refuse that order when the bot places
// it, long after the form was saved.
func (f *Screen) maxOrderErr(cfg engine.BotConfig, r exchange.Rules, value decimal.Decimal, what string) error {
	if r.MaxNotional.IsPos() && value.Cmp(r.MaxNotional) > 0 {
		return fmt.Errorf("%s is above %s's maximum order value of %s %s", what, r.Symbol, money(r.MaxNotional), r.Quote)
	}
	if m := cfg.MaxOrderNotional; m.IsPos() && value.Cmp(m) > 0 {
		return fmt.Errorf("%s is above this bot's maximum order value of %s %s", what, money(m), r.Quote)
	}
	return nil
}

// gridTopBuy is the value of a grid's dearest buy, at the level below the top one (the top
// level only ever sells), and how to say it.
func gridTopBuy(cfg engine.BotConfig, r exchange.Rules) (decimal.Decimal, string, bool) {
	lower, e1 := decimal.Parse(cfg.Params["lower"])
	upper, e2 := decimal.Parse(cfg.Params["upper"])
	qty, e3 := decimal.Parse(cfg.Params["quantity"])
	levels, e4 := strconv.Atoi(cfg.Params["levels"])
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil || levels < 2 {
		return decimal.Zero, "", false
	}
	span, err1 := upper.Sub(lower)
	step, err2 := span.Quo(decimal.MustNew(int64(levels-1), 0))
	off, err3 := step.Mul(decimal.MustNew(int64(levels-2), 0))
	if err1 != nil || err2 != nil || err3 != nil {
		return decimal.Zero, "", false
	}
	price, err := lower.Add(off)
	if err != nil {
		return decimal.Zero, "", false
	}
	price = r.RoundPrice(price, exchange.Buy)
	v, err := price.Mul(qty)
	if err != nil {
		return decimal.Zero, "", false
	}
	return v, fmt.Sprintf("the buy of %s %s at %s is worth %s %s, which", common.FmtDec(common.QtyAt(qty, r.StepSize)), r.Base,
		common.FmtDec(common.PriceAt(price, r.TickSize)), money(v), r.Quote), true
}

// maxDipSteps is the most dip steps a DCA bot takes (the strategy's own limit).
const maxDipSteps = 20

// checkDipSteps checks a DCA's dip steps as the strategy does (each a percent above 0 and below
// 100, each deeper than the one before, at most 20), in words; the field's own check has already
// made sure each is a number above zero.
func checkDipSteps(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	steps := strings.Split(v, ",")
	if len(steps) > maxDipSteps {
		return fmt.Errorf("%d dip steps is too many: at most %d", len(steps), maxDipSteps)
	}
	prev := decimal.Zero
	for _, s := range steps {
		d, err := decimal.Parse(strings.TrimSuffix(strings.TrimSpace(s), "%"))
		if err != nil {
			return nil // the field says so
		}
		if d.Cmp(decimal.Hundred) >= 0 {
			return fmt.Errorf("a dip step of %s%% is not below 100%%: a price cannot fall that far", common.FmtDec(d.Trim(0)))
		}
		if d.Cmp(prev) <= 0 {
			return fmt.Errorf("each dip step must be deeper than the one before: %s%% comes after %s%%", common.FmtDec(d.Trim(0)), common.FmtDec(prev.Trim(0)))
		}
		prev = d
	}
	return nil
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
