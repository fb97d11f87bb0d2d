package common

import (
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// ChartAxisW is the width of the price labels on the left of the chart.
const ChartAxisW = 12

// Chart is what a candle chart draws: the candles, a bot's open orders and fills on them, two
// moving averages when asked, and a grid bot's range.
type Chart struct {
	Candles []exchange.Candle
	Orders  []engine.OrderView
	Fills   []engine.FillView
	// MA draws the 7- and 25-candle simple moving averages (· and :).
	MA bool
	// Lower and Upper are a grid's range, drawn as ═ lines when set.
	Lower, Upper decimal.Decimal
}

// chartCell is one cell of the price chart.
type chartCell struct {
	r rune
	p Paint
}

// RenderChart draws c in w x h cells: candles (█ rising body, ░ falling body, │ wick), the
// fills (B/S), the open orders (a ┄ line with b/s at the right edge), a grid's range (═),
// moving averages (· 7, : 25), volume bars under the prices and a time axis at the bottom.
// Shapes and letters carry the meaning; colour only helps. It returns nil when w x h is too
// small to read.
func RenderChart(st *Styles, c Chart, w, h int) []string {
	if h < 3 || w < ChartAxisW+5 {
		return nil
	}
	plotW := w - ChartAxisW
	candles := c.Candles
	if len(candles) == 0 {
		lines := make([]string, h)
		lines[h/2] = strings.Repeat(" ", ChartAxisW) + st.Muted.Render("no price history yet")
		return lines
	}
	// The bottom line is the time axis; volume takes two lines above it when there is room.
	axisH, volH := 0, 0
	if h >= 8 {
		axisH = 1
	}
	if h >= 12 {
		volH = 2
	}
	priceH := h - axisH - volH
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
	for _, k := range candles {
		widen(k.L)
		widen(k.H)
	}
	var open []engine.OrderView
	for _, o := range c.Orders {
		if OpenOrder(o.State) && !o.Price.IsZero() {
			open = append(open, o)
			widen(o.Price)
		}
	}
	widen(c.Lower)
	widen(c.Upper)
	first := candles[0].Open
	var step time.Duration
	if len(candles) > 1 {
		step = candles[1].Open.Sub(candles[0].Open)
	}
	var shown []engine.FillView
	for _, f := range c.Fills {
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
			return priceH / 2
		}
		x, err := hi.Sub(v)
		if err == nil {
			x, err = x.Mul(decimal.MustNew(int64(priceH-1), 0))
		}
		if err == nil {
			x, err = x.Quo(span)
		}
		if err != nil {
			return priceH / 2
		}
		r, _, ok := x.Round(0).Int64(0)
		if !ok {
			return priceH / 2
		}
		return min(max(int(r), 0), priceH-1)
	}
	grid := make([][]chartCell, h)
	for y := range grid {
		grid[y] = make([]chartCell, plotW)
		for x := range grid[y] {
			grid[y][x] = chartCell{r: ' '}
		}
	}
	for _, level := range []decimal.Decimal{c.Lower, c.Upper} {
		if level.IsPos() {
			y := rowOf(level)
			for x := range grid[y] {
				grid[y][x] = chartCell{r: '═', p: st.PWarn}
			}
		}
	}
	for _, o := range open {
		y := rowOf(o.Price)
		for x := range grid[y] {
			grid[y][x] = chartCell{r: '┄', p: st.PAccent}
		}
	}
	if c.MA {
		for _, ma := range []struct {
			n int
			r rune
		}{{25, ':'}, {7, '·'}} {
			for i, v := range movingAverage(candles, ma.n) {
				if v.IsPos() {
					grid[rowOf(v)][off+i*colW] = chartCell{r: ma.r, p: st.PAccent}
				}
			}
		}
	}
	for i, k := range candles {
		x := off + i*colW
		top, bot := rowOf(k.H), rowOf(k.L)
		for y := top; y <= bot; y++ {
			if grid[y][x].r == ' ' || grid[y][x].r == '┄' || grid[y][x].r == '═' {
				grid[y][x] = chartCell{r: '│', p: st.PMuted}
			}
		}
		body, p := '█', st.PUp
		if k.C.Cmp(k.O) < 0 {
			body, p = '░', st.PDown
		}
		bt, bb := rowOf(k.O), rowOf(k.C)
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
		mark, p := 'B', st.PUp
		if f.Side == exchange.Sell {
			mark, p = 'S', st.PDown
		}
		grid[rowOf(f.Price)][off+i*colW] = chartCell{r: mark, p: p}
	}
	if volH > 0 {
		drawVolume(st, grid[priceH:priceH+volH], candles, off, colW)
	}
	labels := map[int]decimal.Decimal{0: hi, priceH - 1: lo}
	if mid, err := lo.Add(hi); err == nil && priceH > 4 {
		if mid, err = mid.Quo(decimal.MustNew(2, 0)); err == nil {
			labels[priceH/2] = mid
		}
	}
	scale := max(candles[len(candles)-1].C.Scale(), 2)
	lines := make([]string, h)
	var b strings.Builder
	for y := range grid {
		b.Reset()
		switch v, ok := labels[y]; {
		case y >= priceH+volH:
			b.WriteString(strings.Repeat(" ", ChartAxisW))
		case ok:
			l := FmtDec(Price(v.Round(scale)))
			if len(l) > ChartAxisW-2 {
				l = l[:ChartAxisW-2]
			}
			b.WriteString(st.PMuted.On + strings.Repeat(" ", ChartAxisW-2-len(l)) + l + " ┤" + st.PMuted.Off)
		case y == priceH && volH > 0:
			b.WriteString(st.PMuted.On + strings.Repeat(" ", ChartAxisW-5) + "vol ┤" + st.PMuted.Off)
		default:
			b.WriteString(st.PMuted.On + strings.Repeat(" ", ChartAxisW-1) + "│" + st.PMuted.Off)
		}
		if axisH > 0 && y == h-1 {
			b.WriteString(st.PMuted.On + timeAxis(candles, off, colW, plotW, step) + st.PMuted.Off)
			lines[y] = b.String()
			continue
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

// volumeBars are the eighths of a volume bar's top cell.
var volumeBars = []rune(" ▁▂▃▄▅▆▇█")

// drawVolume draws each candle's volume as a bar in rows, scaled to the largest shown. Float
// is fine here: these are cell heights, not amounts.
func drawVolume(st *Styles, rows [][]chartCell, candles []exchange.Candle, off, colW int) {
	vol := func(d decimal.Decimal) float64 { f, _ := d.Float64(); return f }
	top := 0.0
	for _, k := range candles {
		top = max(top, vol(k.Volume))
	}
	if top <= 0 {
		return
	}
	n := len(rows)
	for i, k := range candles {
		eighths := int(vol(k.Volume) / top * float64(n*8))
		p := st.PUp
		if k.C.Cmp(k.O) < 0 {
			p = st.PDown
		}
		for y := n - 1; y >= 0 && eighths > 0; y-- {
			e := min(eighths, 8)
			rows[y][off+i*colW] = chartCell{r: volumeBars[e], p: p}
			eighths -= e
		}
	}
}

// movingAverage is the n-candle simple moving average of the closes, zero where fewer than n
// candles came before.
func movingAverage(candles []exchange.Candle, n int) []decimal.Decimal {
	out := make([]decimal.Decimal, len(candles))
	sum := decimal.Zero
	div := decimal.MustNew(int64(n), 0)
	for i, k := range candles {
		var err error
		if sum, err = sum.Add(k.C); err != nil {
			return out
		}
		if i >= n {
			if sum, err = sum.Sub(candles[i-n].C); err != nil {
				return out
			}
		}
		if i >= n-1 {
			if out[i], err = sum.Quo(div); err != nil {
				out[i] = decimal.Zero
			}
		}
	}
	return out
}

// timeAxis labels the plot's columns with the candles' open times (UTC), a label every dozen
// cells or so: HH:MM for intraday candles, MM-DD for daily ones.
func timeAxis(candles []exchange.Candle, off, colW, plotW int, step time.Duration) string {
	layout := "15:04"
	if step >= 24*time.Hour {
		layout = "01-02"
	}
	axis := []rune(strings.Repeat(" ", plotW))
	next := 0
	for i, k := range candles {
		x := off + i*colW
		if x < next || x+len(layout) > plotW {
			continue
		}
		for j, r := range k.Open.UTC().Format(layout) {
			axis[x+j] = r
		}
		next = x + len(layout) + 6
	}
	return string(axis)
}
