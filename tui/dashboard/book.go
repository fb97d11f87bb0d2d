package dashboard

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/exchange"

	"github.com/quantdeck/quantdeck/tui/common"
)

// The depth ladder: the selected symbol's best asks above the spread and its best bids below,
// each level with its size and the size summed from the spread outwards. It takes the top of
// the right column when the engine keeps order books; the book arrives with every snapshot, so
// the frame itself only formats numbers into the canvas.

// bookLevels is how many levels each side shows at most.
const bookLevels = 10

type bookLoadedMsg struct {
	book exchange.Book
	ok   bool
}

// loadBookCmd reads the selected symbol's book when the engine keeps books.
func (d *Screen) loadBookCmd() tea.Cmd {
	books, ok := d.com.Engine.(common.Books)
	sym := d.watchSymbol()
	if !ok || sym == "" || !d.wide {
		return nil
	}
	return func() tea.Msg {
		b, ok := books.OrderBook(sym)
		return bookLoadedMsg{book: b, ok: ok}
	}
}

func (d *Screen) bookLoaded(msg bookLoadedMsg) {
	if !msg.ok || msg.book.Symbol != d.watchSymbol() {
		d.book, d.hasBook = exchange.Book{}, false
		return
	}
	d.book, d.hasBook = msg.book, true
}

// bookHeight is the lines the ladder takes: a title, a header, the asks, the spread, the bids.
func (d *Screen) bookHeight() int {
	if !d.hasBook {
		return 0
	}
	return 3 + min(d.book.NAsks, bookLevels) + min(d.book.NBids, bookLevels)
}

// bookLine draws line i of the ladder in w cells.
func (d *Screen) bookLine(i, x, w int) {
	c, st, b := &d.c, d.st, &d.book
	end := x + w
	asks, bids := min(b.NAsks, bookLevels), min(b.NBids, bookLevels)
	colW := max((w-4)/3, 6)
	switch {
	case i == 0:
		c.pad(2)
		c.seg("Book ", st.PPaneTitle, end)
		c.seg(b.Symbol, st.PPaneTitle, end)
		c.pad(1)
		c.ruleTo(end, st.PRule)
	case i == 1:
		c.pad(2)
		c.cell("PRICE", colW, true, st.PHeading)
		c.pad(1)
		c.cell("SIZE", colW, true, st.PHeading)
		c.pad(1)
		c.cell("TOTAL", colW, true, st.PHeading)
	case i-2 < asks:
		// Asks are listed highest first, so the best ask sits right above the spread.
		j := asks - 1 - (i - 2)
		d.levelLine(b.AskLevels(), j, colW, st.PDown)
	case i-2 == asks:
		c.pad(2)
		c.num = append(c.num[:0], "spread "...)
		if asks > 0 && bids > 0 {
			if sp, err := b.Asks[0].Price.Sub(b.Bids[0].Price); err == nil {
				c.num = common.AppendDec(c.num, d.price(b.Symbol, sp))
			}
		}
		c.segBytes(c.num, st.PMuted, end)
	case i-3-asks < bids:
		d.levelLine(b.BidLevels(), i-3-asks, colW, st.PUp)
	}
}

// levelLine draws level j of one side with the size summed from the best level to it.
func (d *Screen) levelLine(side []exchange.Level, j, colW int, p common.Paint) {
	c := &d.c
	cum := side[0].Qty
	for k := 1; k <= j; k++ {
		if s, err := cum.Add(side[k].Qty); err == nil {
			cum = s
		}
	}
	c.pad(2)
	c.num = common.AppendDec(c.num[:0], d.price(d.book.Symbol, side[j].Price))
	d.numCell(colW, p)
	c.pad(1)
	c.num = common.AppendDec(c.num[:0], d.qty(d.book.Symbol, side[j].Qty))
	d.numCell(colW, d.st.PText)
	c.pad(1)
	c.num = common.AppendDec(c.num[:0], d.qty(d.book.Symbol, cum))
	d.numCell(colW, d.st.PMuted)
}

// numCell draws the scratch number right-aligned in w cells, or … when it does not fit whole.
func (d *Screen) numCell(w int, p common.Paint) {
	c := &d.c
	if bytesWidth(c.num) > w {
		c.cell("…", w, true, p)
		return
	}
	c.cellBytes(c.num, w, true, p)
}
