package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// detailScreen shows one bot: a chart of its symbol with its orders and fills, parameters,
// position, PnL, orders, fills and history.
type detailScreen struct {
	name    string
	orders  []engine.OrderView
	fills   []engine.FillView
	history []engine.BotEvent
	candles []exchange.Candle
	loaded  bool
	loading bool
	stale   bool // a refresh was asked for while one was in flight
	tab     int  // 0 orders, 1 fills, 2 history
	sel     int
	err     string
}

type (
	botLoadedMsg struct {
		name    string
		orders  []engine.OrderView
		fills   []engine.FillView
		history []engine.BotEvent
		candles []exchange.Candle
		err     error
	}
	detailTickMsg struct{ name string }
)

const detailRefreshEvery = 2 * time.Second

// detailPage is how far page up and page down move in the detail's lists.
const detailPage = 10

func (m *Model) openDetail(name string) tea.Cmd {
	m.detail = &detailScreen{name: name, loading: true}
	m.screen = scrDetail
	return tea.Batch(m.loadBotCmd(name), m.detailTick(name))
}

func (m *Model) detailTick(name string) tea.Cmd {
	return m.tick(detailRefreshEvery, func(time.Time) tea.Msg { return detailTickMsg{name: name} })
}

// loadBotCmd fetches a bot's orders, fills, history and candles.
func (m *Model) loadBotCmd(name string) tea.Cmd {
	svc, ctx := m.opts.Engine, m.ctx
	symbol := ""
	if b, ok := m.findBot(name); ok {
		symbol = b.Config.Symbol
	}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		msg := botLoadedMsg{name: name}
		if msg.orders, msg.err = svc.Orders(c, engine.OrderFilter{Bot: name, Limit: 100}); msg.err != nil {
			return msg
		}
		if msg.fills, msg.err = svc.Fills(c, name, 100); msg.err != nil {
			return msg
		}
		if msg.history, msg.err = svc.BotEvents(c, name, 100); msg.err != nil {
			return msg
		}
		if symbol != "" {
			msg.candles = svc.Candles(symbol)
		}
		return msg
	}
}

// detailRefresh reloads the detail screen when an event concerns its bot.
func (m *Model) detailRefresh(bot string) tea.Cmd {
	d := m.detail
	if m.screen != scrDetail || d == nil || bot == "" || bot != d.name {
		return nil
	}
	if d.loading {
		d.stale = true
		return nil
	}
	d.loading = true
	return m.loadBotCmd(d.name)
}

func (m *Model) updateDetail(msg tea.Msg) tea.Cmd {
	d := m.detail
	if d == nil {
		return nil
	}
	switch msg := msg.(type) {
	case botLoadedMsg:
		if msg.name != d.name {
			return nil
		}
		d.loading = false
		if msg.err != nil {
			d.err = "could not load " + d.name + ": " + common.Clean(msg.err.Error())
		} else {
			d.err = ""
			d.orders, d.fills, d.history, d.loaded = msg.orders, msg.fills, msg.history, true
			if msg.candles != nil {
				d.candles = msg.candles
			}
		}
		d.sel = min(d.sel, max(d.rows()-1, 0))
		if d.stale {
			d.stale = false
			return m.detailRefresh(d.name)
		}
	case detailTickMsg:
		if m.screen != scrDetail || msg.name != d.name {
			return nil
		}
		return tea.Batch(m.detailRefresh(d.name), m.detailTick(d.name))
	}
	return nil
}

func (d *detailScreen) rows() int {
	switch d.tab {
	case 0:
		return len(d.orders)
	case 1:
		return len(d.fills)
	}
	return len(d.history)
}

