// Package botform owns the bot form: it creates or edits a bot, checking each field as the
// user types and the whole configuration against the engine (the strategy and the symbol's
// rules) a moment after the last key, and saves a live bot only after a y/N confirmation.
package botform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen creates or edits a bot, validating against the strategy and the symbol's rules as
// the user types.
type Screen struct {
	c    *common.Common
	w, h int

	common.FieldList
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
	// limits holds the risk limits of the edited or drafted bot (its maximum order value,
	// open orders and daily loss): the form has no field for them and keeps them as they are.
	limits engine.BotConfig
}

type (
	formTickMsg  struct{ seq int }
	validatedMsg struct {
		seq int
		err error
	}
	botSavedMsg struct {
		name string
		err  error
	}
)

const validateAfter = 250 * time.Millisecond

// New opens the form on a new bot for args.Symbol, or on args.Edit.
func New(com *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	f := &Screen{c: com}
	s := f
	c := engine.BotConfig{Strategy: strategy.Specs()[0].Name, Mode: engine.Paper, Symbol: args.Symbol}
	if args.Draft != nil && args.Edit == nil {
		// A draft (a backtested setting) always opens as a paper bot: live is the user's choice.
		c = *args.Draft
		c.Mode, c.KeyLabel = engine.Paper, ""
	}
	if args.Edit != nil {
		c, f.editing = *args.Edit, true
		f.held, f.heldOn = args.Held, args.Edit.Symbol
	}
	f.limits = engine.BotConfig{MaxOrderNotional: c.MaxOrderNotional, MaxOpenOrders: c.MaxOpenOrders, DailyLossLimit: c.DailyLossLimit}
	st := s.c.Styles
	taken := map[string]bool{}
	if !f.editing {
		for _, b := range s.c.Snap.Bots {
			taken[b.Config.Name] = true
		}
	}
	name := common.NewTextField(st, "name", "Name", "letters, digits, - and _", c.Name, false, false, func(v string) error {
		if taken[v] {
			return errors.New("already a bot: pick another name")
		}
		return common.CheckName(v)
	})
	if f.editing {
		name.Input.Blur()
	}
	strat := strategyField(c.Strategy)
	mode := &common.FormField{Key: "mode", Label: "Mode", Hint: "←/→ paper is simulated, live is real", Choices: []string{"paper", "live"}}
	if c.Mode == engine.Live {
		mode.Choice = 1
	}
	budget := ""
	if !c.Budget.IsZero() {
		budget = c.Budget.String()
	}
	f.Fields = []*common.FormField{
		name,
		common.NewTextField(st, "symbol", "Symbol", "like BTCUSDT", c.Symbol, false, false, common.CheckSymbol),
		strat,
		mode,
		common.NewTextField(st, "key", "Key label", "vault key for live orders (r: keys)", c.KeyLabel, false, false, common.CheckName),
		common.NewTextField(st, "budget", "Budget", "most quote to commit; live needs one", budget, false, true, common.CheckNonNeg),
	}
	f.setStrategyFields(st, c.Strategy, c.Params)
	f.extra, f.openedAs = map[string]string{}, c.Strategy
	f.noLive = common.NoLiveReason(s.c.Exchange)
	for k, v := range c.Params {
		if fl := f.Field(k); fl == nil || !fl.Param {
			f.extra[k] = v
		}
	}
	f.Skip = func(fl *common.FormField) bool {
		return fl.Key == "key" && f.Field("mode").Value() != "live" || fl.Key == "name" && f.editing
	}
	f.initial = f.Snapshot()
	if f.editing {
		f.Focus = 1
	}
	return s, tea.Batch(f.FocusCmd(), s.formChanged(), common.LoadKeyLabelsCmd(s.c.Ctx, s.c.Vault, s.c.Exchange))
}

