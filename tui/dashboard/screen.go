package dashboard

import (
	"slices"
	"strings"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// paneKind names the dashboard's panes, in tab order.
type paneKind int

const (
	paneWatch paneKind = iota
	paneBots
	paneOrders
	paneFills
	paneBalances
	paneLog
	numPanes
)

func (k paneKind) title() string {
	switch k {
	case paneWatch:
		return "Watchlist"
	case paneBots:
		return "Bots"
	case paneOrders:
		return "Orders"
	case paneFills:
		return "Fills"
	case paneBalances:
		return "Balances"
	case paneLog:
		return "Log"
	}
	return ""
}

// lower reports whether the pane shares the bottom slot of the narrow layout.
func (k paneKind) lower() bool { return k >= paneOrders }

// column is one column of a dashboard table. Columns with a higher prio are dropped first when
// the terminal is narrow; prio 0 is never dropped. The flex column takes the spare width.
type column struct {
	title string
	width int
	right bool
	flex  bool
	prio  int
}

const maxCols = 10

// paneState is a table's selection and scroll position.
type paneState struct {
	sel, top int
	rows     int // data rows visible in the current layout
	widths   [maxCols]int
	layoutW  int // width the widths were computed for
}

// Screen is the home screen: header, watchlist, bots, orders, fills, balances and the log.
// It renders into a reused canvas (see canvas.go) so a frame costs one allocation.
type Screen struct {
	com   *common.Common
	w, h  int
	st    *common.Styles
	snap  *engine.Snapshot
	cols  [numPanes][]column
	panes [numPanes]paneState
	focus paneKind
	lower paneKind // the pane shown in the bottom slot of the narrow layout

	balIdx  []int // balances, paper first then live, then by asset
	liveRun bool  // a live bot is running: the header says LIVE
	liveAny bool  // a live bot exists
	wide    bool  // the current layout has two columns
	// narrowChart: the one-column layout had lines to spare under its few orders and drew the
	// chart there, so candles are loaded for it.
	narrowChart bool
	rowPaints   bool // false while drawing the focused selected row
	chart       dashChart
	tf          int           // the chart's timeframe, an index in common.Timeframes
	ma          bool          // moving averages on the chart
	book        exchange.Book // the selected symbol's order book, when the engine keeps books
	hasBook     bool
	tapeOnly    bool              // under tapeAt columns: the tape takes the book's place (T)
	tape        tape              // the selected symbol's recent trades, when the engine keeps them
	prec        common.Precisions // tick and step of the watched symbols, once read
	prompt      watchPrompt       // the symbol being typed for the watchlist

	c canvas

	// selBot and selOrder are the bot and order selected when the last message was handled,
	// so a fresh snapshot keeps the selection on the same rows.
	selBot, selOrder string
}

func newScreen(st *common.Styles, snap *engine.Snapshot) *Screen {
	d := &Screen{st: st, snap: snap, lower: paneOrders, tape: newTape()}
	d.cols[paneWatch] = []column{
		{title: "SYMBOL", width: 9},
		{title: "LAST", width: 12, right: true},
		{title: "CHANGE", width: 9, right: true},
		{title: "BID", width: 11, right: true, prio: 2},
		{title: "ASK", width: 11, right: true, prio: 2},
		{title: "SPREAD", width: 6, right: true, prio: 3},
		{title: "TREND", width: 6, flex: true, prio: 1},
	}
	d.cols[paneBots] = []column{
		{title: "NAME", width: 12},
		{title: "STRAT", width: 5},
		{title: "SYMBOL", width: 9},
		{title: "MODE", width: 5},
		{title: "STATE", width: 9},
		{title: "PNL", width: 10, right: true},
		{title: "POSITION", width: 10, right: true, prio: 2},
		{title: "OPEN", width: 4, right: true, prio: 1},
		{title: "NOTE", width: 4, flex: true, prio: 3},
	}
	// Orders and fills give way in prio order as the terminal narrows: what they are (side,
	// price, quantity, symbol, state, bot) stays longest, then the time.
	d.cols[paneOrders] = []column{
		{title: "TIME", width: 8, prio: 3},
		{title: "BOT", width: 10, prio: 2},
		{title: "SYMBOL", width: 8},
		{title: "SIDE", width: 4},
		{title: "TYPE", width: 6, prio: 6},
		{title: "PRICE", width: 11, right: true},
		{title: "QTY", width: 10, right: true},
		{title: "FILLED", width: 10, right: true, prio: 5},
		{title: "STATE", width: 9, flex: true},
		{title: "MODE", width: 5, prio: 4},
	}
	d.cols[paneFills] = []column{
		{title: "TIME", width: 8, prio: 3},
		{title: "BOT", width: 10, prio: 2},
		{title: "SYMBOL", width: 8, prio: 1},
		{title: "SIDE", width: 4},
		{title: "PRICE", width: 11, right: true},
		{title: "QTY", width: 10, right: true},
		{title: "FEE", width: 12, right: true, flex: true, prio: 4},
		{title: "MODE", width: 5, prio: 5},
	}
	d.cols[paneBalances] = []column{
		{title: "MODE", width: 5},
		{title: "ASSET", width: 6},
		{title: "FREE", width: 12, right: true, flex: true},
		{title: "LOCKED", width: 11, right: true},
		{title: "VALUE", width: 11, right: true, prio: 1},
	}
	d.cols[paneLog] = []column{
		{title: "TIME", width: 8},
		{title: "LEVEL", width: 5},
		{title: "BOT", width: 10, prio: 1},
		{title: "MESSAGE", width: 10, flex: true},
	}
	return d
}

// count is the number of data rows a pane lists.
func (d *Screen) count(k paneKind) int {
	switch k {
	case paneWatch:
		return len(d.snap.Prices)
	case paneBots:
		return len(d.snap.Bots)
	case paneOrders:
		return len(d.snap.Orders)
	case paneFills:
		return len(d.snap.Fills)
	case paneBalances:
		return len(d.balIdx)
	case paneLog:
		return len(d.snap.Log)
	}
	return 0
}

// snapshotChanged refreshes what the dashboard derives from the snapshot and keeps selections
// on the same bot and the same order when rows move.
func (d *Screen) snapshotChanged(prevBot, prevOrder string) {
	d.balIdx = d.balIdx[:0]
	for i := range d.snap.Balances {
		d.balIdx = append(d.balIdx, i)
	}
	bals := d.snap.Balances
	slices.SortFunc(d.balIdx, func(a, b int) int {
		if bals[a].Mode != bals[b].Mode {
			if bals[a].Mode == engine.Paper {
				return -1
			}
			return 1
		}
		return strings.Compare(bals[a].Asset, bals[b].Asset)
	})
	d.liveRun, d.liveAny = false, false
	for i := range d.snap.Bots {
		b := &d.snap.Bots[i]
		if b.Config.Mode == engine.Live {
			d.liveAny = true
			if b.State == engine.BotRunning {
				d.liveRun = true
			}
		}
	}
	if prevBot != "" {
		for i := range d.snap.Bots {
			if d.snap.Bots[i].Config.Name == prevBot {
				d.panes[paneBots].sel = i
			}
		}
	}
	if prevOrder != "" {
		for i := range d.snap.Orders {
			if d.snap.Orders[i].ClientID == prevOrder {
				d.panes[paneOrders].sel = i
			}
		}
	}
	for k := paneKind(0); k < numPanes; k++ {
		d.clampSel(k)
	}
}

func (d *Screen) clampSel(k paneKind) {
	p := &d.panes[k]
	n := d.count(k)
	if p.sel >= n {
		p.sel = n - 1
	}
	if p.sel < 0 {
		p.sel = 0
	}
}

func (d *Screen) move(delta int) {
	p := &d.panes[d.focus]
	p.sel += delta
	d.clampSel(d.focus)
}

func (d *Screen) page(dir int) {
	rows := d.panes[d.focus].rows
	if rows < 1 {
		rows = 1
	}
	d.move(dir * rows)
}

// tabOrder is the order tab visits the panes in: the narrow layout's, then the wide one's,
// which goes down the left column and then down the right one (balances sit above fills).
func tabOrder(wide bool) [numPanes]paneKind {
	if wide {
		return [numPanes]paneKind{paneWatch, paneBots, paneOrders, paneBalances, paneFills, paneLog}
	}
	return [numPanes]paneKind{paneWatch, paneBots, paneOrders, paneFills, paneBalances, paneLog}
}

func (d *Screen) cycle(dir int) {
	order := tabOrder(d.wide)
	i := 0
	for j, k := range order {
		if k == d.focus {
			i = j
		}
	}
	d.focus = order[(i+dir+int(numPanes))%int(numPanes)]
	if d.focus.lower() {
		d.lower = d.focus
	}
}

// selectedBot returns the bot selected in the bots pane.
func (d *Screen) selectedBot() (engine.BotView, bool) {
	i := d.panes[paneBots].sel
	if i < 0 || i >= len(d.snap.Bots) {
		return engine.BotView{}, false
	}
	return d.snap.Bots[i], true
}

// selectedOrder returns the order selected in the orders pane.
func (d *Screen) selectedOrder() (engine.OrderView, bool) {
	i := d.panes[paneOrders].sel
	if i < 0 || i >= len(d.snap.Orders) {
		return engine.OrderView{}, false
	}
	return d.snap.Orders[i], true
}

// rowBot is the bot of the row selected in an orders, fills or log pane ("" for manual rows).
func (d *Screen) rowBot(k paneKind) string {
	i := d.panes[k].sel
	switch {
	case k == paneOrders && i < len(d.snap.Orders):
		return d.snap.Orders[i].Bot
	case k == paneFills && i < len(d.snap.Fills):
		return d.snap.Fills[i].Bot
	case k == paneLog && i < len(d.snap.Log):
		return d.snap.Log[i].Bot
	}
	return ""
}

// selectedSymbol is the symbol the order ticket opens on: the focused row's symbol.
func (d *Screen) selectedSymbol() string {
	switch d.focus {
	case paneBots:
		if b, ok := d.selectedBot(); ok {
			return b.Config.Symbol
		}
	case paneOrders:
		if o, ok := d.selectedOrder(); ok {
			return o.Symbol
		}
	}
	i := d.panes[paneWatch].sel
	if i >= 0 && i < len(d.snap.Prices) {
		return d.snap.Prices[i].Symbol
	}
	return ""
}
