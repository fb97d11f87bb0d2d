package dashboard

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The wide dashboard charts the symbol selected in the watchlist, with every open order and
// fill on it. Candles come from the engine once a second; the chart's lines are rebuilt only
// when candles or the size change, so a frame still costs one allocation.

type chartCandlesMsg struct {
	symbol  string
	candles []exchange.Candle
}

// dashChart is the cached chart of the wide layout.
type dashChart struct {
	symbol  string
	candles []exchange.Candle
	lines   []string
	title   string
	w, h    int
	stale   bool
}

// chartWanted reports whether the layout has room for the chart.
func (d *Screen) chartWanted() bool {
	return d.w >= wideAt && d.h-2 >= chartFromHeight-1
}

// loadChartCmd fetches the selected symbol's candles when the chart is shown.
func (d *Screen) loadChartCmd() tea.Cmd {
	if !d.chartWanted() {
		return nil
	}
	sym := d.watchSymbol()
	if sym == "" {
		return nil
	}
	svc := d.com.Engine
	return func() tea.Msg { return chartCandlesMsg{symbol: sym, candles: svc.Candles(sym)} }
}

func (d *Screen) chartLoaded(msg chartCandlesMsg) {
	ch := &d.chart
	if msg.symbol != d.watchSymbol() {
		return
	}
	ch.symbol, ch.candles, ch.stale = msg.symbol, msg.candles, true
}

// watchSymbol is the symbol selected in the watchlist.
func (d *Screen) watchSymbol() string {
	i := d.panes[paneWatch].sel
	if i >= 0 && i < len(d.snap.Prices) {
		return d.snap.Prices[i].Symbol
	}
	return ""
}

// chartLine draws line i of the chart slot (w x h cells; line 0 is the title).
func (d *Screen) chartLine(i, w, h int) {
	c, st, ch := &d.c, d.st, &d.chart
	if ch.stale || ch.w != w || ch.h != h {
		d.buildChart(w, h)
	}
	if i == 0 {
		c.pad(2)
		c.seg(ch.title, st.PPaneTitle, w)
		c.pad(1)
		if rest := w - c.w; rest > 0 {
			c.on(st.PRule)
			c.repeat("─", rest)
			c.off(st.PRule)
		}
		return
	}
	switch {
	case len(ch.candles) == 0:
		if i == h/2 {
			c.pad(common.ChartAxisW)
			c.seg("no price history yet", st.PMuted, w)
		}
	case i-1 < len(ch.lines):
		c.raw(ch.lines[i-1], w) // chart lines are exactly w cells
	}
}

func (d *Screen) buildChart(w, h int) {
	ch := &d.chart
	ch.w, ch.h, ch.stale = w, h, false
	sym := d.watchSymbol()
	if sym == "" || sym != ch.symbol {
		ch.lines, ch.candles, ch.title = nil, nil, sym+" chart · waiting for candles…"
		return
	}
	var orders []engine.OrderView
	for _, o := range d.snap.Orders {
		if o.Symbol == sym && common.OpenOrder(o.State) {
			orders = append(orders, o)
		}
	}
	var fills []engine.FillView
	for _, f := range d.snap.Fills {
		if f.Symbol == sym {
			fills = append(fills, f)
		}
	}
	ch.lines = common.RenderChart(d.st, ch.candles, orders, fills, w, h-1)
	ch.title = sym + candleStep(ch.candles) + " · B/S fills · b/s open orders"
}

// candleStep names the candles' interval: " · 1m candles".
func candleStep(cs []exchange.Candle) string {
	if len(cs) < 2 {
		return ""
	}
	d := cs[1].Open.Sub(cs[0].Open)
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return " · " + common.Itoa(int(d/time.Hour)) + "h candles"
	case d%time.Minute == 0:
		return " · " + common.Itoa(int(d/time.Minute)) + "m candles"
	}
	return " · " + d.String() + " candles"
}
