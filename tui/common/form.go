package common

import (
	"context"
	"errors"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// formField is one input of a form: free text or a choice cycled with ←/→.
type FormField struct {
	Key, Label, Hint string
	Param            bool // stored in BotConfig.Params
	Optional         bool
	Choices          []string
	Choice           int
	Input            TextField
	Check            func(string) error
}

func (f *FormField) Value() string {
	if f.Choices != nil {
		return f.Choices[f.Choice]
	}
	return strings.TrimSpace(f.Input.Value())
}

func (f *FormField) LocalErr() error {
	v := f.Value()
	if v == "" {
		if f.Optional {
			return nil
		}
		return errors.New("required")
	}
	if f.Check != nil {
		return f.Check(v)
	}
	return nil
}

func NewTextField(_ *Styles, key, label, hint, value string, param, optional bool, check func(string) error) *FormField {
	in := TextField{Limit: 64}
	in.SetValue(value)
	if optional {
		in.Placeholder = "optional"
	}
	return &FormField{Key: key, Label: label, Hint: hint, Param: param, Optional: optional, Input: in, Check: check}
}

// noLiveReason says why a session on exch cannot trade live, or "" when it can: the simulated
// market has no live account, and a live bot saved there would only fail when started.
func NoLiveReason(exch string) string {
	if exch == "sim" {
		return "live trading needs QUANTDECK_EXCHANGE=binance or binance-testnet: this cockpit runs on the simulated market, use paper"
	}
	return ""
}

func CheckSymbol(v string) error {
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

func CheckPositive(v string) error {
	d, err := decimal.Parse(v)
	if err != nil {
		return errors.New("a number like 25 or 0.5")
	}
	if !d.IsPos() {
		return errors.New("must be above zero")
	}
	return nil
}

func CheckNonNeg(v string) error {
	d, err := decimal.Parse(v)
	if err != nil {
		return errors.New("a number like 500")
	}
	if d.IsNeg() {
		return errors.New("cannot be negative")
	}
	return nil
}

// fieldList is an ordered set of form fields with one focused; skip hides fields that do not
// apply (the key label of a paper bot) or cannot change (the name of a bot being edited).
type FieldList struct {
	Fields []*FormField
	Focus  int
	Skip   func(*FormField) bool
}

func (l *FieldList) Field(key string) *FormField {
	for _, fl := range l.Fields {
		if fl.Key == key {
			return fl
		}
	}
	return nil
}

func (l *FieldList) Visible(i int) bool {
	return l.Skip == nil || !l.Skip(l.Fields[i])
}

func (l *FieldList) FocusCmd() tea.Cmd {
	var cmd tea.Cmd
	for i, fl := range l.Fields {
		if i == l.Focus && fl.Choices == nil {
			cmd = fl.Input.Focus()
		} else {
			fl.Input.Blur()
		}
	}
	return cmd
}

func (l *FieldList) MoveFocus(dir int) tea.Cmd {
	n := len(l.Fields)
	for i := 1; i <= n; i++ {
		j := ((l.Focus+dir*i)%n + n) % n
		if l.Visible(j) {
			l.Focus = j
			break
		}
	}
	return l.FocusCmd()
}

func (l *FieldList) LastVisible() int {
	for i := len(l.Fields) - 1; i >= 0; i-- {
		if l.Visible(i) {
			return i
		}
	}
	return 0
}

// snapshot is every field's value in one string, to tell whether the user changed anything.
func (l *FieldList) Snapshot() string {
	var b strings.Builder
	for _, fl := range l.Fields {
		b.WriteString(fl.Key)
		b.WriteByte('=')
		b.WriteString(fl.Value())
		b.WriteByte(0)
	}
	return b.String()
}

// keyLabelsMsg lists the active keys a live bot or order on this exchange can use.
type KeyLabelsMsg struct {
	Labels []string
	Err    error
}

func LoadKeyLabelsCmd(ctx context.Context, v KeyStore, exch string) tea.Cmd {
	if v == nil {
		return nil
	}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		creds, err := v.Credentials(c)
		if err != nil {
			return KeyLabelsMsg{Err: err}
		}
		var labels []string
		for _, cr := range creds {
			if cr.Active() && cr.Exchange == exch && cr.Perms.Verdict().Refused == nil {
				labels = append(labels, cr.Label)
			}
		}
		slices.Sort(labels)
		return KeyLabelsMsg{Labels: slices.Compact(labels)}
	}
}

// applyKeyLabels turns a form's key field into a choice among the usable keys, or says how to
// add one.
func ApplyKeyLabels(exch string, l *FieldList, msg KeyLabelsMsg) {
	fl := l.Field("key")
	if fl == nil {
		return
	}
	switch {
	case msg.Err != nil:
		fl.Hint = "could not list keys: type the label"
	case len(msg.Labels) == 0:
		fl.Hint = "no " + exch + " key: esc, then r adds one"
	default:
		cur := fl.Input.Value()
		fl.Choices, fl.Choice = msg.Labels, 0
		if i := slices.Index(msg.Labels, cur); i >= 0 {
			fl.Choice = i
		}
		fl.Hint = "←/→ the vault's keys for " + exch
		if l.Focus < len(l.Fields) && l.Fields[l.Focus] == fl {
			fl.Input.Blur()
		}
	}
}

// FieldHead is how a form shows a field before its label: the focus marker ("› " or blank)
// and the value, a text input or a row of choices with the chosen one in brackets.
func FieldHead(st *Styles, fl *FormField, focused bool) (marker, value string) {
	marker = "  "
	if focused {
		marker = st.Accent.Render("› ")
	}
	if fl.Choices == nil {
		return marker, fl.Input.View(st)
	}
	return marker, ChoicesView(st, fl.Choices, fl.Choice, focused)
}

// ChoicesView draws a row of choices, the chosen one in brackets, with ◂ ▸ around the row
// while it has the focus (←/→ move the choice).
func ChoicesView(st *Styles, choices []string, chosen int, focused bool) string {
	parts := make([]string, len(choices))
	for j, c := range choices {
		if j == chosen {
			parts[j] = st.FocusedInput.Render("[" + c + "]")
		} else {
			parts[j] = st.Muted.Render(" " + c + " ")
		}
	}
	v := strings.Join(parts, "")
	if focused {
		v = st.Accent.Render("◂ ") + v + st.Accent.Render(" ▸")
	}
	return v
}

// fieldsView renders a field list: label, value (with cursor or ◂ choice ▸), then the field's
// own error or its hint.
func FieldsView(st *Styles, l *FieldList, showRequired bool) string {
	var b strings.Builder
	for i, fl := range l.Fields {
		if !l.Visible(i) && fl.Key != "name" {
			continue
		}
		marker, val := FieldHead(st, fl, i == l.Focus)
		note := st.Muted.Render(fl.Hint)
		if err := fl.LocalErr(); err != nil && (fl.Value() != "" || showRequired) {
			note = st.ErrorText.Render("✗ " + err.Error())
		}
		b.WriteString(marker + st.Label.Render(PadRight(fl.Label, 15)) + PadRight(val, 24) + " " + note + "\n")
	}
	return b.String()
}

// rulesPara summarises a symbol's trading rules and its last price, wrapped to the width.
func RulesPara(c *Common, symbol string, r exchange.Rules, errText string, w int) string {
	st := c.Styles
	switch {
	case symbol == "":
		return Para(st.Muted, "type a symbol to see its trading rules", w)
	case errText != "":
		return Para(st.ErrorText, "✗ "+symbol+": "+errText, w)
	case r.Symbol != symbol:
		return Para(st.Muted, "loading the rules of "+symbol+"…", w)
	}
	var parts []string
	add := func(name string, d decimal.Decimal) {
		if !d.IsZero() {
			parts = append(parts, name+" "+FmtDec(d.Trim(0)))
		}
	}
	add("tick", r.TickSize)
	add("step", r.StepSize)
	add("min qty", r.MinQty)
	add("min notional", r.MinNotional)
	if pv, ok := c.PriceOf(symbol); ok {
		parts = append(parts, "last "+FmtDec(Price(pv.Last)))
	}
	out := Para(st.Muted, symbol+" rules: "+strings.Join(parts, " · "), w)
	if r.Status != "" && r.Status != "TRADING" {
		out += "\n" + Para(st.Danger, symbol+" is not trading ("+r.Status+")", w)
	}
	return out
}

// RulesCmd loads a symbol's trading rules.
func RulesCmd(ctx context.Context, svc Engine, symbol string) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		r, err := svc.Rules(c, symbol)
		return RulesLoadedMsg{Symbol: symbol, Rules: r, Err: err}
	}
}

type (
	// RulesLoadedMsg carries a symbol's trading rules.
	RulesLoadedMsg struct {
		Symbol string
		Rules  exchange.Rules
		Err    error
	}
)
