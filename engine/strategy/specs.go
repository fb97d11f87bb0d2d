package strategy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Names of the strategies.
const (
	DCA  = "dca"
	Grid = "grid"
)

// Parameter keys, as users type them (--set KEY=VALUE, the form, the API).
const (
	keyAmount     = "amount"
	keyInterval   = "interval"
	keyTakeProfit = "take_profit"
	keyMaxBuys    = "max_buys"
	keyDipSteps   = "dip_steps"
	keyLower      = "lower"
	keyUpper      = "upper"
	keyLevels     = "levels"
	keyQuantity   = "quantity"
)

// Kind is the shape of a parameter's value.
type Kind string

// Parameter kinds.
const (
	KindDecimal  Kind = "decimal"  // a decimal number above zero
	KindInteger  Kind = "integer"  // a whole number between Min and Max
	KindDuration Kind = "duration" // a Go duration of at least one second (30m, 4h)
	KindPercents Kind = "percents" // comma-separated percents, each above 0 and below 100
)

// Param describes one strategy parameter: what front ends show and what a value on its own
// must satisfy. What depends on the symbol's rules or on other parameters (a grid's upper
// above its lower, a DCA amount above the minimum order value) is checked by New.
type Param struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Hint     string `json:"hint"`
	Kind     Kind   `json:"kind"`
	Optional bool   `json:"optional"`
	Min      int    `json:"min,omitempty"` // KindInteger only
	Max      int    `json:"max,omitempty"` // KindInteger only
	// Checks says in words what a value must be, for usage text and API clients.
	Checks string `json:"checks"`
}

// Spec describes one strategy and its parameters, in the order a form shows them.
type Spec struct {
	Name    string  `json:"name"`
	Summary string  `json:"summary"` // a few words on what it does
	Params  []Param `json:"params"`
	build   func(params map[string]string, rules exchange.Rules, budget decimal.Decimal) (Strategy, error)
}

// Param returns the spec's parameter called key.
func (s Spec) Param(key string) (Param, bool) {
	for _, p := range s.Params {
		if p.Key == key {
			return p, true
		}
	}
	return Param{}, false
}

// Specs describes every strategy, in a fixed order (the first is the default).
func Specs() []Spec {
	return []Spec{
		{
			Name:    DCA,
			Summary: "scheduled buys",
			Params: []Param{
				{Key: keyAmount, Label: "Amount", Hint: "quote spent per buy", Kind: KindDecimal,
					Checks: "quote currency per buy, above zero and within the symbol's order value limits"},
				{Key: keyInterval, Label: "Interval", Hint: "time between buys, like 4h", Kind: KindDuration,
					Checks: "a duration like 30m, 4h or 24h, at least 1s"},
				{Key: keyTakeProfit, Label: "Take profit %", Hint: "sell all at this gain", Kind: KindDecimal, Optional: true,
					Checks: "percent above the average entry, above zero, at most 1000"},
				{Key: keyMaxBuys, Label: "Max buys", Hint: "stop after this many buys", Kind: KindInteger, Optional: true, Min: 1, Max: 1_000_000,
					Checks: "scheduled buys per cycle, 1 to 1000000"},
				{Key: keyDipSteps, Label: "Dip steps %", Hint: "extra buys at drops, like 2,5,10", Kind: KindPercents, Optional: true,
					Checks: "up to 20 growing percents below the average entry, like 2,5,10"},
			},
			build: buildDCA,
		},
		{
			Name:    Grid,
			Summary: "a range",
			Params: []Param{
				{Key: keyLower, Label: "Lower price", Hint: "bottom of the grid", Kind: KindDecimal,
					Checks: "price above zero, within the symbol's price limits"},
				{Key: keyUpper, Label: "Upper price", Hint: "top of the grid", Kind: KindDecimal,
					Checks: "price above lower, within the symbol's price limits"},
				{Key: keyLevels, Label: "Levels", Hint: "number of grid lines, at least 2", Kind: KindInteger, Min: 2, Max: 200,
					Checks: "2 to 200 levels, at least one tick apart"},
				{Key: keyQuantity, Label: "Quantity", Hint: "base quantity per level", Kind: KindDecimal,
					Checks: "base per level, a multiple of the step size, worth at least the minimum order value at lower"},
			},
			build: buildGrid,
		},
	}
}

// Lookup returns the spec of the strategy called name.
func Lookup(name string) (Spec, bool) {
	for _, s := range Specs() {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Names lists the strategies' names in the order of Specs.
func Names() []string {
	var out []string
	for _, s := range Specs() {
		out = append(out, s.Name)
	}
	return out
}

// ErrInvalid wraps every error about a strategy's name or parameters.
var ErrInvalid = errors.New("invalid bot configuration")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// New validates params against the strategy called name, the symbol's rules and the budget
// (zero: none) and builds the strategy. The error wraps ErrInvalid and says what to fix.
func New(name string, params map[string]string, rules exchange.Rules, budget decimal.Decimal) (Strategy, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, invalid("strategy %q must be %s", name, strings.Join(Names(), " or "))
	}
	return s.build(params, rules, budget)
}

func buildDCA(params map[string]string, rules exchange.Rules, budget decimal.Decimal) (Strategy, error) {
	p, err := parseDCA(params, rules)
	if err != nil {
		return nil, err
	}
	if budget.IsPos() && p.Amount.Cmp(budget) > 0 {
		return nil, invalid("dca amount %s is more than the budget %s", p.Amount, budget)
	}
	return newDCA(p), nil
}

func buildGrid(params map[string]string, rules exchange.Rules, budget decimal.Decimal) (Strategy, error) {
	p, err := parseGrid(params, rules)
	if err != nil {
		return nil, err
	}
	if budget.IsPos() {
		low, err := p.Lower.Mul(p.Quantity)
		if err == nil && low.Cmp(budget) > 0 {
			return nil, invalid("budget %s does not cover one grid order (%s x %s)", budget, p.Quantity, p.Lower)
		}
	}
	return newGrid(p), nil
}

// Check reports whether v, on its own, is a value of the parameter's kind, in the short words
// a form shows beside the field. An empty v is left to the caller (Optional says whether it
// may be).
func (p Param) Check(v string) error {
	switch p.Kind {
	case KindDecimal:
		return checkPositive(v)
	case KindInteger:
		n, err := strconv.Atoi(v)
		if err != nil || n < p.Min {
			return fmt.Errorf("a whole number, at least %d", p.Min)
		}
		if p.Max > 0 && n > p.Max {
			return fmt.Errorf("a whole number, at most %d", p.Max)
		}
	case KindDuration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("a duration like 30m, 4h or 24h")
		}
		if d < time.Second {
			return errors.New("at least 1s")
		}
	case KindPercents:
		for _, s := range strings.Split(v, ",") {
			if err := checkPositive(strings.TrimSuffix(strings.TrimSpace(s), "%")); err != nil {
				return errors.New("percents separated by commas, like 2,5,10")
			}
		}
	}
	return nil
}

func checkPositive(v string) error {
	d, err := decimal.Parse(v)
	if err != nil {
		return errors.New("a number like 25 or 0.5")
	}
	if !d.IsPos() {
		return errors.New("must be above zero")
	}
	return nil
}

// Keys lists the parameter keys of the strategy called name, in form order.
func Keys(name string) []string {
	s, _ := Lookup(name)
	var out []string
	for _, p := range s.Params {
		out = append(out, p.Key)
	}
	return slices.Clip(out)
}
