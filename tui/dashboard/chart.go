package dashboard

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The wide dashboard charts the symbol selected in the watchlist, with every open order and
// fill on it. Candles come from the engine once a second; the chart's lines are rebuilt only
// when candles or the size change, so a frame still costs one allocation.

type chartCandlesMsg struct {
	symbol  string
	tf      int
	candles []exchange.Candle
}

// dashChart is the cached chart of the wide layout.
type dashChart struct {
	symbol  string
	candles []exchange.Candle
	lines   []string
	title   string
	legend  string
	w, h    int
	stale   bool
}

// chartWanted reports whether the layout has room for the chart.
func (d *Screen) chartWanted() bool {
	return d.w >= wideAt && d.h-2 >= chartFromHeight-1 || d.narrowChart
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
	svc, ctx, tfi := d.com.Engine, d.com.Ctx, d.tf
	tf := common.Timeframes[tfi]
	return func() tea.Msg {
		if hist, ok := svc.(common.CandleHistory); ok {
			c, cancel := context.WithTimeout(ctx, common.CallTimeout)
			defer cancel()
			if cs, err := hist.CandlesAt(c, sym, tf.D, 300); err == nil {
				return chartCandlesMsg{symbol: sym, tf: tfi, candles: cs}
			}
		}
		return chartCandlesMsg{symbol: sym, tf: tfi, candles: common.Aggregate(svc.Candles(sym), tf.D)}
	}
}

func (d *Screen) chartLoaded(msg chartCandlesMsg) {
	ch := &d.chart
	if msg.symbol != d.watchSymbol() || msg.tf != d.tf {
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
		c.seg(ch.legend, st.PMuted, w-1) // only when it fits whole
		c.pad(1)
		c.ruleTo(w, st.PRule)
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
	chart := common.Chart{Candles: ch.candles, Orders: orders, Fills: fills, MA: d.ma}
	if b, ok := d.selectedBot(); ok && b.Config.Symbol == sym && b.Config.Strategy == "grid" {
		// The selected grid bot's range, on its own symbol's chart.
		chart.Lower, _ = decimal.Parse(b.Config.Params["lower"])
		chart.Upper, _ = decimal.Parse(b.Config.Params["upper"])
	}
	ch.lines = common.RenderChart(d.st, chart, w, h-1)
	ch.title = sym + " · " + common.Timeframes[d.tf].Name + " candles"
	ch.legend = " · f timeframe · m averages · B/S fills · b/s orders"
}
