// Package ticket owns the order ticket: a manual limit or market order, shown rounded to the
// symbol's rules with its value, checked as the user types against everything the engine
// would refuse, and placed only after a y/N confirmation.
package ticket

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
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen places a manual limit or market order. It shows the price and quantity rounded
// to the symbol's rules and the notional before asking for confirmation.
type Screen struct {
	c    *common.Common
	w, h int

	common.FieldList
	rules    exchange.Rules
	rulesFor string
	rulesErr string
	placing  bool
	err      string
	// autoPrice is the price the ticket filled in from the last trade; it follows the symbol
	// until the user types their own.
	autoPrice string
}

type orderPlacedMsg struct {
	order engine.OrderView
	err   error
}

// New opens the ticket on args.Symbol (empty: the user types one).
func New(c *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	symbol := args.Symbol
	s := &Screen{c: c}
	st := s.c.Styles
	t := s
	t.Fields = []*common.FormField{
		common.NewTextField(st, "symbol", "Symbol", "", symbol, false, false, common.CheckSymbol),
		{Key: "side", Label: "Side", Hint: "←/→", Choices: []string{"BUY", "SELL"}},
		{Key: "type", Label: "Type", Hint: "←/→ limit rests, market fills now", Choices: []string{"LIMIT", "MARKET"}},
		common.NewTextField(st, "qty", "Quantity", "base asset", "", false, false, common.CheckPositive),
		common.NewTextField(st, "price", "Price", "quote per unit", "", false, false, common.CheckPositive),
		{Key: "mode", Label: "Mode", Hint: "←/→ paper is simulated, live is real", Choices: []string{"paper", "live"}},
		common.NewTextField(st, "key", "Key label", "vault key for live orders", "", false, false, common.CheckName),
	}
	t.Skip = func(fl *common.FormField) bool {
		switch fl.Key {
		case "price":
			return t.Field("type").Value() == "MARKET"
		case "key":
			return t.Field("mode").Value() != "live"
		}
		return false
	}
	t.Focus = 3
	if symbol == "" {
		t.Focus = 0
	}
	t.followPrice(symbol)
	var cmd tea.Cmd
	if common.CheckSymbol(symbol) == nil {
		t.rulesFor = symbol
		cmd = common.RulesCmd(s.c.Ctx, s.c.Engine, symbol)
	}
	return s, tea.Batch(t.FocusCmd(), cmd, common.LoadKeyLabelsCmd(s.c.Ctx, s.c.Vault, s.c.Exchange))
}

// followPrice puts symbol's last price in the price field unless the user typed one: a price
// left over from another symbol would be far off the market.
func (t *Screen) followPrice(symbol string) {
	in := &t.Field("price").Input
	if in.Value() != t.autoPrice {
		return
	}
	t.autoPrice = ""
	if pv, ok := t.c.PriceOf(symbol); ok && pv.Last.IsPos() {
		t.autoPrice = common.Price(pv.Last).String()
	}
	in.SetValue(t.autoPrice)
}

func (s *Screen) updateTicket(msg tea.Msg) tea.Cmd {
	t := s
	switch msg := msg.(type) {
	case common.RulesLoadedMsg:
		if msg.Symbol != t.rulesFor {
			return nil
		}
		t.rules, t.rulesErr = msg.Rules, ""
		if msg.Err != nil {
			t.rulesErr = common.Clean(msg.Err.Error())
			break
		}
		if b, q := common.Clean(msg.Rules.Base), common.Clean(msg.Rules.Quote); b != "" && q != "" {
			t.Field("qty").Hint = "in " + b
			t.Field("price").Hint = q + " per " + b
		}
	case orderPlacedMsg:
		t.placing = false
		if msg.err != nil {
			t.err = "the order was not placed: " + common.Clean(msg.err.Error())
			return nil
		}
		o := msg.order
		s.c.Host.Back()
		s.c.Host.Info(fmt.Sprintf("order placed: %s %s %s (%s, %s)", o.Side, common.FmtDec(s.qty(o.Quantity)), o.Symbol, o.State, common.ModeWord(o.Mode)))
		return common.Refresh
	}
	return nil
}

