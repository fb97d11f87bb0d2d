package dashboard

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"
)

// Prices and quantities in the dashboard's tables (watchlist, book, tape, orders, fills) show
// to the symbol's precision; see common.Precisions.

// loadRulesCmd asks for the precision of every watched symbol not yet asked for.
func (d *Screen) loadRulesCmd() tea.Cmd {
	syms := make([]string, 0, len(d.snap.Prices))
	for i := range d.snap.Prices {
		syms = append(syms, d.snap.Prices[i].Symbol)
	}
	return d.prec.Load(d.com, syms...)
}

// price formats a price of symbol for a table.
func (d *Screen) price(symbol string, p decimal.Decimal) decimal.Decimal {
	return d.prec.Price(symbol, p)
}

// qty formats a quantity of symbol for a table.
func (d *Screen) qty(symbol string, q decimal.Decimal) decimal.Decimal {
	return d.prec.Qty(symbol, q)
}
