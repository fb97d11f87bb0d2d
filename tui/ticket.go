package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// ticketScreen places a manual limit or market order. It shows the price and quantity rounded
// to the symbol's rules and the notional before asking for confirmation.
type ticketScreen struct {
	fieldList
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

func rulesCmd(ctx context.Context, svc engine.Service, symbol string) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		r, err := svc.Rules(c, symbol)
		return rulesLoadedMsg{symbol: symbol, rules: r, err: err}
	}
}

func (m *Model) openTicket(symbol string) tea.Cmd {
	st := m.st
	t := &ticketScreen{}
	t.fields = []*formField{
		newTextField(st, "symbol", "Symbol", "", symbol, false, false, checkSymbol),
		{key: "side", label: "Side", hint: "←/→", choices: []string{"BUY", "SELL"}},
		{key: "type", label: "Type", hint: "←/→ limit rests, market fills now", choices: []string{"LIMIT", "MARKET"}},
		newTextField(st, "qty", "Quantity", "base asset", "", false, false, checkPositive),
		newTextField(st, "price", "Price", "quote per unit", "", false, false, checkPositive),
		{key: "mode", label: "Mode", hint: "←/→ paper is simulated, live is real", choices: []string{"paper", "live"}},
		newTextField(st, "key", "Key label", "vault key for live orders", "", false, false, checkName),
	}
	t.skip = func(fl *formField) bool {
		switch fl.key {
		case "price":
			return t.field("type").value() == "MARKET"
		case "key":
			return t.field("mode").value() != "live"
		}
		return false
	}
	t.focus = 3
	if symbol == "" {
		t.focus = 0
	}
	t.followPrice(m, symbol)
	m.ticket = t
	m.screen = scrTicket
	var cmd tea.Cmd
	if checkSymbol(symbol) == nil {
		t.rulesFor = symbol
		cmd = rulesCmd(m.ctx, m.opts.Engine, symbol)
	}
	return tea.Batch(t.focusCmd(), cmd, loadKeyLabelsCmd(m.ctx, m.opts.Vault, m.opts.Exchange))
}

// followPrice puts symbol's last price in the price field unless the user typed one: a price
// left over from another symbol would be far off the market.
func (t *ticketScreen) followPrice(m *Model, symbol string) {
	in := &t.field("price").input
	if in.Value() != t.autoPrice {
		return
	}
	t.autoPrice = ""
	if pv, ok := m.priceOf(symbol); ok && pv.Last.IsPos() {
		t.autoPrice = common.Price(pv.Last).String()
	}
	in.SetValue(t.autoPrice)
}

func (m *Model) updateTicket(msg tea.Msg) tea.Cmd {
	t := m.ticket
	if t == nil {
		return nil
	}
	switch msg := msg.(type) {
	case rulesLoadedMsg:
		if msg.symbol != t.rulesFor {
			return nil
		}
		t.rules, t.rulesErr = msg.rules, ""
		if msg.err != nil {
			t.rulesErr = common.Clean(msg.err.Error())
			break
		}
		if b, q := common.Clean(msg.rules.Base), common.Clean(msg.rules.Quote); b != "" && q != "" {
			t.field("qty").hint = "in " + b
			t.field("price").hint = q + " per " + b
		}
	case orderPlacedMsg:
		t.placing = false
		if msg.err != nil {
			t.err = "the order was not placed: " + common.Clean(msg.err.Error())
			return nil
		}
		o := msg.order
		m.ticket = nil
		m.toDashboard()
		m.setInfo(fmt.Sprintf("order placed: %s %s %s (%s, %s)", o.Side, common.FmtDec(common.Qty(o.Quantity)), o.Symbol, o.State, common.ModeWord(o.Mode)))
		return loadSnapshotCmd(m.opts.Engine)
	}
	return nil
}