func (m *Model) detailKey(k tea.KeyMsg) tea.Cmd {
	d := m.detail
	b, ok := m.findBot(d.name)
	switch {
	case key.Matches(k, m.keys.Back):
		m.toDashboard()
	case key.Matches(k, m.keys.Up):
		d.sel = max(d.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		d.sel = min(d.sel+1, max(d.rows()-1, 0))
	case key.Matches(k, m.keys.PageUp):
		d.sel = max(d.sel-detailPage, 0)
	case key.Matches(k, m.keys.PageDown):
		d.sel = min(d.sel+detailPage, max(d.rows()-1, 0))
	case key.Matches(k, m.keys.Tab), key.Matches(k, m.keys.Right):
		d.tab, d.sel = (d.tab+1)%3, 0
	case key.Matches(k, m.keys.ShiftTab), key.Matches(k, m.keys.Left):
		d.tab, d.sel = (d.tab+2)%3, 0
	case !ok:
		m.setError(d.name+" no longer exists", nil)
	case key.Matches(k, m.keys.Start):
		return m.startBot(b)
	case key.Matches(k, m.keys.Stop):
		return m.stopBot(b)
	case key.Matches(k, m.keys.Edit):
		return m.editBot(b)
	case key.Matches(k, m.keys.Remove):
		return m.removeBot(b)
	case key.Matches(k, m.keys.Order):
		return m.openTicket(b.Config.Symbol)
	case key.Matches(k, m.keys.Cancel):
		if d.tab != 0 || d.sel >= len(d.orders) {
			m.setError("select an open order in the orders tab to cancel it", nil)
			return nil
		}
		return m.cancelOrder(d.orders[d.sel])
	}
	return nil
}

func (m *Model) detailView(time.Time) string {
	d, st := m.detail, m.st
	b, ok := m.findBot(d.name)
	if !ok {
		return st.Danger.Render(" " + d.name + " no longer exists: esc goes back")
	}
	cfg := b.Config
	var out strings.Builder
	word, sp := stateWord(b.State)
	out.WriteString(" " + st.Title.Render(cfg.Name) + st.Muted.Render(" · "+strings.ToUpper(cfg.Strategy)+" · "+cfg.Symbol+" · ") +
		common.PaintStr(modePaint(st, cfg.Mode), common.ModeWord(cfg.Mode)) + st.Muted.Render(" · ") + common.PaintStr(sp(st), word))
	if b.Reason != "" {
		out.WriteString(" " + st.Warn.Render(common.Clean(b.Reason)))
	}
	out.WriteString("\n")
	if m.snap.KillSwitch {
		// Nothing here can trade until it is released; say so where the user is looking.
		out.WriteString(" " + st.Danger.Render("KILL SWITCH ENGAGED: no bot starts, no order is placed. K releases it.") + "\n")
	}

	wide := m.w >= wideAt
	chartW, chartH := m.w-1, max(6, (m.h-8)/2)
	side := m.detailFacts(b, wide)
	if wide {
		// The facts keep their width; the chart takes the rest.
		chartW = max(m.w-lipgloss.Width(side)-3, 40)
	}
	chart := common.RenderChart(st, d.candles, d.orders, d.fills, chartW, chartH)
	if wide {
		out.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(chart, "\n"), "  ", side) + "\n")
	} else {
		out.WriteString(strings.Join(chart, "\n") + "\n" + side + "\n")
	}
	if pv, ok := m.priceOf(cfg.Symbol); ok {
		out.WriteString(st.Muted.Render(" last ") + common.FmtDec(common.Price(pv.Last)) + st.Muted.Render("  legend: █ rising  ░ falling  B/S fills  ┄ b/s open orders") + "\n")
	}
	if d.err != "" {
		out.WriteString(common.Para(st.Danger, "✗ "+d.err, m.w) + "\n")
	}
	tabs := []string{"Orders", "Fills", "History"}
	out.WriteString(" ")
	for i, t := range tabs {
		if i == d.tab {
			out.WriteString(st.Title.Render("▸ "+t) + "  ")
		} else {
			out.WriteString(st.Muted.Render("  "+strings.ToLower(t)) + "  ")
		}
	}
	out.WriteString("\n")
	used := strings.Count(out.String(), "\n")
	out.WriteString(m.detailList(max(m.h-1-used, 2)))
	return out.String()
}