// preview normalises the order with the symbol's rules: what would be sent, and the notional.
func (s *Screen) ticketPreview() (exchange.OrderRequest, decimal.Decimal, error) {
	t := s
	if s.c.Snap.KillSwitch {
		// The engine refuses every order while it is engaged: no preview for an order that
		// can only fail.
		return exchange.OrderRequest{}, decimal.Zero, errors.New("the kill switch is engaged: no order can be placed until it is released (esc, then K)")
	}
	if t.Field("mode").Value() == "live" {
		if why := common.NoLiveReason(s.c.Exchange); why != "" {
			return exchange.OrderRequest{}, decimal.Zero, errors.New(why)
		}
	}
	for i, fl := range t.Fields {
		if !t.Visible(i) {
			continue
		}
		if err := fl.LocalErr(); err != nil {
			return exchange.OrderRequest{}, decimal.Zero, fmt.Errorf("%s: %w", strings.ToLower(fl.Label), err)
		}
	}
	symbol := t.Field("symbol").Value()
	if t.rulesErr != "" {
		return exchange.OrderRequest{}, decimal.Zero, errors.New("no rules for " + symbol + ": " + t.rulesErr)
	}
	if t.rules.Symbol != symbol {
		return exchange.OrderRequest{}, decimal.Zero, errors.New("loading the rules of " + symbol + "…")
	}
	req := exchange.OrderRequest{
		Symbol: symbol,
		Side:   exchange.Side(t.Field("side").Value()),
		Type:   exchange.OrderType(t.Field("type").Value()),
	}
	req.Quantity, _ = decimal.Parse(t.Field("qty").Value())
	if req.Type == exchange.Limit {
		req.Price, _ = decimal.Parse(t.Field("price").Value())
	}
	ref := req.Price
	if req.Type == exchange.Market {
		pv, ok := s.c.PriceOf(symbol)
		if !ok || !pv.Last.IsPos() {
			// Without a price the value of a market order is unknown: nobody should confirm that.
			return exchange.OrderRequest{}, decimal.Zero, errors.New("no price for " + symbol +
				" (it is not in the watchlist, QUANTDECK_SYMBOLS): its market value is unknown, place a limit order instead")
		}
		ref = pv.Last
		if req.Side == exchange.Buy && pv.Ask.IsPos() {
			ref = pv.Ask
		} else if req.Side == exchange.Sell && pv.Bid.IsPos() {
			ref = pv.Bid
		}
	}
	out, err := t.rules.Normalize(req, ref)
	if err != nil {
		return out, decimal.Zero, s.refusal(req, ref, err)
	}
	p := out.Price
	if out.Type == exchange.Market {
		p = ref
	}
	notional, err := p.Mul(out.Quantity)
	if err != nil {
		return out, decimal.Zero, fmt.Errorf("the order value is too large: %w", err)
	}
	if err := s.checkFree(out, notional); err != nil {
		return out, notional, err
	}
	return out, notional, nil
}

// checkFree refuses an order the account cannot pay for: a buy needs its value in the quote
// asset free, a sell its quantity in the base asset. Balances the cockpit has not seen for the
// mode (a live account before its first sync) are not guessed at.
func (s *Screen) checkFree(o exchange.OrderRequest, notional decimal.Decimal) error {
	mode := engine.Mode(s.Field("mode").Value())
	asset, need := s.rules.Quote, notional
	if o.Side == exchange.Sell {
		asset, need = s.rules.Base, o.Quantity
	}
	known := false
	free := decimal.Zero
	for _, b := range s.c.Snap.Balances {
		if b.Mode != mode {
			continue
		}
		known = true
		if b.Asset == asset {
			free = b.Free
		}
	}
	if !known || asset == "" || free.Cmp(need) >= 0 {
		return nil
	}
	fmtAmount := func(d decimal.Decimal) string { return common.FmtDec(s.qty(d)) }
	if asset == s.rules.Quote {
		fmtAmount = func(d decimal.Decimal) string { return common.FmtDec(s.quote(d)) }
	}
	return fmt.Errorf("not enough %s: this order needs %s, the %s account has %s free", asset, fmtAmount(need), mode, fmtAmount(free))
}

func (s *Screen) ticketKey(k tea.KeyMsg) tea.Cmd {
	t := s
	switch {
	case key.Matches(k, s.c.Keys.ForceQuit):
		return s.c.Host.Quit()
	case t.placing:
		return nil
	case key.Matches(k, s.c.Keys.Back):
		leave := func() tea.Cmd {
			s.c.Host.Back()
			return nil
		}
		if t.Field("qty").Value() != "" {
			s.ask("Discard this order?", "Nothing is sent.", false, leave)
			return nil
		}
		return leave()
	case key.Matches(k, s.c.Keys.Submit):
		return s.submitTicket()
	case k.Type == tea.KeyEnter:
		if t.Focus == t.LastVisible() {
			return s.submitTicket()
		}
		return t.MoveFocus(1)
	case key.Matches(k, s.c.Keys.Tab), k.Type == tea.KeyDown:
		return t.MoveFocus(1)
	case key.Matches(k, s.c.Keys.ShiftTab), k.Type == tea.KeyUp:
		return t.MoveFocus(-1)
	}
	fl := t.Fields[t.Focus]
	if fl.Choices != nil {
		switch {
		case key.Matches(k, s.c.Keys.Left):
			fl.Choice = (fl.Choice + len(fl.Choices) - 1) % len(fl.Choices)
		case key.Matches(k, s.c.Keys.Right), key.Matches(k, s.c.Keys.Toggle):
			fl.Choice = (fl.Choice + 1) % len(fl.Choices)
		}
		t.err = ""
		return nil
	}
	before := fl.Input.Value()
	fl.Input.Key(k)
	if fl.Key == "symbol" {
		up := strings.ToUpper(fl.Input.Value())
		if up != fl.Input.Value() {
			fl.Input.SetValue(up)
		}
		if up != before {
			t.followPrice(up)
		}
		if up != before && common.CheckSymbol(up) == nil && up != t.rulesFor {
			t.rulesFor, t.rulesErr = up, ""
			return common.RulesCmd(s.c.Ctx, s.c.Engine, up)
		}
	}
	t.err = ""
	return nil
}

