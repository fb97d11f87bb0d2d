// Package botdetail owns a bot's detail screen: a chart of its symbol with its open orders and
// fills, its parameters, position, PnL and budget, and its orders, fills and history, refreshed
// as the engine reports on it.
package botdetail

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

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen shows one bot: a chart of its symbol with its orders and fills, parameters,
// position, PnL, orders, fills and history.
type Screen struct {
	c    *common.Common
	w, h int

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
	ma      bool // moving averages on the chart
	tf      int  // the chart's timeframe, an index in common.Timeframes
	err     string
	// prec formats prices, quantities and quote amounts to the symbol's tick, step and quote.
	prec common.Precisions
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

// New opens the detail of args.Bot and loads its orders, fills, history and candles.
func New(c *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c, name: args.Bot, loading: true}
	var prec tea.Cmd
	if b, ok := c.FindBot(args.Bot); ok {
		prec = s.prec.Load(c, b.Config.Symbol)
	}
	return s, tea.Batch(s.loadBotCmd(s.name), s.detailTick(s.name), prec)
}

func (s *Screen) detailTick(name string) tea.Cmd {
	return s.c.Tick(detailRefreshEvery, func(time.Time) tea.Msg { return detailTickMsg{name: name} })
}

// loadBotCmd fetches a bot's orders, fills, history and candles.
func (s *Screen) loadBotCmd(name string) tea.Cmd {
	svc, ctx := s.c.Engine, s.c.Ctx
	symbol := ""
	if b, ok := s.c.FindBot(name); ok {
		symbol = b.Config.Symbol
	}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
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
func (s *Screen) detailRefresh(bot string) tea.Cmd {
	d := s
	if bot == "" || bot != d.name {
		return nil
	}
	if d.loading {
		d.stale = true
		return nil
	}
	d.loading = true
	return s.loadBotCmd(d.name)
}

func (s *Screen) updateDetail(msg tea.Msg) tea.Cmd {
	d := s
	switch msg := msg.(type) {
	case common.PrecisionMsg:
		d.prec.Loaded(msg)
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
			return s.detailRefresh(d.name)
		}
	case detailTickMsg:
		if msg.name != d.name {
			return nil
		}
		return tea.Batch(s.detailRefresh(d.name), s.detailTick(d.name))
	}
	return nil
}

func (d *Screen) rows() int {
	switch d.tab {
	case 0:
		return len(d.orders)
	case 1:
		return len(d.fills)
	}
	return len(d.history)
}

func (s *Screen) detailKey(k tea.KeyMsg) tea.Cmd {
	d := s
	b, ok := s.c.FindBot(d.name)
	switch {
	case key.Matches(k, s.c.Keys.Back):
		s.c.Host.Back()
	case key.Matches(k, s.c.Keys.Up):
		d.sel = max(d.sel-1, 0)
	case key.Matches(k, s.c.Keys.Down):
		d.sel = min(d.sel+1, max(d.rows()-1, 0))
	case key.Matches(k, s.c.Keys.PageUp):
		d.sel = max(d.sel-detailPage, 0)
	case key.Matches(k, s.c.Keys.PageDown):
		d.sel = min(d.sel+detailPage, max(d.rows()-1, 0))
	case key.Matches(k, s.c.Keys.Averages):
		d.ma = !d.ma
	case key.Matches(k, s.c.Keys.Timeframe):
		d.tf = (d.tf + 1) % len(common.Timeframes)
	case key.Matches(k, s.c.Keys.Tab), key.Matches(k, s.c.Keys.Right):
		d.tab, d.sel = (d.tab+1)%3, 0
	case key.Matches(k, s.c.Keys.ShiftTab), key.Matches(k, s.c.Keys.Left):
		d.tab, d.sel = (d.tab+2)%3, 0
	case !ok:
		s.c.Host.Error(d.name+" no longer exists", nil)
	case key.Matches(k, s.c.Keys.Start):
		return common.StartBot(s.c, b)
	case key.Matches(k, s.c.Keys.Stop):
		return common.StopBot(s.c, b)
	case key.Matches(k, s.c.Keys.Edit):
		return common.EditBot(s.c, b)
	case key.Matches(k, s.c.Keys.Remove):
		return common.RemoveBot(s.c, b)
	case key.Matches(k, s.c.Keys.Order):
		return s.c.Host.Open(common.ScreenTicket, common.Args{Symbol: b.Config.Symbol})
	case key.Matches(k, s.c.Keys.Backtest):
		return s.c.Host.Open(common.ScreenBacktest, common.Args{Bot: d.name})
	case key.Matches(k, s.c.Keys.Explain):
		return common.OpenAI(s.c, ai.Explain, d.name, "")
	case key.Matches(k, s.c.Keys.Review):
		return common.OpenAI(s.c, ai.Review, d.name, "")
	case key.Matches(k, s.c.Keys.AskAI):
		return common.OpenAI(s.c, ai.Ask, d.name, "")
	case key.Matches(k, s.c.Keys.Cancel):
		if d.tab != 0 || d.sel >= len(d.orders) {
			s.c.Host.Error("select an open order in the orders tab to cancel it", nil)
			return nil
		}
		return common.CancelOrder(s.c, d.orders[d.sel])
	}
	return nil
}