// preview normalises the order with the symbol's rules: what would be sent, and the notional.
func (m *Model) ticketPreview() (exchange.OrderRequest, decimal.Decimal, error) {
	t := m.ticket
	if t.field("mode").value() == "live" {
		if why := noLiveReason(m.opts.Exchange); why != "" {
			return exchange.OrderRequest{}, decimal.Zero, errors.New(why)
		}
	}
	for i, fl := range t.fields {
		if !t.visible(i) {
			continue
		}
		if err := fl.localErr(); err != nil {
			return exchange.OrderRequest{}, decimal.Zero, fmt.Errorf("%s: %w", strings.ToLower(fl.label), err)
		}
	}
	symbol := t.field("symbol").value()
	if t.rulesErr != "" {
		return exchange.OrderRequest{}, decimal.Zero, errors.New("no rules for " + symbol + ": " + t.rulesErr)
	}
	if t.rules.Symbol != symbol {
		return exchange.OrderRequest{}, decimal.Zero, errors.New("loading the rules of " + symbol + "…")
	}
	req := exchange.OrderRequest{
		Symbol: symbol,
		Side:   exchange.Side(t.field("side").value()),
		Type:   exchange.OrderType(t.field("type").value()),
	}
	req.Quantity, _ = decimal.Parse(t.field("qty").value())
	if req.Type == exchange.Limit {
		req.Price, _ = decimal.Parse(t.field("price").value())
	}
	ref := req.Price
	if req.Type == exchange.Market {
		pv, ok := m.priceOf(symbol)
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
		return out, decimal.Zero, err
	}
	p := out.Price
	if out.Type == exchange.Market {
		p = ref
	}
	notional, err := p.Mul(out.Quantity)
	if err != nil {
		return out, decimal.Zero, fmt.Errorf("the order value is too large: %w", err)
	}
	return out, notional, nil
}

func (m *Model) ticketKey(k tea.KeyMsg) tea.Cmd {
	t := m.ticket
	switch {
	case key.Matches(k, m.keys.ForceQuit):
		return m.requestQuit()
	case t.placing:
		return nil
	case key.Matches(k, m.keys.Back):
		leave := func() tea.Cmd {
			m.ticket = nil
			m.toDashboard()
			return nil
		}
		if t.field("qty").value() != "" {
			m.ask("Discard this order?", "Nothing is sent.", false, leave)
			return nil
		}
		return leave()
	case key.Matches(k, m.keys.Submit):
		return m.submitTicket()
	case k.Type == tea.KeyEnter:
		if t.focus == t.lastVisible() {
			return m.submitTicket()
		}
		return t.moveFocus(1)
	case key.Matches(k, m.keys.Tab), k.Type == tea.KeyDown:
		return t.moveFocus(1)
	case key.Matches(k, m.keys.ShiftTab), k.Type == tea.KeyUp:
		return t.moveFocus(-1)
	}
	fl := t.fields[t.focus]
	if fl.choices != nil {
		switch {
		case key.Matches(k, m.keys.Left):
			fl.choice = (fl.choice + len(fl.choices) - 1) % len(fl.choices)
		case key.Matches(k, m.keys.Right), key.Matches(k, m.keys.Toggle):
			fl.choice = (fl.choice + 1) % len(fl.choices)
		}
		t.err = ""
		return nil
	}
	before := fl.input.Value()
	fl.input.Key(k)
	if fl.key == "symbol" {
		up := strings.ToUpper(fl.input.Value())
		if up != fl.input.Value() {
			fl.input.SetValue(up)
		}
		if up != before {
			t.followPrice(m, up)
		}
		if up != before && checkSymbol(up) == nil && up != t.rulesFor {
			t.rulesFor, t.rulesErr = up, ""
			return rulesCmd(m.ctx, m.opts.Engine, up)
		}
	}
	t.err = ""
	return nil
}

func (m *Model) submitTicket() tea.Cmd {
	t := m.ticket
	req, notional, err := m.ticketPreview()
	if err != nil {
		t.err = err.Error()
		return nil
	}
	mo := engine.ManualOrder{
		Symbol: req.Symbol, Side: req.Side, Type: req.Type,
		Quantity: req.Quantity, Price: req.Price, Mode: engine.Mode(t.field("mode").value()),
	}
	if mo.Mode == engine.Live {
		mo.KeyLabel = t.field("key").value()
	}
	what := fmt.Sprintf("%s %s %s %s", mo.Type, mo.Side, common.FmtDec(common.Qty(mo.Quantity)), mo.Symbol)
	if mo.Type == exchange.Limit {
		what += " @ " + common.FmtDec(common.Price(mo.Price))
	}
	detail := fmt.Sprintf("Notional ≈ %s %s. Mode %s.", common.FmtDec(common.Money(notional)), t.rules.Quote, common.ModeWord(mo.Mode))
	if mo.Mode == engine.Live {
		detail += " Real money, key " + mo.KeyLabel + "."
	}
	svc, ctx := m.opts.Engine, m.ctx
	m.ask("Place "+what+"?", detail, mo.Mode == engine.Live, func() tea.Cmd {
		t.placing, t.err = true, ""
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			o, err := svc.PlaceManual(c, mo)
			return orderPlacedMsg{order: o, err: err}
		}
	})
	return nil
}