// setStrategyFields replaces the parameter fields with the strategy's, keeping typed values.
func (f *Screen) setStrategyFields(st *common.Styles, name string, params map[string]string) {
	keep := map[string]string{}
	for _, fl := range f.Fields {
		if fl.Param {
			keep[fl.Key] = fl.Input.Value()
		}
	}
	for k, v := range params {
		keep[k] = v
	}
	base := f.Fields[:6]
	var extra []*common.FormField
	spec, _ := strategy.Lookup(name)
	for _, p := range spec.Params {
		extra = append(extra, common.NewTextField(st, p.Key, p.Label, p.Hint, keep[p.Key], true, p.Optional, p.Check))
	}
	f.Fields = append(base[:6:6], extra...)
}

// strategyField is the strategy choice, one entry per strategy spec, on current (the first
// spec when current names none).
func strategyField(current string) *common.FormField {
	fl := &common.FormField{Key: "strategy", Label: "Strategy"}
	var hints []string
	for i, s := range strategy.Specs() {
		fl.Choices = append(fl.Choices, s.Name)
		hints = append(hints, s.Name+": "+s.Summary)
		if s.Name == current {
			fl.Choice = i
		}
	}
	fl.Hint = "←/→ " + strings.Join(hints, ", ")
	return fl
}

// config builds the bot configuration from the fields.
func (f *Screen) config() engine.BotConfig {
	c := engine.BotConfig{
		Name:     f.Field("name").Value(),
		Symbol:   strings.ToUpper(f.Field("symbol").Value()),
		Strategy: f.Field("strategy").Value(),
		Mode:     engine.Mode(f.Field("mode").Value()),
		Params:   map[string]string{},

		MaxOrderNotional: f.limits.MaxOrderNotional,
		MaxOpenOrders:    f.limits.MaxOpenOrders,
		DailyLossLimit:   f.limits.DailyLossLimit,
	}
	if c.Mode == engine.Live {
		c.KeyLabel = f.Field("key").Value()
	}
	if b, err := decimal.Parse(f.Field("budget").Value()); err == nil {
		c.Budget = b
	}
	if c.Strategy == f.strategyAtOpen() {
		for k, v := range f.extra {
			c.Params[k] = v
		}
	}
	for _, fl := range f.Fields {
		if fl.Param && fl.Value() != "" {
			c.Params[fl.Key] = fl.Value()
		}
	}
	return c
}

// firstLocalErr returns the first visible field that fails its own check; a held position
// that the edit would orphan comes first.
func (f *Screen) firstLocalErr() (int, error) {
	if f.Field("mode").Value() == "live" && f.noLive != "" {
		return 3, errors.New(f.noLive)
	}
	if !f.held.IsZero() {
		what := ""
		switch {
		case strings.ToUpper(f.Field("symbol").Value()) != f.heldOn:
			what = "its symbol"
		case f.Field("strategy").Value() != f.openedAs:
			what = "its strategy"
		}
		if what != "" {
			i := 1
			if what == "its strategy" {
				i = 2
			}
			return i, fmt.Errorf("%s holds %s on %s, so %s cannot change: sell the position first, or create a new bot",
				f.Field("name").Value(), common.FmtDec(common.Qty(f.held)), f.heldOn, what)
		}
	}
	for i, fl := range f.Fields {
		if fl.Key == "key" && f.Field("mode").Value() != "live" {
			continue
		}
		if err := fl.LocalErr(); err != nil {
			return i, err
		}
	}
	if f.Field("mode").Value() == "live" && f.Field("budget").Value() == "" {
		return 5, errors.New("a live bot needs a budget")
	}
	return f.ruleErr()
}

// strategyAtOpen is the strategy the form opened with; extra parameters belong to it only.
func (f *Screen) strategyAtOpen() string { return f.openedAs }

// formChanged schedules validation a moment after the last key press.
func (s *Screen) formChanged() tea.Cmd {
	f := s
	f.seq++
	seq := f.seq
	f.valErr = ""
	return s.c.Tick(validateAfter, func(time.Time) tea.Msg { return formTickMsg{seq: seq} })
}

