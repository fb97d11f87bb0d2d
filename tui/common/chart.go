package common

import (
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// chartCell is one cell of the price chart.
type chartCell struct {
	r rune
	p Paint
}

// ChartAxisW is the width of the price labels on the left of the chart.
const ChartAxisW = 12

// RenderChart draws candles (█ rising body, ░ falling body, │ wick) with the bot's fills
// (B/S) and open orders (a ┄ line with b/s at the right edge) in w x h cells. Shapes and
// letters carry the meaning; colour only helps.
func RenderChart(st *Styles, candles []exchange.Candle, orders []engine.OrderView, fills []engine.FillView, w, h int) []string {
	if h < 3 || w < ChartAxisW+5 {
		return nil
	}
	plotW := w - ChartAxisW
	if len(candles) == 0 {
		lines := make([]string, h)
		lines[h/2] = strings.Repeat(" ", ChartAxisW) + st.Muted.Render("no price history yet")
		return lines
	}
	if len(candles) > plotW {
		candles = candles[len(candles)-plotW:]
	}
	// Few candles: give each two columns; either way the newest sits at the right edge.
	colW := min(2, plotW/len(candles))
	off := plotW - len(candles)*colW
	lo, hi := candles[0].L, candles[0].H
	widen := func(v decimal.Decimal) {
		if v.IsZero() {
			return
		}
		if v.Cmp(lo) < 0 {
			lo = v
		}
		if v.Cmp(hi) > 0 {
			hi = v
		}
	}
	for _, c := range candles {
		widen(c.L)
		widen(c.H)
	}
	var open []engine.OrderView
	for _, o := range orders {
		if OpenOrder(o.State) && !o.Price.IsZero() {
			open = append(open, o)
			widen(o.Price)
		}
	}
	first := candles[0].Open
	var step time.Duration
	if len(candles) > 1 {
		step = candles[1].Open.Sub(candles[0].Open)
	}
	var shown []engine.FillView
	for _, f := range fills {
		if !f.Time.Before(first) {
			shown = append(shown, f)
			widen(f.Price)
		}
	}
	span, err := hi.Sub(lo)
	if err != nil {
		span = decimal.Zero
	}
	rowOf := func(v decimal.Decimal) int {
		if span.IsZero() {
			return h / 2
		}
		x, err := hi.Sub(v)
		if err == nil {
			x, err = x.Mul(decimal.MustNew(int64(h-1), 0))
		}
		if err == nil {
			x, err = x.Quo(span)
		}
		if err != nil {
			return h / 2
		}
		r, _, ok := x.Round(0).Int64(0)
		if !ok {
			return h / 2
		}
		return min(max(int(r), 0), h-1)
	}
	grid := make([][]chartCell, h)
	for y := range grid {
		grid[y] = make([]chartCell, plotW)
		for x := range grid[y] {
			grid[y][x] = chartCell{r: ' '}
		}
	}
	for _, o := range open {
		y := rowOf(o.Price)
		for x := range grid[y] {
			grid[y][x] = chartCell{r: '┄', p: st.PAccent}
		}
	}
	for i, c := range candles {
		x := off + i*colW
		top, bot := rowOf(c.H), rowOf(c.L)
		for y := top; y <= bot; y++ {
			grid[y][x] = chartCell{r: '│', p: st.PMuted}
		}
		body, p := '█', st.PUp
		if c.C.Cmp(c.O) < 0 {
			body, p = '░', st.PDown
		}
		bt, bb := rowOf(c.O), rowOf(c.C)
		if bt > bb {
			bt, bb = bb, bt
		}
		for y := bt; y <= bb; y++ {
			grid[y][x] = chartCell{r: body, p: p}
		}
	}
	for _, o := range open {
		mark := 'b'
		if o.Side == exchange.Sell {
			mark = 's'
		}
		grid[rowOf(o.Price)][plotW-1] = chartCell{r: mark, p: st.PAccent}
	}
	for _, f := range shown {
		i := len(candles) - 1
		if step > 0 {
			i = min(int(f.Time.Sub(first)/step), len(candles)-1)
		}
		x := off + i*colW
		mark, p := 'B', st.PUp
		if f.Side == exchange.Sell {
			mark, p = 'S', st.PDown
		}
		grid[rowOf(f.Price)][x] = chartCell{r: mark, p: p}
	}
	labels := map[int]decimal.Decimal{0: hi, h - 1: lo}
	if mid, err := lo.Add(hi); err == nil && h > 4 {
		if mid, err = mid.Quo(decimal.MustNew(2, 0)); err == nil {
			labels[h/2] = mid
		}
	}
	scale := max(candles[len(candles)-1].C.Scale(), 2)
	lines := make([]string, h)
	var b strings.Builder
	for y := range grid {
		b.Reset()
		if v, ok := labels[y]; ok {
			l := FmtDec(Price(v.Round(scale)))
			if len(l) > ChartAxisW-2 {
				l = l[:ChartAxisW-2]
			}
			b.WriteString(st.PMuted.On + strings.Repeat(" ", ChartAxisW-2-len(l)) + l + " ┤" + st.PMuted.Off)
		} else {
			b.WriteString(st.PMuted.On + strings.Repeat(" ", ChartAxisW-1) + "│" + st.PMuted.Off)
		}
		var cur Paint
		for _, cell := range grid[y] {
			if cell.p != cur {
				b.WriteString(cur.Off)
				b.WriteString(cell.p.On)
				cur = cell.p
			}
			b.WriteRune(cell.r)
		}
		b.WriteString(cur.Off)
		lines[y] = b.String()
	}
	return lines
}
