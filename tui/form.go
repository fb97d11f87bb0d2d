package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// formField is one input of a form: free text or a choice cycled with ←/→.
type formField struct {
	key, label, hint string
	param            bool // stored in BotConfig.Params
	optional         bool
	choices          []string
	choice           int
	input            common.TextField
	check            func(string) error
}

func (f *formField) value() string {
	if f.choices != nil {
		return f.choices[f.choice]
	}
	return strings.TrimSpace(f.input.Value())
}

func (f *formField) localErr() error {
	v := f.value()
	if v == "" {
		if f.optional {
			return nil
		}
		return errors.New("required")
	}
	if f.check != nil {
		return f.check(v)
	}
	return nil
}

func newTextField(_ *common.Styles, key, label, hint, value string, param, optional bool, check func(string) error) *formField {
	in := common.TextField{Limit: 64}
	in.SetValue(value)
	if optional {
		in.Placeholder = "optional"
	}
	return &formField{key: key, label: label, hint: hint, param: param, optional: optional, input: in, check: check}
}

// botForm creates or edits a bot, validating against the strategy and the symbol's rules as
// the user types.
type botForm struct {
	fieldList
	editing    bool
	extra      map[string]string // parameters of an edited bot that the form has no field for
	openedAs   string            // the strategy the form opened with
	initial    string            // the fields' values when the form opened
	seq        int
	valErr     string // the engine's verdict on the whole configuration
	validating bool
	rules      exchange.Rules
	rulesFor   string
	rulesErr   string
	saving     bool
	err        string
	// held is the edited bot's position and heldOn its symbol: the position belongs to that
	// symbol and strategy, so neither may change while the bot holds something.
	held   decimal.Decimal
	heldOn string
	// noLive says why this session cannot trade live ("" when it can).
	noLive string
}

type (
	formTickMsg  struct{ seq int }
	validatedMsg struct {
		seq int
		err error
	}
	rulesLoadedMsg struct {
		symbol string
		rules  exchange.Rules
		err    error
	}
	botSavedMsg struct {
		name string
		err  error
	}
)

const validateAfter = 250 * time.Millisecond

// noLiveReason says why a session on exch cannot trade live, or "" when it can: the simulated
// market has no live account, and a live bot saved there would only fail when started.
func noLiveReason(exch string) string {
	if exch == "sim" {
		return "live trading needs QUANTDECK_EXCHANGE=binance or binance-testnet: this cockpit runs on the simulated market, use paper"
	}
	return ""
}

func checkName(v string) error {
	if len(v) > 32 {
		return errors.New("at most 32 characters")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errors.New("letters, digits, - and _ only")
		}
	}
	return nil
}