func (s *Screen) updateForm(msg tea.Msg) tea.Cmd {
	f := s
	switch msg := msg.(type) {
	case formTickMsg:
		if msg.seq != f.seq {
			return nil
		}
		var cmds []tea.Cmd
		cfg := f.config()
		if cfg.Symbol != f.rulesFor && common.CheckSymbol(cfg.Symbol) == nil {
			f.rulesFor, f.rulesErr = cfg.Symbol, ""
			cmds = append(cmds, common.RulesCmd(s.c.Ctx, s.c.Engine, cfg.Symbol))
		}
		if _, err := f.firstLocalErr(); err == nil {
			f.validating = true
			svc, ctx, seq := s.c.Engine, s.c.Ctx, f.seq
			cmds = append(cmds, func() tea.Msg {
				c, cancel := context.WithTimeout(ctx, common.CallTimeout)
				defer cancel()
				return validatedMsg{seq: seq, err: svc.ValidateBot(c, cfg)}
			})
		}
		return tea.Batch(cmds...)
	case validatedMsg:
		if msg.seq != f.seq {
			return nil
		}
		f.validating = false
		f.valErr = ""
		if msg.err != nil {
			f.valErr = common.Clean(msg.err.Error())
		}
	case common.RulesLoadedMsg:
		if msg.Symbol != f.rulesFor {
			return nil
		}
		f.rules = msg.Rules
		if msg.Err != nil {
			f.rulesErr = common.Clean(msg.Err.Error())
		}
	case botSavedMsg:
		f.saving = false
		if msg.err != nil {
			f.err = "could not save " + msg.name + ": " + common.Clean(msg.err.Error())
			return nil
		}
		s.c.Host.Back()
		s.c.Host.Info("bot " + msg.name + " saved: select it and press s to start it")
		return common.Refresh
	}
	return nil
}

func (s *Screen) formKey(k tea.KeyMsg) tea.Cmd {
	f := s
	if f.saving {
		if key.Matches(k, s.c.Keys.ForceQuit) {
			return s.c.Host.Quit()
		}
		return nil
	}
	fl := f.Fields[f.Focus]
	switch {
	case key.Matches(k, s.c.Keys.ForceQuit):
		return s.c.Host.Quit()
	case key.Matches(k, s.c.Keys.Back):
		leave := func() tea.Cmd {
			s.c.Host.Back()
			return nil
		}
		if f.Snapshot() != f.initial {
			s.ask("Discard what you typed in this form?", "The bot is not saved.", false, leave)
			return nil
		}
		return leave()
	case key.Matches(k, s.c.Keys.Submit):
		return s.submitForm()
	case key.Matches(k, s.c.Keys.FormBacktest):
		return s.backtest()
	case k.Type == tea.KeyEnter:
		if f.LastVisible() == f.Focus {
			return s.submitForm()
		}
		return f.MoveFocus(1)
	case key.Matches(k, s.c.Keys.Tab), k.Type == tea.KeyDown:
		return f.MoveFocus(1)
	case key.Matches(k, s.c.Keys.ShiftTab), k.Type == tea.KeyUp:
		return f.MoveFocus(-1)
	}
	if fl.Choices != nil {
		switch {
		case key.Matches(k, s.c.Keys.Left):
			fl.Choice = (fl.Choice + len(fl.Choices) - 1) % len(fl.Choices)
		case key.Matches(k, s.c.Keys.Right), key.Matches(k, s.c.Keys.Toggle):
			fl.Choice = (fl.Choice + 1) % len(fl.Choices)
		default:
			return nil
		}
		if fl.Key == "strategy" {
			f.setStrategyFields(s.c.Styles, fl.Value(), nil)
		}
		return s.formChanged()
	}
	before := fl.Input.Value()
	fl.Input.Key(k)
	if fl.Key == "symbol" {
		if up := strings.ToUpper(fl.Input.Value()); up != fl.Input.Value() {
			fl.Input.SetValue(up)
		}
	}
	if fl.Input.Value() != before {
		f.err = ""
		return s.formChanged()
	}
	return nil
}

