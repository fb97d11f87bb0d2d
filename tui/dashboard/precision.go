package dashboard

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"

	"github.com/quantdeck/quantdeck/tui/common"
)

// Prices and quantities in the tables show to the symbol's precision (its tick and step from
// the rules the engine serves). The rules are read once a symbol, off the frame; until they
// arrive, or when the engine cannot serve them, the generic rule (common.Price, common.Qty)
// applies.

// precision is a symbol's tick and step as the tables use them.
type precision struct {
	tick, step decimal.Decimal
}

type rulesMsg struct {
	symbol string
	rules  exchange.Rules
	err    error
}

// loadRulesCmd asks for the rules of every watched symbol not yet asked for.
func (d *Screen) loadRulesCmd() tea.Cmd {
	if d.com == nil || d.com.Engine == nil {
		return nil
	}
	var cmds []tea.Cmd
	for i := range d.snap.Prices {
		sym := d.snap.Prices[i].Symbol
		if _, asked := d.prec[sym]; asked || sym == "" {
			continue
		}
		if d.prec == nil {
			d.prec = make(map[string]precision)
		}
		d.prec[sym] = precision{} // asked: the generic rule until the answer
		eng, ctx := d.com.Engine, d.com.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		cmds = append(cmds, func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, common.CallTimeout)
			defer cancel()
			r, err := eng.Rules(c, sym)
			return rulesMsg{symbol: sym, rules: r, err: err}
		})
	}
	return tea.Batch(cmds...)
}

func (d *Screen) rulesLoaded(msg rulesMsg) {
	if msg.err != nil {
		return // the generic rule stays; a failed read is not retried every snapshot
	}
	d.prec[msg.symbol] = precision{tick: msg.rules.TickSize, step: msg.rules.StepSize}
}

// price formats a price of symbol for a table.
func (d *Screen) price(symbol string, p decimal.Decimal) decimal.Decimal {
	return common.PriceAt(p, d.prec[symbol].tick)
}

// qty formats a quantity of symbol for a table.
func (d *Screen) qty(symbol string, q decimal.Decimal) decimal.Decimal {
	return common.QtyAt(q, d.prec[symbol].step)
}