func (s *Screen) detailView(time.Time) string {
	d, st := s, s.c.Styles
	b, ok := s.c.FindBot(d.name)
	if !ok {
		return st.Danger.Render(" " + d.name + " no longer exists: esc goes back")
	}
	cfg := b.Config
	var out strings.Builder
	word, sp := common.StateWord(b.State)
	out.WriteString(" " + st.Title.Render(cfg.Name) + st.Muted.Render(" · "+strings.ToUpper(cfg.Strategy)+" · "+cfg.Symbol+" · ") +
		common.PaintStr(common.ModePaint(st, cfg.Mode), common.ModeWord(cfg.Mode)) + st.Muted.Render(" · ") + common.PaintStr(sp(st), word))
	if b.Reason != "" {
		out.WriteString(" " + st.Warn.Render(common.Clean(b.Reason)))
	}
	out.WriteString("\n")
	if s.c.Snap.KillSwitch {
		// Nothing here can trade until it is released; say so where the user is looking.
		out.WriteString(" " + st.Danger.Render("KILL SWITCH ENGAGED: no bot starts, no order is placed. K releases it.") + "\n")
	}

	wide := s.w >= wideAt
	chartW, chartH := s.w-1, max(6, (s.h-7)/2)
	side := s.detailFacts(b, wide)
	if wide {
		// The facts keep their width; the chart takes the rest.
		chartW = max(s.w-lipgloss.Width(side)-3, 40)
	}
	candles := common.Aggregate(d.candles, common.Timeframes[d.tf].D)
	block := func(chartH int) string {
		chart := common.RenderChart(st, common.Chart{Candles: candles, Orders: d.orders, Fills: d.fills, MA: d.ma, Lower: gridLevel(cfg, "lower"), Upper: gridLevel(cfg, "upper")}, chartW, chartH)
		if wide {
			return lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(chart, "\n"), "  ", side) + "\n"
		}
		return strings.Join(chart, "\n") + "\n" + side + "\n"
	}
	head := out.String()
	out.Reset()
	if pv, ok := s.c.PriceOf(cfg.Symbol); ok {
		out.WriteString(st.Muted.Render(" last ") + common.FmtDec(d.prec.Price(cfg.Symbol, pv.Last)) + st.Muted.Render("  "+common.Timeframes[d.tf].Name+" candles (f) · legend: █ rising  ░ falling  B/S fills  ┄ b/s open orders  · ═ grid  m averages") + "\n")
	}
	if d.err != "" {
		out.WriteString(common.Para(st.Danger, "✗ "+d.err, s.w) + "\n")
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
	tail := out.String()
	body := block(chartH)
	used := strings.Count(head, "\n") + strings.Count(body, "\n") + strings.Count(tail, "\n")
	if spare := s.h - used - max(d.rows(), 1); d.loaded && spare > 0 {
		// A short list (a new bot's few orders) would leave lines empty: the chart takes them.
		body = block(chartH + spare)
		used = strings.Count(head, "\n") + strings.Count(body, "\n") + strings.Count(tail, "\n")
	}
	return head + body + tail + s.detailList(max(s.h-used, 2))
}

