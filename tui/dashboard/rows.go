package dashboard

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

func (d *Screen) appendTime(t time.Time) {
	d.c.num = d.c.num[:0]
	if t.IsZero() {
		d.c.num = append(d.c.num, "--:--:--"...)
		return
	}
	d.c.num = t.UTC().AppendFormat(d.c.num, "15:04:05")
}

func (d *Screen) watchRow(p *paneState, row int) {
	c, st := &d.c, d.st
	pv := &d.snap.Prices[row]
	it := d.cellsOf(paneWatch, p)
	dir := d.paintIf(common.SignPaint(st, pv.ChangePct))
	it.text(0, pv.Symbol, d.paintIf(st.PText))
	c.num = common.AppendDec(c.num[:0], d.price(pv.Symbol, pv.Last))
	it.num(1, dir)
	c.num = common.AppendChange(c.num[:0], pv.ChangePct)
	it.num(2, dir)
	c.num = common.AppendDec(c.num[:0], d.price(pv.Symbol, pv.Bid))
	it.num(3, d.paintIf(st.PMuted))
	c.num = common.AppendDec(c.num[:0], d.price(pv.Symbol, pv.Ask))
	it.num(4, d.paintIf(st.PMuted))
	c.num = c.num[:0]
	if pv.Ask.IsPos() && pv.Bid.IsPos() {
		if spread, err := pv.Ask.Sub(pv.Bid); err == nil {
			c.num = common.AppendDec(c.num, spread.Trim(0))
		}
	}
	it.num(5, d.paintIf(st.PMuted))
	if w := it.width(6); w > 0 {
		tp := st.PMuted
		if n := len(pv.Spark); n > 1 {
			tp = common.SignPaint(st, mustSub(pv.Spark[n-1], pv.Spark[max(0, n-w)]))
		}
		var cells int
		c.num, cells = common.AppendSpark(c.num[:0], pv.Spark, w)
		c.pad(w - cells) // right-align: newest at the edge
		c.on(d.paintIf(tp))
		c.b = append(c.b, c.num...)
		c.w += cells
		c.off(d.paintIf(tp))
	}
}

// mustSub is a - b, or zero on overflow (only used to pick a colour).
func mustSub(a, b decimal.Decimal) decimal.Decimal {
	x, err := a.Sub(b)
	if err != nil {
		return decimal.Zero
	}
	return x
}

func (d *Screen) botRow(p *paneState, row int) {
	c, st := &d.c, d.st
	b := &d.snap.Bots[row]
	it := d.cellsOf(paneBots, p)
	it.text(0, b.Config.Name, d.paintIf(st.PText))
	it.text(1, b.Config.Strategy, d.paintIf(st.PMuted))
	it.text(2, b.Config.Symbol, d.paintIf(st.PText))
	it.text(3, common.ModeWord(b.Config.Mode), d.paintIf(common.ModePaint(st, b.Config.Mode)))
	word, sp := common.StateWord(b.State)
	it.text(4, word, d.paintIf(sp(st)))
	pnl, err := b.RealizedPnL.Add(b.UnrealizedPnL)
	if err != nil {
		pnl = b.RealizedPnL
	}
	c.num = common.AppendSigned(c.num[:0], common.Money(pnl))
	it.num(5, d.paintIf(common.SignPaint(st, pnl)))
	c.num = common.AppendDec(c.num[:0], d.prec.Held(b.Config.Symbol, b.Position))
	it.num(6, d.paintIf(st.PText))
	c.num = common.AppendInt(c.num[:0], b.OpenOrders)
	it.num(7, d.paintIf(st.PText))
	it.text(8, b.Reason, d.paintIf(sp(st)))
}

