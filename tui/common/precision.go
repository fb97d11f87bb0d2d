package common

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Precisions formats the prices and quantities of tables to each symbol's precision: its tick
// and step from the rules the engine serves, read once a symbol off the frame. Until they
// arrive, or when the engine cannot serve them, the generic rule (Price, Qty) applies. Looking
// a symbol up allocates nothing, so a frame may format every row through it.
type Precisions struct {
	m map[string]precision
}

type precision struct {
	tick, step decimal.Decimal
	quote      string
}

// PrecisionMsg carries the rules read for a symbol's precision, for the cache that asked.
type PrecisionMsg struct {
	For    *Precisions
	Symbol string
	Rules  exchange.Rules
	Err    error
}

// Load asks for the rules of the given symbols not yet asked for.
func (p *Precisions) Load(c *Common, symbols ...string) tea.Cmd {
	if c == nil || c.Engine == nil {
		return nil
	}
	var cmds []tea.Cmd
	for _, sym := range symbols {
		if _, asked := p.m[sym]; asked || sym == "" {
			continue
		}
		if p.m == nil {
			p.m = make(map[string]precision)
		}
		p.m[sym] = precision{} // asked: the generic rule until the answer
		eng, ctx := c.Engine, c.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		cmds = append(cmds, func() tea.Msg {
			cc, cancel := context.WithTimeout(ctx, CallTimeout)
			defer cancel()
			r, err := eng.Rules(cc, sym)
			return PrecisionMsg{For: p, Symbol: sym, Rules: r, Err: err}
		})
	}
	return tea.Batch(cmds...)
}

// Loaded records a symbol's tick and step. A failed read keeps the generic rule and is not
// retried on every snapshot.
func (p *Precisions) Loaded(msg PrecisionMsg) {
	if msg.For != p || msg.Err != nil || p.m == nil {
		return
	}
	p.m[msg.Symbol] = precision{tick: msg.Rules.TickSize, step: msg.Rules.StepSize, quote: msg.Rules.Quote}
}

// HomeMsg implements HomeMsg: the home screen may have asked.
func (PrecisionMsg) HomeMsg() {}

// Price is a price of symbol for a table.
func (p *Precisions) Price(symbol string, d decimal.Decimal) decimal.Decimal {
	return PriceAt(d, p.m[symbol].tick)
}

// Qty is a quantity of symbol for a table.
func (p *Precisions) Qty(symbol string, d decimal.Decimal) decimal.Decimal {
	return QtyAt(d, p.m[symbol].step)
}

// Quote is an amount of symbol's quote asset (a value, a PnL, a budget) for a table: see
// QuoteAt. Until the rules arrive it is shown to cents.
func (p *Precisions) Quote(symbol string, d decimal.Decimal) decimal.Decimal {
	return QuoteAt(d, p.m[symbol].quote)
}

// Held is an amount of symbol's base asset held (a position, a balance): see HeldAt.
func (p *Precisions) Held(symbol string, d decimal.Decimal) decimal.Decimal {
	return HeldAt(d, p.m[symbol].step)
}