// detailFacts is the parameters, position and PnL block.
func (m *Model) detailFacts(b engine.BotView, wide bool) string {
	st := m.st
	cfg := b.Config
	keys := make([]string, 0, len(cfg.Params))
	for k := range cfg.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	params := make([]string, 0, len(keys))
	for _, k := range keys {
		params = append(params, k+" "+common.Clean(cfg.Params[k]))
	}
	pnl, err := b.RealizedPnL.Add(b.UnrealizedPnL)
	if err != nil {
		pnl = b.RealizedPnL
	}
	paramLines := []string{st.Label.Render("params   ") + strings.Join(params, " · ")}
	if wide {
		paramLines = paramLines[:0]
		for i, p := range params {
			label := "         "
			if i == 0 {
				label = "params   "
			}
			paramLines = append(paramLines, st.Label.Render(label)+p)
		}
	}
	facts := append(paramLines,
		st.Label.Render("position ")+common.FmtDec(common.Qty(b.Position))+st.Muted.Render(" @ avg ")+common.FmtDec(common.Price(b.AvgEntry)),
		st.Label.Render("pnl      ")+common.PaintStr(signPaint(st, pnl), common.FmtSigned(common.Money(pnl)))+
			st.Muted.Render(" (realized "+common.FmtSigned(common.Money(b.RealizedPnL))+", unrealized "+common.FmtSigned(common.Money(b.UnrealizedPnL))+")"),
		st.Label.Render("budget   ")+common.FmtDec(common.Money(b.Spent))+st.Muted.Render(" spent of ")+budgetText(cfg),
		st.Label.Render("trades   ")+fmt.Sprintf("%d buys · %d sells · %d open", b.Buys, b.Sells, b.OpenOrders),
	)
	if !b.StartedAt.IsZero() {
		facts = append(facts, st.Label.Render("started  ")+b.StartedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if cfg.Mode == engine.Live {
		facts = append(facts, st.Label.Render("key      ")+common.Clean(cfg.KeyLabel))
	}
	if wide {
		return strings.Join(facts, "\n")
	}
	for i := range facts {
		facts[i] = " " + facts[i]
	}
	return strings.Join(facts, "\n")
}

// filledText is how much of an order filled: "0.5/1" for a sized order, the bought quantity
// alone for an order sized by its quote amount (it has no base quantity to compare with).
func filledText(executed, quantity decimal.Decimal) string {
	if quantity.IsZero() {
		return common.FmtDec(common.Qty(executed))
	}
	return common.FmtDec(common.Qty(executed)) + "/" + common.FmtDec(common.Qty(quantity))
}

func budgetText(cfg engine.BotConfig) string {
	if cfg.Budget.IsZero() {
		return "no budget"
	}
	return common.FmtDec(common.Money(cfg.Budget))
}

// detailList renders the selected tab's rows, scrolled to keep the selection visible.
func (m *Model) detailList(h int) string {
	d, st := m.detail, m.st
	if !d.loaded {
		return st.Muted.Render(" loading…")
	}
	n := d.rows()
	if n == 0 {
		return st.Muted.Render(" nothing yet")
	}
	top := 0
	if d.sel >= h {
		top = d.sel - h + 1
	}
	var b strings.Builder
	for i := top; i < min(n, top+h); i++ {
		var line string
		switch d.tab {
		case 0:
			o := d.orders[i]
			p := "market"
			switch {
			case !o.Price.IsZero():
				p = common.FmtDec(common.Price(o.Price))
			case !o.AvgPrice.IsZero():
				p = "~" + common.FmtDec(common.Price(o.AvgPrice))
			}
			line = fmt.Sprintf("%s %-4s %-6s %12s  filled %s  %s", o.Created.UTC().Format("15:04:05"),
				o.Side, o.Type, p, filledText(o.Executed, o.Quantity), o.State)
			if o.Reason != "" {
				line += "  " + common.Clean(o.Reason)
			}
		case 1:
			f := d.fills[i]
			line = fmt.Sprintf("%s  %-4s %12s  qty %-10s fee %s %s", f.Time.UTC().Format("01-02 15:04:05"),
				f.Side, common.FmtDec(common.Price(f.Price)), common.FmtDec(common.Qty(f.Qty)), common.FmtDec(common.Qty(f.Fee)), common.Clean(f.FeeAsset))
		default:
			e := d.history[i]
			line = fmt.Sprintf("%s  %-5s %s", e.Time.UTC().Format("01-02 15:04:05"), strings.ToUpper(e.Level), common.Clean(e.Message))
		}
		if i == d.sel {
			b.WriteString(st.Selected.Render("› "+line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}
