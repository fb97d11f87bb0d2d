package strategy

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// paramReader parses strategy parameters as its spec describes them: whether each is
// required, its bounds, and which keys exist, so unknown ones (typos) are reported instead of
// silently ignored.
type paramReader struct {
	spec   Spec
	params map[string]string
}

func reader(name string, params map[string]string) *paramReader {
	s, _ := Lookup(name)
	return &paramReader{spec: s, params: params}
}

func (r *paramReader) raw(name string) (string, bool) {
	v, ok := r.params[name]
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *paramReader) required(name string) bool {
	p, _ := r.spec.Param(name)
	return !p.Optional
}

func (r *paramReader) decimal(name string) (decimal.Decimal, error) {
	v, ok := r.raw(name)
	if !ok {
		if r.required(name) {
			return decimal.Decimal{}, invalid("%s needs %s=VALUE", r.spec.Name, name)
		}
		return decimal.Decimal{}, nil
	}
	d, err := decimal.Parse(v)
	if err != nil {
		return d, invalid("%s=%q is not a decimal number", name, v)
	}
	if !d.IsPos() {
		return d, invalid("%s=%s must be above zero", name, v)
	}
	return d, nil
}

func (r *paramReader) integer(name string) (int, error) {
	v, ok := r.raw(name)
	if !ok {
		if r.required(name) {
			return 0, invalid("%s needs %s=N", r.spec.Name, name)
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid("%s=%q is not a whole number", name, v)
	}
	p, _ := r.spec.Param(name)
	if n < p.Min || n > p.Max {
		return 0, invalid("%s=%d must be between %d and %d", name, n, p.Min, p.Max)
	}
	return n, nil
}

func (r *paramReader) unknown() error {
	var extra, known []string
	for _, p := range r.spec.Params {
		known = append(known, p.Key)
	}
	for k := range r.params {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return invalid("unknown %s parameter %s (known: %s)", r.spec.Name, strings.Join(extra, ", "), strings.Join(known, ", "))
}

// DCAParams are a DCA bot's parameters.
type DCAParams struct {
	Amount     decimal.Decimal   // quote spent per buy
	Interval   time.Duration     // between scheduled buys
	TakeProfit decimal.Decimal   // percent above the average entry; zero: none
	MaxBuys    int               // scheduled buys per cycle; zero: unlimited
	DipSteps   []decimal.Decimal // percents below the average entry for extra buys
	// From the symbol's rules: a position smaller than this, or worth less than minNotional,
	// is dust that cannot be sold and does not count as held.
	minLot, minNotional decimal.Decimal
}

func parseDCA(params map[string]string, rules exchange.Rules) (DCAParams, error) {
	r := reader(DCA, params)
	p := DCAParams{minLot: rules.MinQty.Max(rules.StepSize), minNotional: rules.MinNotional}
	var err error
	if p.Amount, err = r.decimal(keyAmount); err != nil {
		return p, err
	}
	if !rules.MinNotional.IsZero() && p.Amount.Cmp(rules.MinNotional) < 0 {
		return p, invalid("amount=%s is below %s's minimum order value of %s %s", p.Amount, rules.Symbol, rules.MinNotional, rules.Quote)
	}
	if !rules.MaxNotional.IsZero() && p.Amount.Cmp(rules.MaxNotional) > 0 {
		return p, invalid("amount=%s is above %s's maximum order value of %s %s", p.Amount, rules.Symbol, rules.MaxNotional, rules.Quote)
	}
	iv, ok := r.raw(keyInterval)
	if !ok {
		return p, invalid("dca needs interval=DURATION (like 1h or 30m)")
	}
	if p.Interval, err = time.ParseDuration(iv); err != nil {
		return p, invalid("interval=%q is not a duration like 1h, 30m or 90s", iv)
	}
	if p.Interval < time.Second {
		return p, invalid("interval=%s must be at least 1s", iv)
	}
	if p.TakeProfit, err = r.decimal(keyTakeProfit); err != nil {
		return p, err
	}
	if p.TakeProfit.Cmp(decimal.Thousand) > 0 {
		return p, invalid("take_profit=%s is a percent and must be at most 1000", p.TakeProfit)
	}
	if p.MaxBuys, err = r.integer(keyMaxBuys); err != nil {
		return p, err
	}
	if v, ok := r.raw(keyDipSteps); ok {
		prev := decimal.Zero
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSuffix(strings.TrimSpace(s), "%")
			d, err := decimal.Parse(s)
			if err != nil || !d.IsPos() || d.Cmp(decimal.Hundred) >= 0 {
				return p, invalid("dip_steps: %q must be a percent between 0 and 100 (like dip_steps=2,5,10)", s)
			}
			if d.Cmp(prev) <= 0 {
				return p, invalid("dip_steps must grow: %s comes after %s", d, prev)
			}
			prev = d
			p.DipSteps = append(p.DipSteps, d)
		}
		if len(p.DipSteps) > 20 {
			return p, invalid("dip_steps: at most 20 steps")
		}
	}
	return p, r.unknown()
}

// GridParams are a grid bot's parameters.
type GridParams struct {
	Lower, Upper decimal.Decimal
	Levels       int
	Quantity     decimal.Decimal // base per level
	// Prices are the level prices, lowest first, rounded to the tick size.
	Prices []decimal.Decimal
}

func parseGrid(params map[string]string, rules exchange.Rules) (GridParams, error) {
	r := reader(Grid, params)
	var p GridParams
	var err error
	if p.Lower, err = r.decimal(keyLower); err != nil {
		return p, err
	}
	if p.Upper, err = r.decimal(keyUpper); err != nil {
		return p, err
	}
	if p.Levels, err = r.integer(keyLevels); err != nil {
		return p, err
	}
	if p.Quantity, err = r.decimal(keyQuantity); err != nil {
		return p, err
	}
	if err := r.unknown(); err != nil {
		return p, err
	}
	if p.Upper.Cmp(p.Lower) <= 0 {
		return p, invalid("upper=%s must be above lower=%s", p.Upper, p.Lower)
	}
	if q := rules.RoundQty(p.Quantity, exchange.Limit); !q.Equal(p.Quantity) {
		return p, invalid("quantity=%s is not a multiple of %s's step size %s (try %s)", p.Quantity, rules.Symbol, rules.StepSize, q)
	}
	if !rules.MinQty.IsZero() && p.Quantity.Cmp(rules.MinQty) < 0 {
		return p, invalid("quantity=%s is below %s's minimum quantity %s", p.Quantity, rules.Symbol, rules.MinQty)
	}
	if !rules.MaxQty.IsZero() && p.Quantity.Cmp(rules.MaxQty) > 0 {
		return p, invalid("quantity=%s is above %s's maximum quantity %s", p.Quantity, rules.Symbol, rules.MaxQty)
	}
	if !rules.MinPrice.IsZero() && p.Lower.Cmp(rules.MinPrice) < 0 {
		return p, invalid("lower=%s is below %s's minimum price %s", p.Lower, rules.Symbol, rules.MinPrice)
	}
	if !rules.MaxPrice.IsZero() && p.Upper.Cmp(rules.MaxPrice) > 0 {
		return p, invalid("upper=%s is above %s's maximum price %s", p.Upper, rules.Symbol, rules.MaxPrice)
	}
	span, err := p.Upper.Sub(p.Lower)
	if err != nil {
		return p, invalid("lower and upper are out of range")
	}
	step, err := span.Quo(decimal.MustNew(int64(p.Levels-1), 0))
	if err != nil {
		return p, invalid("lower and upper are out of range")
	}
	p.Prices = make([]decimal.Decimal, p.Levels)
	for i := range p.Prices {
		off, err := step.Mul(decimal.MustNew(int64(i), 0))
		if err != nil {
			return p, invalid("grid prices are out of range")
		}
		v, err := p.Lower.Add(off)
		if err != nil {
			return p, invalid("grid prices are out of range")
		}
		if i == p.Levels-1 {
			v = p.Upper
		}
		p.Prices[i] = rules.RoundPrice(v, exchange.Buy)
		if i > 0 && p.Prices[i].Cmp(p.Prices[i-1]) <= 0 {
			return p, invalid("%d levels between %s and %s are closer than %s's tick size %s: use fewer levels", p.Levels, p.Lower, p.Upper, rules.Symbol, rules.TickSize)
		}
	}
	if !rules.MinNotional.IsZero() {
		n, err := p.Prices[0].Mul(p.Quantity)
		if err != nil || n.Cmp(rules.MinNotional) < 0 {
			return p, invalid("quantity=%s at the lowest level %s is worth %s, below %s's minimum order value %s %s", p.Quantity, p.Prices[0].Trim(0), n.Trim(0), rules.Symbol, rules.MinNotional, rules.Quote)
		}
	}
	return p, nil
}
