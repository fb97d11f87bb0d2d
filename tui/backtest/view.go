package backtest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// formResultMin is the fewest lines under an open form that still show a result page.
const formResultMin = 16

// wideAt is the size from which the metrics, the curves and the trade chart share one page.
const wideW, wideH = 140, 40

// View draws the settings, then the run's progress or its result.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	var b strings.Builder
	cfg := s.cfg
	b.WriteString(" " + st.Title.Render("Backtest"))
	if cfg.Strategy != "" {
		name := cfg.Name
		if name == "" {
			name = "new bot"
		}
		b.WriteString(st.Muted.Render("  " + common.Clean(name) + " · " + strings.ToUpper(cfg.Strategy) + " · " + cfg.Symbol + " · " + paramsText(cfg.Params)))
	}
	head := b.String()
	b.Reset()
	b.WriteString(ansi.Truncate(head, s.w, "…") + "\n")
	from, to, _ := s.span()
	span := ""
	if !s.settingsInvalid() {
		span = st.Muted.Render(from.Format("2006-01-02 15:04") + " to " + to.Format("2006-01-02 15:04") + " UTC")
	}
	b.WriteString(s.settingsLines(span, s.w))
	switch {
	case s.editing:
		b.WriteString(formView(st, &s.form, s.w))
	case s.sweeping:
		b.WriteString(formView(st, &s.sweepForm, s.w))
	case s.settingsInvalid():
		b.WriteString(common.Para(st.Danger, "✗ "+s.settingsProblem()+" (e to fix)", s.w) + "\n")
	}
	switch {
	case s.running():
		b.WriteString(s.progressLine() + "\n")
	case s.missing != "":
		b.WriteString(common.Para(st.Warn, "! "+s.missing, s.w) + "\n")
	case s.err != "":
		b.WriteString(common.Para(st.Danger, "✗ "+s.err, s.w) + "\n")
	case s.res == nil && s.rows == nil && !s.sweeping && !s.editing:
		where := "stored candle history"
		if s.c.Exchange == "sim" {
			where = "the simulated market's history (generated and stored as `quantdeck data fetch` does)"
		}
		b.WriteString(common.Para(st.Muted, "enter replays the bot's strategy over "+where+
			" with the paper matcher the engine uses; ←/→ picks the period, f the interval, e types dates, budget, fee and slippage.", s.w) + "\n")
	}
	if s.note != "" {
		b.WriteString(common.Para(st.Muted, "note: "+s.note, s.w) + "\n")
	}
	if s.res != nil || s.rows != nil {
		used := strings.Count(b.String(), "\n")
		// An open form comes first: a result page that would not fit under it waits.
		if left := s.h - used; !(s.editing || s.sweeping) || s.page == pageSweep && left >= 5 || left >= formResultMin {
			b.WriteString(s.resultView(max(left, 4)))
		}
	}
	return b.String()
}

// progressLine is the phase, a bar and the share done.
func (s *Screen) progressLine() string {
	st := s.c.Styles
	j := s.job
	done, total := j.done.Load(), j.total.Load()
	what := "loading history"
	switch j.phase.Load() {
	case phaseGenerating:
		what = "generating sim history"
	case phaseReplaying:
		what = "replaying " + common.Itoa(int(total)) + " candles"
	case phaseSweeping:
		what = "sweeping " + common.Itoa(int(total)) + " combinations"
	}
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	barW := max(min(s.w-50, 40), 10)
	full := int(frac * float64(barW))
	bar := strings.Repeat("█", full) + strings.Repeat("░", barW-full)
	return " " + s.c.Host.SpinView() + " " + st.Accent.Render(what) + " " + bar + fmt.Sprintf(" %3.0f %%", frac*100) + st.Muted.Render("  esc cancels")
}

// resultView draws the result in h lines, cached until the size, the page or the result change.
func (s *Screen) resultView(h int) string {
	key := [4]int{s.w, h, s.page, s.sel}
	if s.cacheLive && s.cacheFor == key {
		return s.cache
	}
	var out string
	wide := s.w >= wideW && h >= wideH-6
	switch {
	case s.page == pageSweep || s.res == nil:
		out = s.sweepView(h)
	case wide:
		out = s.widePage(h)
	case s.page == 1:
		out = s.tradesPage(h)
	default:
		out = s.summaryPage(h)
	}
	s.cache, s.cacheFor, s.cacheLive = out, key, true
	return out
}

// widePage is everything at once: metrics beside the curves, the trades chart under them.
func (s *Screen) widePage(h int) string {
	metrics := s.metrics()
	mw := lipgloss.Width(metrics) + 3
	curvesW := s.w - mw
	curveH := max((h/2-4)/2, 3)
	right := strings.Join(s.curves(curvesW, curveH), "\n")
	top := lipgloss.JoinHorizontal(lipgloss.Top, metrics, "   ", right)
	used := strings.Count(top, "\n") + 1
	return top + "\n" + s.tradesPage(h-used)
}

// summaryPage is the metrics, then the curves in the lines left.
func (s *Screen) summaryPage(h int) string {
	metrics := s.metrics()
	used := strings.Count(metrics, "\n") + 1
	left := h - used
	if left < 6 {
		return metrics + "\n" + s.c.Styles.Muted.Render(" tab: the trades on the candle chart")
	}
	curveH := (left - 2) / 2
	return metrics + "\n" + strings.Join(s.curves(s.w, curveH), "\n")
}