// detailFacts is the parameters, position and PnL block.
func (s *Screen) detailFacts(b engine.BotView, wide bool) string {
	st := s.c.Styles
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
	sym, p := cfg.Symbol, &s.prec
	facts := append(paramLines,
		st.Label.Render("position ")+common.FmtDec(p.Held(sym, b.Position))+st.Muted.Render(" @ avg ")+common.FmtDec(p.Price(sym, b.AvgEntry)),
		st.Label.Render("pnl      ")+common.PaintStr(common.SignPaint(st, pnl), common.FmtSigned(p.Quote(sym, pnl)))+
			st.Muted.Render(" (realized "+common.FmtSigned(p.Quote(sym, b.RealizedPnL))+", unrealized "+common.FmtSigned(p.Quote(sym, b.UnrealizedPnL))+")"),
		st.Label.Render("budget   ")+common.FmtDec(p.Quote(sym, b.Spent))+st.Muted.Render(" spent of ")+budgetText(p, cfg),
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
func filledText(p *common.Precisions, symbol string, executed, quantity decimal.Decimal) string {
	if quantity.IsZero() {
		return common.FmtDec(p.Qty(symbol, executed))
	}
	return common.FmtDec(p.Qty(symbol, executed)) + "/" + common.FmtDec(p.Qty(symbol, quantity))
}

func budgetText(p *common.Precisions, cfg engine.BotConfig) string {
	if cfg.Budget.IsZero() {
		return "no budget"
	}
	return common.FmtDec(p.Quote(cfg.Symbol, cfg.Budget))
}

// detailList renders the selected tab's rows, scrolled to keep the selection visible.
func (s *Screen) detailList(h int) string {
	d, st := s, s.c.Styles
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
				p = common.FmtDec(d.prec.Price(o.Symbol, o.Price))
			case !o.AvgPrice.IsZero():
				p = "~" + common.FmtDec(d.prec.Price(o.Symbol, o.AvgPrice))
			}
			line = fmt.Sprintf("%s %-4s %-6s %12s  filled %s  %s", o.Created.UTC().Format("15:04:05"),
				o.Side, o.Type, p, filledText(&d.prec, o.Symbol, o.Executed, o.Quantity), o.State)
			if o.Reason != "" {
				line += "  " + common.Clean(o.Reason)
			}
		case 1:
			// A fee shows whole: one paid in the base is often below the step, one in the
			// quote below a cent.
			f := d.fills[i]
			line = fmt.Sprintf("%s  %-4s %12s  qty %-10s fee %s %s", f.Time.UTC().Format("01-02 15:04:05"),
				f.Side, common.FmtDec(d.prec.Price(f.Symbol, f.Price)), common.FmtDec(d.prec.Qty(f.Symbol, f.Qty)), common.FmtDec(common.Qty(f.Fee)), common.Clean(f.FeeAsset))
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

// wideAt is the width from which the facts sit beside the chart instead of under it.
const wideAt = 140

// Update handles keys, the results of the screen's commands and the engine's news of its bot.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.detailKey(msg)
	case common.EventMsg:
		switch ev := msg.Event.(type) {
		case engine.BotEventMsg:
			return s.detailRefresh(ev.Bot.Config.Name)
		case engine.OrderEvent:
			return s.detailRefresh(ev.Order.Bot)
		case engine.FillEvent:
			return s.detailRefresh(ev.Fill.Bot)
		}
		return nil
	case common.BotRemovedMsg:
		if msg.Err == nil && msg.Name == s.name {
			s.c.Host.Back()
		}
		return nil
	}
	return s.updateDetail(msg)
}

// View draws the bot.
func (s *Screen) View(now time.Time) string { return s.detailView(now) }

// ShortHelp is the detail's help bar: while the kill switch is engaged its release comes first.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.c.Snap.KillSwitch {
		release := k.Kill
		release.SetHelp("K", "release kill switch")
		return []key.Binding{release, k.Edit, k.Order, k.Cancel, k.Remove, k.Up, k.Back, k.Help}
	}
	return []key.Binding{k.Start, k.Stop, k.Edit, k.Order, k.Cancel, k.Remove, k.Backtest, k.Up, k.Back, k.Help}
}

// HelpKey changes with the kill switch, which changes the help bar.
func (s *Screen) HelpKey() string {
	if s.c.Snap.KillSwitch {
		return "killed"
	}
	return ""
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false: every key is a binding here.
func (s *Screen) TakesText() bool { return false }

// gridLevel is a grid bot's bound, zero for other strategies or an unreadable value.
func gridLevel(cfg engine.BotConfig, key string) decimal.Decimal {
	v, err := decimal.Parse(cfg.Params[key])
	if err != nil || cfg.Strategy != "grid" {
		return decimal.Zero
	}
	return v
}