func (s *Screen) submitTicket() tea.Cmd {
	t := s
	req, notional, err := s.ticketPreview()
	if err != nil {
		t.err = err.Error()
		return nil
	}
	mo := engine.ManualOrder{
		Symbol: req.Symbol, Side: req.Side, Type: req.Type,
		Quantity: req.Quantity, Price: req.Price, Mode: engine.Mode(t.Field("mode").Value()),
	}
	if mo.Mode == engine.Live {
		mo.KeyLabel = t.Field("key").Value()
	}
	what := fmt.Sprintf("%s %s %s %s", mo.Type, mo.Side, common.FmtDec(s.qty(mo.Quantity)), mo.Symbol)
	if mo.Type == exchange.Limit {
		what += " @ " + common.FmtDec(s.price(mo.Price))
	}
	detail := fmt.Sprintf("Notional ≈ %s %s. Mode %s.", common.FmtDec(s.quote(notional)), t.rules.Quote, common.ModeWord(mo.Mode))
	if mo.Mode == engine.Live {
		detail += " Real money, key " + mo.KeyLabel + "."
	}
	svc, ctx := s.c.Engine, s.c.Ctx
	s.ask("Place "+what+"?", detail, mo.Mode == engine.Live, func() tea.Cmd {
		t.placing, t.err = true, ""
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, common.CallTimeout)
			defer cancel()
			o, err := svc.PlaceManual(c, mo)
			return orderPlacedMsg{order: o, err: err}
		}
	})
	return nil
}

func (s *Screen) ticketView() string {
	t, st := s, s.c.Styles
	var b strings.Builder
	b.WriteString(" " + st.Title.Render("Order ticket") + st.Muted.Render("  rounded to the symbol's rules before you confirm") + "\n\n")
	b.WriteString(common.FieldsView(s.c.Styles, &t.FieldList, t.err != ""))
	b.WriteString("\n" + common.RulesPara(s.c, t.rulesFor, t.rules, t.rulesErr, s.w) + "\n\n")
	req, notional, err := s.ticketPreview()
	switch {
	case t.placing:
		b.WriteString(st.Accent.Render(" placing the order…") + "\n")
	case err != nil:
		b.WriteString(st.Heading.Render(" Preview") + "\n")
		b.WriteString(common.Para(st.ErrorText, "✗ "+err.Error(), s.w) + "\n")
	default:
		b.WriteString(st.Heading.Render(" Preview") + st.Muted.Render("  what will be sent") + "\n")
		side := st.Up.Render(string(req.Side))
		if req.Side == "SELL" {
			side = st.Down.Render(string(req.Side))
		}
		line := " " + side + " " + common.FmtDec(s.qty(req.Quantity)) + " " + req.Symbol
		if req.Type == "LIMIT" {
			line += " @ " + common.FmtDec(s.price(req.Price)) + st.Muted.Render(" limit, good till cancelled")
		} else {
			line += st.Muted.Render(" at market")
		}
		b.WriteString(line + "\n")
		b.WriteString(st.Muted.Render(" notional ≈ ") + common.FmtDec(s.quote(notional)) + " " + t.rules.Quote + "\n")
		if t.err == "" {
			b.WriteString(st.OK.Render(" ✓ enter on the last field or ctrl+s to review and confirm") + "\n")
		}
	}
	if t.err != "" && err == nil {
		b.WriteString(common.Para(st.Danger, "✗ "+t.err, s.w) + "\n")
	}
	return b.String()
}

// Update handles keys and the results of the screen's commands.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.ticketKey(msg)
	case common.KeyLabelsMsg:
		common.ApplyKeyLabels(s.c.Exchange, &s.FieldList, msg)
		return nil
	}
	return s.updateTicket(msg)
}

// View draws the ticket, its preview and what stops it.
func (s *Screen) View(time.Time) string { return s.ticketView() }

// ShortHelp is the form's help bar.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	review := k.Submit
	review.SetHelp("ctrl+s", "review and place")
	return []key.Binding{k.NextField, k.Left, review, k.Back}
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is true: the ticket is a form.
func (s *Screen) TakesText() bool { return true }

func (s *Screen) ask(prompt, detail string, danger bool, onYes func() tea.Cmd) {
	s.c.Host.Ask(common.Question{Prompt: prompt, Detail: detail, Danger: danger, OnYes: onYes})
}

// price, qty and quote format the ticket's numbers to the symbol's tick, step and quote, as the
// dashboard's tables do (generic rules until the symbol's rules arrive).
func (s *Screen) price(d decimal.Decimal) decimal.Decimal { return common.PriceAt(d, s.rules.TickSize) }
func (s *Screen) qty(d decimal.Decimal) decimal.Decimal   { return common.QtyAt(d, s.rules.StepSize) }
func (s *Screen) quote(d decimal.Decimal) decimal.Decimal { return common.QuoteAt(d, s.rules.Quote) }