// curves are the equity curve and the drawdown under it, each with its title.
func (s *Screen) curves(w, h int) []string {
	st := s.c.Styles
	r := s.res
	out := []string{" " + st.Heading.Render("Equity") + st.Muted.Render(" "+s.resCfg.Rules.Quote)}
	out = append(out, areaChart(r.Equity, w, h, "", false)...)
	out = append(out, " "+st.Heading.Render("Drawdown")+st.Muted.Render(" % below the peak"))
	out = append(out, areaChart(r.Drawdown, w, h, "%", true)...)
	return out
}

// tradesPage is the candle chart with the trades marked B and S.
func (s *Screen) tradesPage(h int) string {
	st := s.c.Styles
	title := " " + st.Heading.Render("Trades") + st.Muted.Render(fmt.Sprintf(" %d on %s candles · B buy  S sell · █ rising ░ falling",
		s.res.TradeCount(), s.chartTF()))
	if h < 5 {
		return title
	}
	lines := common.RenderChart(st, common.Chart{Candles: s.chartCandles(), Fills: s.fills, Lower: gridLevel(s.resCfg.Strategy, s.resCfg.Params, "lower"),
		Upper: gridLevel(s.resCfg.Strategy, s.resCfg.Params, "upper")}, s.w-1, h-1)
	return title + "\n" + strings.Join(lines, "\n")
}

// chartCandles are the result's candles merged, a whole number of them per bucket, until they
// fit the chart's width, so the chart fills it.
func (s *Screen) chartCandles() []exchange.Candle {
	plotW := max(s.w-1-common.ChartAxisW, 1)
	cs := s.candles
	if len(cs) <= plotW || len(cs) < 2 {
		return cs
	}
	step := cs[1].Open.Sub(cs[0].Open)
	k := (len(cs) + plotW - 1) / plotW
	return common.Aggregate(cs, time.Duration(k)*step)
}

// chartTF names the candles the chart shows: 1m, 5h, 2d.
func (s *Screen) chartTF() string {
	cs := s.chartCandles()
	if len(cs) < 2 {
		return Intervals[s.interval()]
	}
	d := cs[1].Open.Sub(cs[0].Open)
	switch {
	case d%(24*time.Hour) == 0:
		return common.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return common.Itoa(int(d/time.Hour)) + "h"
	}
	return common.Itoa(int(d/time.Minute)) + "m"
}

// metrics is the result beside buy-and-hold over the same period.
func (s *Screen) metrics() string {
	st := s.c.Styles
	r := s.res
	q := s.resCfg.Rules.Quote
	row := func(label, strat, hold string) string {
		return " " + st.Label.Render(common.PadRight(label, 14)) + common.PadRight(strat, 16) + hold
	}
	signed := func(d decimal.Decimal, suffix string) string {
		return common.PaintStr(common.SignPaint(st, d), common.FmtSigned(d)+suffix)
	}
	bhPnL, _ := r.BuyHoldFinal.Sub(r.StartEquity)
	feePct, _ := s.resCfg.FeeRate.Mul(decimal.Hundred)
	feePct = feePct.Trim(0)
	lines := []string{
		" " + st.Heading.Render(common.PadRight("Result", 14)+common.PadRight("strategy", 16)+"buy & hold") + st.Muted.Render("  "+s.resFrom),
		row("final equity", common.FmtDec(common.Money(r.FinalEquity))+" "+q, common.FmtDec(common.Money(r.BuyHoldFinal))+" "+q),
		row("PnL", signed(common.Money(r.PnL), ""), signed(common.Money(bhPnL), "")),
		row("PnL %", signed(r.PnLPct, " %"), signed(r.BuyHoldPnLPct, " %")),
		row("max drawdown", fmt.Sprintf("%.2f %%", r.MaxDrawdownPct), ""),
		row("Sharpe", signedFloat(r.Sharpe), ""),
		row("Sortino", signedFloat(r.Sortino), ""),
		row("costs", fmt.Sprintf("%s %% fee · %s bps slippage", common.FmtDec(feePct), common.FmtDec(s.resCfg.SlippageBps)), ""),
		row("trades", common.Itoa(r.TradeCount())+st.Muted.Render(" · fees "+common.FmtDec(common.Money(r.Fees))), ""),
		row("in market", fmt.Sprintf("%.1f %%", r.TimeInMarketPct), ""),
		row("candles", common.Itoa(r.Candles)+st.Muted.Render(" · "+r.From.Format("01-02 15:04")+" to "+r.To.Format("01-02 15:04")), ""),
	}
	if r.Refused > 0 {
		lines = append(lines, row("refused", common.Itoa(r.Refused)+st.Muted.Render(" orders the budget could not pay"), ""))
	}
	return strings.Join(lines, "\n")
}

// paramsText lists parameters sorted by name.
func paramsText(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+common.Clean(p[k]))
	}
	return strings.Join(parts, " · ")
}

// gridLevel is a grid's bound, drawn on the chart; zero for other strategies.
func gridLevel(strat string, p map[string]string, key string) decimal.Decimal {
	v, err := decimal.Parse(p[key])
	if err != nil || strat != "grid" {
		return decimal.Zero
	}
	return v
}