func (s *Screen) submitForm() tea.Cmd {
	f := s
	if i, err := f.firstLocalErr(); err != nil {
		f.Focus = i
		f.err = f.Fields[i].Label + ": " + err.Error()
		return f.FocusCmd()
	}
	if f.valErr != "" {
		f.err = "fix this first: " + f.valErr
		return nil
	}
	cfg := f.config()
	svc, ctx, editing := s.c.Engine, s.c.Ctx, f.editing
	save := func() tea.Cmd {
		f.saving, f.err = true, ""
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, common.CallTimeout)
			defer cancel()
			var err error
			if editing {
				err = svc.UpdateBot(c, cfg)
			} else {
				err = svc.AddBot(c, cfg)
			}
			return botSavedMsg{name: cfg.Name, err: err}
		}
	}
	if cfg.Mode == engine.Live {
		s.ask("Save "+cfg.Name+" as a LIVE bot?", "Once started it places real orders on "+s.c.Exchange+" with key "+cfg.KeyLabel+", within a budget of "+common.FmtDec(cfg.Budget)+".", true, save)
		return nil
	}
	return save()
}

func (s *Screen) formView() string {
	f, st := s, s.c.Styles
	var b strings.Builder
	title := "New bot"
	if f.editing {
		title = "Edit bot " + f.Field("name").Value()
	}
	b.WriteString(" " + st.Title.Render(title) + st.Muted.Render("  checked against the strategy and the symbol's rules as you type") + "\n\n")
	b.WriteString(common.FieldsView(s.c.Styles, &f.FieldList, f.err != ""))
	b.WriteString("\n")
	b.WriteString(common.RulesPara(s.c, f.rulesFor, f.rules, f.rulesErr, s.w) + "\n")
	switch {
	case f.saving:
		b.WriteString(st.Accent.Render(" saving…") + "\n")
	case f.err != "":
		b.WriteString(common.Para(st.Danger, "✗ "+f.err, s.w) + "\n")
	case f.valErr != "":
		b.WriteString(common.Para(st.ErrorText, "✗ "+f.valErr, s.w) + "\n")
	case f.validating:
		b.WriteString(st.Muted.Render(" checking…") + "\n")
	default:
		i, err := f.firstLocalErr()
		switch {
		case err == nil:
			b.WriteString(st.OK.Render(" ✓ valid: ctrl+s saves") + "\n")
		case f.Fields[i].LocalErr() == nil:
			// A rule across fields (a live budget, a held position): the fields look fine.
			b.WriteString(common.Para(st.ErrorText, "✗ "+err.Error(), s.w) + "\n")
		default:
			b.WriteString(st.Muted.Render(" fill in the fields; ctrl+s saves") + "\n")
		}
	}
	return b.String()
}

// Update handles keys and the results of the screen's commands.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.formKey(msg)
	case common.KeyLabelsMsg:
		common.ApplyKeyLabels(s.c.Exchange, &s.FieldList, msg)
		return nil
	}
	return s.updateForm(msg)
}

// View draws the form and its verdict.
func (s *Screen) View(time.Time) string { return s.formView() }

// ShortHelp is the form's help bar.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	save := k.Submit
	save.SetHelp("ctrl+s", "save")
	return []key.Binding{k.NextField, k.Left, save, k.FormBacktest, k.Back}
}

// backtest opens the backtest screen on the form's settings; leaving it comes back to the
// form with them.
func (s *Screen) backtest() tea.Cmd {
	cfg := s.config()
	args := common.Args{Draft: &cfg}
	if s.editing {
		edit := cfg
		if !s.held.IsZero() {
			// The held position pins the symbol and strategy; coming back must not lift that.
			edit.Symbol, edit.Strategy = s.heldOn, s.openedAs
		}
		args = common.Args{Edit: &edit, Held: s.held, Draft: &cfg}
	}
	return s.c.Host.Open(common.ScreenBacktest, args)
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is true: every printable key is input.
func (s *Screen) TakesText() bool { return true }

func (s *Screen) ask(prompt, detail string, danger bool, onYes func() tea.Cmd) {
	s.c.Host.Ask(common.Question{Prompt: prompt, Detail: detail, Danger: danger, OnYes: onYes})
}
