package dashboard

import (
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// paneLine draws line i of a pane placed at column x with width w: the title, the column
// header, then the visible rows. Only visible rows are ever formatted.
func (d *Screen) paneLine(sl *slot, i, x, w int) {
	c, st := &d.c, d.st
	p := &d.panes[sl.kind]
	switch i {
	case 0:
		d.titleLine(sl, x, w)
		return
	case 1:
		c.pad(2)
		first := true
		for ci, col := range d.cols[sl.kind] {
			cw := p.widths[ci]
			if cw == 0 {
				continue
			}
			if !first {
				c.pad(1)
			}
			first = false
			c.cell(col.title, cw, col.right, st.PHeading)
		}
		return
	}
	row := p.top + i - 2
	n := d.count(sl.kind)
	if row >= n {
		if row == 0 {
			c.pad(2)
			c.seg(emptyText(sl.kind), st.PMuted, x+w)
		}
		return
	}
	selected := row == p.sel && (sl.kind == d.focus || sl.kind == paneBots || sl.kind == paneOrders)
	focused := selected && sl.kind == d.focus
	switch {
	case focused:
		c.on(st.PSelected)
		c.put("› ", 2)
	case selected:
		c.seg("› ", st.PMuted, x+w)
	default:
		c.pad(2)
	}
	// Inside a selected row the cell paints would reset the reverse video: skip them.
	d.rowPaints = !focused
	switch sl.kind {
	case paneWatch:
		d.watchRow(p, row)
	case paneBots:
		d.botRow(p, row)
	case paneOrders:
		d.orderRow(p, row)
	case paneFills:
		d.fillRow(p, row)
	case paneBalances:
		d.balanceRow(p, d.balIdx[row])
	case paneLog:
		d.logRow(p, row)
	}
	if focused {
		c.padTo(x + w)
		c.off(st.PSelected)
	}
}

func emptyText(k paneKind) string {
	switch k {
	case paneBots:
		return "no bots yet: press n to create one"
	case paneOrders:
		return "no orders yet: o opens the order ticket"
	case paneFills:
		return "no fills yet"
	case paneBalances:
		return "no balances yet"
	case paneLog:
		return "nothing logged yet"
	}
	return "waiting for prices…"
}

func (d *Screen) titleLine(sl *slot, x, w int) {
	c, st := &d.c, d.st
	end := x + w
	if sl.tabbed {
		// The focus mark sits right before the tab it belongs to, so it reads without colour.
		focused := d.focus.lower()
		for k := paneOrders; k < numPanes; k++ {
			if k > paneOrders {
				c.pad(1)
			}
			switch {
			case k == sl.kind && focused:
				c.seg("▸ ", st.PPaneTitleFocused, end)
				c.seg(k.title(), st.PPaneTitleFocused, end)
			case k == sl.kind:
				c.pad(2)
				c.seg(k.title(), st.PHeading, end)
			default:
				c.pad(2)
				c.seg(lowerName(k), st.PMuted, end)
			}
		}
		c.pad(2)
	} else if sl.kind == d.focus {
		c.seg("▸ ", st.PPaneTitleFocused, end)
		c.seg(sl.kind.title(), st.PPaneTitleFocused, end)
		c.pad(1)
	} else {
		c.pad(2)
		c.seg(sl.kind.title(), st.PPaneTitle, end)
		c.pad(1)
	}
	d.titleInfo(sl.kind, end)
	c.ruleTo(end, st.PRule)
}

// lowerName is a pane's name in lower case, for the tabs that are not shown.
func lowerName(k paneKind) string {
	switch k {
	case paneOrders:
		return "orders"
	case paneFills:
		return "fills"
	case paneBalances:
		return "balances"
	}
	return "log"
}

// titleInfo adds a short count or total to a pane title: "3/20" when it scrolls, the paper and
// live totals on balances.
func (d *Screen) titleInfo(k paneKind, end int) {
	c, st := &d.c, d.st
	p := &d.panes[k]
	n := d.count(k)
	c.num = c.num[:0]
	// Balances show their totals; so does the bots title when the narrow layout tucks the
	// balances away behind a tab.
	if k == paneBalances || (k == paneBots && !d.wide) {
		paper, live := d.balanceTotals()
		c.num = append(c.num, "paper ≈ "...)
		c.num = common.AppendDec(c.num, common.Money(paper))
		if d.liveAny || !live.IsZero() {
			c.num = append(c.num, " · live ≈ "...)
			c.num = common.AppendDec(c.num, common.Money(live))
		}
		c.num = append(append(append(c.num, ' '), common.QuoteAsset...), ' ')
	}
	if k != paneBalances && n > p.rows && p.rows > 0 {
		c.num = common.AppendInt(c.num, p.sel+1)
		c.num = append(c.num, '/')
		c.num = common.AppendInt(c.num, n)
		c.num = append(c.num, ' ')
	}
	if len(c.num) > 0 {
		c.segBytes(c.num, st.PMuted, end)
	}
}

func (d *Screen) balanceTotals() (paper, live decimal.Decimal) {
	for i := range d.snap.Balances {
		b := &d.snap.Balances[i]
		var err error
		if b.Mode == engine.Live {
			live, err = live.Add(b.QuoteValue)
		} else {
			paper, err = paper.Add(b.QuoteValue)
		}
		if err != nil {
			return paper, live
		}
	}
	return paper, live
}

// paintIf returns p unless the row is selected (reverse video must not be reset mid-row).
func (d *Screen) paintIf(p common.Paint) common.Paint {
	if d.rowPaints {
		return p
	}
	return common.Paint{}
}

// colIter walks the visible columns of a row, adding the gaps between them.
type colIter struct {
	c     *canvas
	w     *[maxCols]int
	cols  []column
	first bool
}

func (d *Screen) cellsOf(k paneKind, p *paneState) colIter {
	return colIter{c: &d.c, w: &p.widths, cols: d.cols[k], first: true}
}

// width returns column ci's width, 0 when hidden, and writes the gap before it.
func (it *colIter) width(ci int) int {
	w := it.w[ci]
	if w == 0 {
		return 0
	}
	if !it.first {
		it.c.pad(1)
	}
	it.first = false
	return w
}

func (it *colIter) text(ci int, s string, p common.Paint) {
	if w := it.width(ci); w > 0 {
		it.c.cell(s, w, it.cols[ci].right, p)
	}
}

// num draws the scratch number in column ci. A number wider than its column shows as … alone:
// its first digits would read as a different number.
func (it *colIter) num(ci int, p common.Paint) {
	w := it.width(ci)
	if w <= 0 {
		return
	}
	if bytesWidth(it.c.num) > w {
		it.c.cell("…", w, true, p)
		return
	}
	it.c.cellBytes(it.c.num, w, it.cols[ci].right, p)
}
