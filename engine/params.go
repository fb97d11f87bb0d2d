package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Strategy names.
const (
	StrategyDCA  = "dca"
	StrategyGrid = "grid"
)

const maxBotName = 32

// validName reports whether a bot name is 1-32 letters, digits, '-' or '_'. The name goes into
// client order ids, which Binance limits to [a-zA-Z0-9-_].
func validName(s string) bool {
	if len(s) == 0 || len(s) > maxBotName {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ValidateConfig checks a bot configuration against its strategy and the symbol's rules,
// without touching any store. The error wraps ErrInvalidBot and says what to fix.
func ValidateConfig(cfg BotConfig, rules exchange.Rules) error {
	_, err := newStrategy(cfg, rules)
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidBot, fmt.Sprintf(format, args...))
}

// newStrategy validates cfg and builds its strategy.
func newStrategy(cfg BotConfig, rules exchange.Rules) (Strategy, error) {
	if !validName(cfg.Name) {
		return nil, invalid("name %q must be 1-%d letters, digits, '-' or '_'", cfg.Name, maxBotName)
	}
	if cfg.Symbol == "" {
		return nil, invalid("bot %s needs a symbol (like BTCUSDT)", cfg.Name)
	}
	if rules.Symbol != "" && rules.Symbol != cfg.Symbol {
		return nil, invalid("rules for %s were given for bot on %s", rules.Symbol, cfg.Symbol)
	}
	if rules.Status != "" && rules.Status != "TRADING" {
		return nil, invalid("%s is not trading on the exchange (status %s)", cfg.Symbol, rules.Status)
	}
	switch cfg.Mode {
	case Paper:
	case Live:
		if cfg.KeyLabel == "" {
			return nil, invalid("a live bot needs --key LABEL: the vault credential it trades with")
		}
		if !cfg.Budget.IsPos() {
			return nil, invalid("a live bot needs a budget above zero (--budget)")
		}
	default:
		return nil, invalid("mode %q must be paper or live", cfg.Mode)
	}
	if cfg.Budget.IsNeg() {
		return nil, invalid("budget %s must not be negative", cfg.Budget)
	}
	if cfg.MaxOrderNotional.IsNeg() || cfg.DailyLossLimit.IsNeg() || cfg.MaxOpenOrders < 0 {
		return nil, invalid("risk limits must not be negative")
	}
	switch cfg.Strategy {
	case StrategyDCA:
		p, err := parseDCA(cfg.Params, rules)
		if err != nil {
			return nil, err
		}
		if cfg.Budget.IsPos() && p.Amount.Cmp(cfg.Budget) > 0 {
			return nil, invalid("dca amount %s is more than the budget %s", p.Amount, cfg.Budget)
		}
		return newDCA(p), nil
	case StrategyGrid:
		p, err := parseGrid(cfg.Params, rules)
		if err != nil {
			return nil, err
		}
		if cfg.Budget.IsPos() {
			low, err := p.Lower.Mul(p.Quantity)
			if err == nil && low.Cmp(cfg.Budget) > 0 {
				return nil, invalid("budget %s does not cover one grid order (%s x %s)", cfg.Budget, p.Quantity, p.Lower)
			}
		}
		return newGrid(p), nil
	default:
		return nil, invalid("strategy %q must be dca or grid", cfg.Strategy)
	}
}

// paramReader parses strategy parameters and remembers which were used, so unknown ones
// (typos) are reported instead of silently ignored.
type paramReader struct {
	strategy string
	params   map[string]string
	known    []string
}

func (r *paramReader) raw(name string) (string, bool) {
	r.known = append(r.known, name)
	v, ok := r.params[name]
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (r *paramReader) decimal(name string, required bool) (decimal.Decimal, error) {
	v, ok := r.raw(name)
	if !ok {
		if required {
			return decimal.Decimal{}, invalid("%s needs %s=VALUE", r.strategy, name)
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

func (r *paramReader) integer(name string, required bool, lo, hi int) (int, error) {
	v, ok := r.raw(name)
	if !ok {
		if required {
			return 0, invalid("%s needs %s=N", r.strategy, name)
		}
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid("%s=%q is not a whole number", name, v)
	}
	if n < lo || n > hi {
		return 0, invalid("%s=%d must be between %d and %d", name, n, lo, hi)
	}
	return n, nil
}

func (r *paramReader) unknown() error {
	var extra []string
	for k := range r.params {
		found := false
		for _, n := range r.known {
			if n == k {
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return invalid("unknown %s parameter %s (known: %s)", r.strategy, strings.Join(extra, ", "), strings.Join(r.known, ", "))
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
	r := &paramReader{strategy: StrategyDCA, params: params}
	p := DCAParams{minLot: rules.MinQty.Max(rules.StepSize), minNotional: rules.MinNotional}
	var err error
	if p.Amount, err = r.decimal("amount", true); err != nil {
		return p, err
	}
	if !rules.MinNotional.IsZero() && p.Amount.Cmp(rules.MinNotional) < 0 {
		return p, invalid("amount=%s is below %s's minimum order value of %s %s", p.Amount, rules.Symbol, rules.MinNotional, rules.Quote)
	}
	if !rules.MaxNotional.IsZero() && p.Amount.Cmp(rules.MaxNotional) > 0 {
		return p, invalid("amount=%s is above %s's maximum order value of %s %s", p.Amount, rules.Symbol, rules.MaxNotional, rules.Quote)
	}
	iv, ok := r.raw("interval")
	if !ok {
		return p, invalid("dca needs interval=DURATION (like 1h or 30m)")
	}
	if p.Interval, err = time.ParseDuration(iv); err != nil {
		return p, invalid("interval=%q is not a duration like 1h, 30m or 90s", iv)
	}
	if p.Interval < time.Second {
		return p, invalid("interval=%s must be at least 1s", iv)
	}
	if p.TakeProfit, err = r.decimal("take_profit", false); err != nil {
		return p, err
	}
	if p.TakeProfit.Cmp(decimal.Thousand) > 0 {
		return p, invalid("take_profit=%s is a percent and must be at most 1000", p.TakeProfit)
	}
	if p.MaxBuys, err = r.integer("max_buys", false, 1, 1_000_000); err != nil {
		return p, err
	}
	if v, ok := r.raw("dip_steps"); ok {
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
	r := &paramReader{strategy: StrategyGrid, params: params}
	var p GridParams
	var err error
	if p.Lower, err = r.decimal("lower", true); err != nil {
		return p, err
	}
	if p.Upper, err = r.decimal("upper", true); err != nil {
		return p, err
	}
	if p.Levels, err = r.integer("levels", true, 2, 200); err != nil {
		return p, err
	}
	if p.Quantity, err = r.decimal("quantity", true); err != nil {
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
