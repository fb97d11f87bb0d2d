package dashboard

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/exchange"

	"github.com/quantdeck/quantdeck/tui/common"
)

// The trades tape: the selected symbol's recent public trades, newest first, each with its
// time (UTC), the taker's side as an arrow and a word (so it reads without colour), price and
// quantity. It sits under the order book in the right column from tapeAt columns up; on a
// narrower two-column layout T shows it in the book's place instead (and T again the book).
//
// The trades are read into one of two buffers of common.TapeCap trades: a command fills the
// spare one off the frame and the message hands it over, the shown one going back as the
// spare. So a snapshot costs no allocation and no buffer is written while View reads it.

// tapeAt is the terminal width from which the tape shows; tapeRows the trades it lists at most.
const (
	tapeAt   = 120
	tapeRows = 12
)

type tapeLoadedMsg struct {
	symbol string
	trades []exchange.Trade
}

// HomeMsg implements common.HomeMsg: the buffer must come back to the dashboard even when
// another screen is active, or the tape would run out of buffers.
func (tapeLoadedMsg) HomeMsg() {}

// tape is the shown trades and the spare buffer for the next read.
type tape struct {
	shown []exchange.Trade
	spare chan []exchange.Trade // holds the buffers not shown; a read takes one
}

func newTape() tape {
	t := tape{spare: make(chan []exchange.Trade, 2)}
	t.spare <- make([]exchange.Trade, 0, common.TapeCap)
	t.spare <- make([]exchange.Trade, 0, common.TapeCap)
	return t
}

// loadTapeCmd reads the selected symbol's trades when the engine keeps them and the tape can
// show; nil while both buffers are taken (a read is still on its way).
func (d *Screen) loadTapeCmd() tea.Cmd {
	tapes, ok := d.com.Engine.(common.Tapes)
	sym := d.watchSymbol()
	if !ok || sym == "" || !d.tapeShows() {
		return nil
	}
	var buf []exchange.Trade
	select {
	case buf = <-d.tape.spare:
	default:
		return nil
	}
	return func() tea.Msg {
		return tapeLoadedMsg{symbol: sym, trades: tapes.Trades(sym, buf)}
	}
}

func (d *Screen) tapeLoaded(msg tapeLoadedMsg) {
	old := d.tape.shown
	if msg.symbol == d.watchSymbol() {
		d.tape.shown = msg.trades
	} else {
		d.tape.shown = nil
		d.tape.spare <- msg.trades[:0]
	}
	if old != nil {
		d.tape.spare <- old[:0]
	}
}

// tapeShows says whether the layout has room for the tape: from tapeAt columns, or in the
// book's place when the user asked for it on a narrower two-column layout.
func (d *Screen) tapeShows() bool {
	return d.w >= tapeAt || d.tapeOnly && d.w >= wideAt
}

// tapeInBooksPlace is true when the tape replaces the book.
func (d *Screen) tapeInBooksPlace() bool { return d.tapeOnly && d.w < tapeAt }

// tapeHeight is the lines the tape takes: a title, a header and the trades.
func (d *Screen) tapeHeight() int {
	if len(d.tape.shown) == 0 || !d.tapeShows() {
		return 0
	}
	return 2 + min(len(d.tape.shown), tapeRows)
}

// tapeFullHeight is the lines every trade read would take: what the tape grows to when the
// panes under it have lines to spare.
func (d *Screen) tapeFullHeight() int {
	if len(d.tape.shown) == 0 || !d.tapeShows() {
		return 0
	}
	return 2 + len(d.tape.shown)
}

// tapeLine draws line i of the tape in w cells.
func (d *Screen) tapeLine(i, x, w int) {
	c, st := &d.c, d.st
	end := x + w
	const timeW, sideW = 8, 6
	colW := max((w-2-timeW-sideW-3)/2, 6)
	switch {
	case i == 0:
		c.pad(2)
		c.seg("Trades ", st.PPaneTitle, end)
		c.seg(d.watchSymbol(), st.PPaneTitle, end)
		c.pad(1)
		c.ruleTo(end, st.PRule)
	case i == 1:
		c.pad(2)
		c.cell("TIME", timeW, false, st.PHeading)
		c.pad(1)
		c.cell("SIDE", sideW, false, st.PHeading)
		c.pad(1)
		c.cell("PRICE", colW, true, st.PHeading)
		c.pad(1)
		c.cell("QTY", colW, true, st.PHeading)
	case i-2 < len(d.tape.shown):
		t := &d.tape.shown[i-2]
		c.pad(2)
		c.num = t.Time.UTC().AppendFormat(c.num[:0], "15:04:05")
		c.cellBytes(c.num, timeW, false, st.PMuted)
		c.pad(1)
		side, p := "  ·", st.PMuted
		switch t.Taker {
		case exchange.Buy:
			side, p = "▲ buy", st.PUp
		case exchange.Sell:
			side, p = "▼ sell", st.PDown
		}
		c.cell(side, sideW, false, p)
		c.pad(1)
		c.num = common.AppendDec(c.num[:0], d.price(t.Symbol, t.Price))
		d.numCell(colW, p)
		c.pad(1)
		c.num = common.AppendDec(c.num[:0], d.qty(t.Symbol, t.Qty))
		d.numCell(colW, st.PText)
	}
}