func (d *Screen) orderRow(p *paneState, row int) {
	c, st := &d.c, d.st
	o := &d.snap.Orders[row]
	it := d.cellsOf(paneOrders, p)
	d.appendTime(o.Created)
	it.num(0, d.paintIf(st.PMuted))
	bot := o.Bot
	if bot == "" {
		bot = "manual"
	}
	it.text(1, bot, d.paintIf(st.PText))
	it.text(2, o.Symbol, d.paintIf(st.PText))
	it.text(3, string(o.Side), d.paintIf(common.SidePaint(st, o.Side)))
	it.text(4, string(o.Type), d.paintIf(st.PMuted))
	c.num = c.num[:0]
	switch {
	case !o.Price.IsZero():
		c.num = common.AppendDec(c.num, d.price(o.Symbol, o.Price))
	case !o.AvgPrice.IsZero():
		c.num = common.AppendDec(c.num, d.price(o.Symbol, o.AvgPrice)) // a market order: what it filled at
	default:
		c.num = append(c.num, "market"...)
	}
	it.num(5, d.paintIf(st.PText))
	q := o.Quantity
	if q.IsZero() {
		q = o.Executed // bought for a quote amount: the quantity is what was filled
	}
	c.num = common.AppendDec(c.num[:0], d.qty(o.Symbol, q))
	it.num(6, d.paintIf(st.PText))
	c.num = common.AppendDec(c.num[:0], d.qty(o.Symbol, o.Executed))
	it.num(7, d.paintIf(st.PMuted))
	sp := st.PMuted
	switch {
	case common.OpenOrder(o.State):
		sp = st.PAccent
	case o.State == engine.OrderFilled:
		sp = st.POK
	case o.State == engine.OrderRejected:
		sp = st.PDanger
	}
	it.text(8, string(o.State), d.paintIf(sp))
	it.text(9, common.ModeWord(o.Mode), d.paintIf(common.ModePaint(st, o.Mode)))
}

func (d *Screen) fillRow(p *paneState, row int) {
	c, st := &d.c, d.st
	f := &d.snap.Fills[row]
	it := d.cellsOf(paneFills, p)
	d.appendTime(f.Time)
	it.num(0, d.paintIf(st.PMuted))
	bot := f.Bot
	if bot == "" {
		bot = "manual"
	}
	it.text(1, bot, d.paintIf(st.PText))
	it.text(2, f.Symbol, d.paintIf(st.PText))
	it.text(3, string(f.Side), d.paintIf(common.SidePaint(st, f.Side)))
	c.num = common.AppendDec(c.num[:0], d.price(f.Symbol, f.Price))
	it.num(4, d.paintIf(st.PText))
	c.num = common.AppendDec(c.num[:0], d.qty(f.Symbol, f.Qty))
	it.num(5, d.paintIf(st.PText))
	c.num = common.AppendDec(c.num[:0], common.Qty(f.Fee))
	c.num = append(append(c.num, ' '), f.FeeAsset...)
	it.num(6, d.paintIf(st.PMuted))
	it.text(7, common.ModeWord(f.Mode), d.paintIf(common.ModePaint(st, f.Mode)))
}

func (d *Screen) balanceRow(p *paneState, idx int) {
	c, st := &d.c, d.st
	b := &d.snap.Balances[idx]
	it := d.cellsOf(paneBalances, p)
	it.text(0, common.ModeWord(b.Mode), d.paintIf(common.ModePaint(st, b.Mode)))
	it.text(1, b.Asset, d.paintIf(st.PText))
	free, locked := common.Qty(b.Free), common.Qty(b.Locked)
	if b.Asset == common.QuoteAsset {
		// Cash reads in cents; cut, never rounded up past what the account holds.
		free, locked = b.Free.Trunc(2).Pad(2), b.Locked.Trunc(2).Pad(2)
	}
	c.num = common.AppendDec(c.num[:0], free)
	it.num(2, d.paintIf(st.PText))
	c.num = common.AppendDec(c.num[:0], locked)
	it.num(3, d.paintIf(st.PMuted))
	c.num = c.num[:0]
	if b.QuoteValue.IsZero() && !b.Free.IsZero() {
		c.num = append(c.num, "—"...)
	} else {
		c.num = common.AppendDec(c.num, common.Money(b.QuoteValue))
	}
	it.num(4, d.paintIf(st.PText))
}

func (d *Screen) logRow(p *paneState, row int) {
	st := d.st
	e := &d.snap.Log[row]
	it := d.cellsOf(paneLog, p)
	d.appendTime(e.Time)
	it.num(0, d.paintIf(st.PMuted))
	switch e.Level {
	case "warn":
		it.text(1, "WARN", d.paintIf(st.PWarn))
	case "error":
		it.text(1, "ERROR", d.paintIf(st.PDanger))
	default:
		it.text(1, "INFO", d.paintIf(st.PMuted))
	}
	it.text(2, e.Bot, d.paintIf(st.PText))
	it.text(3, e.Message, d.paintIf(st.PText))
}
