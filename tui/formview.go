package tui

import (
	"strings"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// fieldsView renders a field list: label, value (with cursor or ◂ choice ▸), then the field's
// own error or its hint.
func (m *Model) fieldsView(l *fieldList, showRequired bool) string {
	st := m.st
	var b strings.Builder
	for i, fl := range l.fields {
		if !l.visible(i) && fl.key != "name" {
			continue
		}
		focused := i == l.focus
		marker := "  "
		if focused {
			marker = st.Accent.Render("› ")
		}
		var val string
		if fl.choices != nil {
			parts := make([]string, len(fl.choices))
			for j, c := range fl.choices {
				if j == fl.choice {
					parts[j] = st.FocusedInput.Render("[" + c + "]")
				} else {
					parts[j] = st.Muted.Render(" " + c + " ")
				}
			}
			val = strings.Join(parts, "")
			if focused {
				val = st.Accent.Render("◂ ") + val + st.Accent.Render(" ▸")
			}
		} else {
			val = fl.input.View(st)
		}
		note := st.Muted.Render(fl.hint)
		if err := fl.localErr(); err != nil && (fl.value() != "" || showRequired) {
			note = st.ErrorText.Render("✗ " + err.Error())
		}
		b.WriteString(marker + st.Label.Render(common.PadRight(fl.label, 15)) + common.PadRight(val, 24) + " " + note + "\n")
	}
	return b.String()
}

func (m *Model) formView() string {
	f, st := m.form, m.st
	var b strings.Builder
	title := "New bot"
	if f.editing {
		title = "Edit bot " + f.field("name").value()
	}
	b.WriteString(" " + st.Title.Render(title) + st.Muted.Render("  checked against the strategy and the symbol's rules as you type") + "\n\n")
	b.WriteString(m.fieldsView(&f.fieldList, f.err != ""))
	b.WriteString("\n")
	b.WriteString(m.rulesPara(f.rulesFor, f.rules, f.rulesErr) + "\n")
	switch {
	case f.saving:
		b.WriteString(st.Accent.Render(" saving…") + "\n")
	case f.err != "":
		b.WriteString(common.Para(st.Danger, "✗ "+f.err, m.w) + "\n")
	case f.valErr != "":
		b.WriteString(common.Para(st.ErrorText, "✗ "+f.valErr, m.w) + "\n")
	case f.validating:
		b.WriteString(st.Muted.Render(" checking…") + "\n")
	default:
		i, err := f.firstLocalErr()
		switch {
		case err == nil:
			b.WriteString(st.OK.Render(" ✓ valid: ctrl+s saves") + "\n")
		case f.fields[i].localErr() == nil:
			// A rule across fields (a live budget, a held position): the fields look fine.
			b.WriteString(common.Para(st.ErrorText, "✗ "+err.Error(), m.w) + "\n")
		default:
			b.WriteString(st.Muted.Render(" fill in the fields; ctrl+s saves") + "\n")
		}
	}
	return b.String()
}

// rulesPara summarises a symbol's trading rules and its last price, wrapped to the width.
func (m *Model) rulesPara(symbol string, r exchange.Rules, errText string) string {
	st := m.st
	switch {
	case symbol == "":
		return common.Para(st.Muted, "type a symbol to see its trading rules", m.w)
	case errText != "":
		return common.Para(st.ErrorText, "✗ "+symbol+": "+errText, m.w)
	case r.Symbol != symbol:
		return common.Para(st.Muted, "loading the rules of "+symbol+"…", m.w)
	}
	var parts []string
	add := func(name string, d decimal.Decimal) {
		if !d.IsZero() {
			parts = append(parts, name+" "+common.FmtDec(d.Trim(0)))
		}
	}
	add("tick", r.TickSize)
	add("step", r.StepSize)
	add("min qty", r.MinQty)
	add("min notional", r.MinNotional)
	if pv, ok := m.priceOf(symbol); ok {
		parts = append(parts, "last "+common.FmtDec(common.Price(pv.Last)))
	}
	out := common.Para(st.Muted, symbol+" rules: "+strings.Join(parts, " · "), m.w)
	if r.Status != "" && r.Status != "TRADING" {
		out += "\n" + common.Para(st.Danger, symbol+" is not trading ("+r.Status+")", m.w)
	}
	return out
}

func (m *Model) ticketView() string {
	t, st := m.ticket, m.st
	var b strings.Builder
	b.WriteString(" " + st.Title.Render("Order ticket") + st.Muted.Render("  rounded to the symbol's rules before you confirm") + "\n\n")
	b.WriteString(m.fieldsView(&t.fieldList, t.err != ""))
	b.WriteString("\n" + m.rulesPara(t.rulesFor, t.rules, t.rulesErr) + "\n\n")
	req, notional, err := m.ticketPreview()
	switch {
	case t.placing:
		b.WriteString(st.Accent.Render(" placing the order…") + "\n")
	case err != nil:
		b.WriteString(st.Heading.Render(" Preview") + "\n")
		b.WriteString(common.Para(st.ErrorText, "✗ "+err.Error(), m.w) + "\n")
	default:
		b.WriteString(st.Heading.Render(" Preview") + st.Muted.Render("  what will be sent") + "\n")
		side := st.Up.Render(string(req.Side))
		if req.Side == "SELL" {
			side = st.Down.Render(string(req.Side))
		}
		line := " " + side + " " + common.FmtDec(common.Qty(req.Quantity)) + " " + req.Symbol
		if req.Type == "LIMIT" {
			line += " @ " + common.FmtDec(common.Price(req.Price)) + st.Muted.Render(" limit, good till cancelled")
		} else {
			line += st.Muted.Render(" at market")
		}
		b.WriteString(line + "\n")
		b.WriteString(st.Muted.Render(" notional ≈ ") + common.FmtDec(common.Money(notional)) + " " + t.rules.Quote + "\n")
		if t.err == "" {
			b.WriteString(st.OK.Render(" ✓ enter on the last field or ctrl+s to review and confirm") + "\n")
		}
	}
	if t.err != "" && err == nil {
		b.WriteString(common.Para(st.Danger, "✗ "+t.err, m.w) + "\n")
	}
	return b.String()
}