func checkSymbol(v string) error {
	if len(v) < 5 || len(v) > 20 {
		return errors.New("a symbol like BTCUSDT")
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return errors.New("upper-case letters and digits, like BTCUSDT")
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

func checkNonNeg(v string) error {
	d, err := decimal.Parse(v)
	if err != nil {
		return errors.New("a number like 500")
	}
	if d.IsNeg() {
		return errors.New("cannot be negative")
	}
	return nil
}

func (m *Model) openForm(cfg *engine.BotConfig) tea.Cmd {
	f := &botForm{}
	c := engine.BotConfig{Strategy: strategy.Specs()[0].Name, Mode: engine.Paper, Symbol: m.dash.selectedSymbol()}
	if cfg != nil {
		c, f.editing = *cfg, true
	}
	st := m.st
	taken := map[string]bool{}
	if !f.editing {
		for _, b := range m.snap.Bots {
			taken[b.Config.Name] = true
		}
	}
	name := newTextField(st, "name", "Name", "letters, digits, - and _", c.Name, false, false, func(v string) error {
		if taken[v] {
			return errors.New("already a bot: pick another name")
		}
		return checkName(v)
	})
	if f.editing {
		name.input.Blur()
	}
	strat := strategyField(c.Strategy)
	mode := &formField{key: "mode", label: "Mode", hint: "←/→ paper is simulated, live is real", choices: []string{"paper", "live"}}
	if c.Mode == engine.Live {
		mode.choice = 1
	}
	budget := ""
	if !c.Budget.IsZero() {
		budget = c.Budget.String()
	}
	f.fields = []*formField{
		name,
		newTextField(st, "symbol", "Symbol", "like BTCUSDT", c.Symbol, false, false, checkSymbol),
		strat,
		mode,
		newTextField(st, "key", "Key label", "vault key for live orders (r: keys)", c.KeyLabel, false, false, checkName),
		newTextField(st, "budget", "Budget", "most quote to commit; live needs one", budget, false, true, checkNonNeg),
	}
	f.setStrategyFields(st, c.Strategy, c.Params)
	f.extra, f.openedAs = map[string]string{}, c.Strategy
	f.noLive = noLiveReason(m.opts.Exchange)
	for k, v := range c.Params {
		if fl := f.field(k); fl == nil || !fl.param {
			f.extra[k] = v
		}
	}
	f.skip = func(fl *formField) bool {
		return fl.key == "key" && f.field("mode").value() != "live" || fl.key == "name" && f.editing
	}
	f.initial = f.snapshot()
	m.form = f
	m.screen = scrForm
	if f.editing {
		f.focus = 1
	}
	return tea.Batch(f.focusCmd(), m.formChanged(), loadKeyLabelsCmd(m.ctx, m.opts.Vault, m.opts.Exchange))
}

// setStrategyFields replaces the parameter fields with the strategy's, keeping typed values.
func (f *botForm) setStrategyFields(st *common.Styles, name string, params map[string]string) {
	keep := map[string]string{}
	for _, fl := range f.fields {
		if fl.param {
			keep[fl.key] = fl.input.Value()
		}
	}
	for k, v := range params {
		keep[k] = v
	}
	base := f.fields[:6]
	var extra []*formField
	spec, _ := strategy.Lookup(name)
	for _, p := range spec.Params {
		extra = append(extra, newTextField(st, p.Key, p.Label, p.Hint, keep[p.Key], true, p.Optional, p.Check))
	}
	f.fields = append(base[:6:6], extra...)
}

// strategyField is the strategy choice, one entry per strategy spec, on current (the first
// spec when current names none).
func strategyField(current string) *formField {
	fl := &formField{key: "strategy", label: "Strategy"}
	var hints []string
	for i, s := range strategy.Specs() {
		fl.choices = append(fl.choices, s.Name)
		hints = append(hints, s.Name+": "+s.Summary)
		if s.Name == current {
			fl.choice = i
		}
	}
	fl.hint = "←/→ " + strings.Join(hints, ", ")
	return fl
}

// config builds the bot configuration from the fields.
func (f *botForm) config() engine.BotConfig {
	c := engine.BotConfig{
		Name:     f.field("name").value(),
		Symbol:   strings.ToUpper(f.field("symbol").value()),
		Strategy: f.field("strategy").value(),
		Mode:     engine.Mode(f.field("mode").value()),
		Params:   map[string]string{},
	}
	if c.Mode == engine.Live {
		c.KeyLabel = f.field("key").value()
	}
	if b, err := decimal.Parse(f.field("budget").value()); err == nil {
		c.Budget = b
	}
	if c.Strategy == f.strategyAtOpen() {
		for k, v := range f.extra {
			c.Params[k] = v
		}
	}
	for _, fl := range f.fields {
		if fl.param && fl.value() != "" {
			c.Params[fl.key] = fl.value()
		}
	}
	return c
}

// firstLocalErr returns the first visible field that fails its own check; a held position
// that the edit would orphan comes first.
func (f *botForm) firstLocalErr() (int, error) {
	if f.field("mode").value() == "live" && f.noLive != "" {
		return 3, errors.New(f.noLive)
	}
	if !f.held.IsZero() {
		what := ""
		switch {
		case strings.ToUpper(f.field("symbol").value()) != f.heldOn:
			what = "its symbol"
		case f.field("strategy").value() != f.openedAs:
			what = "its strategy"
		}
		if what != "" {
			i := 1
			if what == "its strategy" {
				i = 2
			}
			return i, fmt.Errorf("%s holds %s on %s, so %s cannot change: sell the position first, or create a new bot",
				f.field("name").value(), common.FmtDec(common.Qty(f.held)), f.heldOn, what)
		}
	}
	for i, fl := range f.fields {
		if fl.key == "key" && f.field("mode").value() != "live" {
			continue
		}
		if err := fl.localErr(); err != nil {
			return i, err
		}
	}
	if f.field("mode").value() == "live" && f.field("budget").value() == "" {
		return 5, errors.New("a live bot needs a budget")
	}
	return -1, nil
}

// strategyAtOpen is the strategy the form opened with; extra parameters belong to it only.
func (f *botForm) strategyAtOpen() string { return f.openedAs }
