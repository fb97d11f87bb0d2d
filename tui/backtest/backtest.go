// Package backtest owns the cockpit's backtest screen: it replays a bot's strategy and
// parameters (from its detail or from the bot form) over a chosen period of stored candle
// history, in a command with its progress shown and esc to cancel, and shows the metrics beside
// buy-and-hold, the equity curve and drawdown, and the trades on a candle chart. One key turns
// the result into a new paper bot, through the bot form.
package backtest

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/ai"
	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/marketdata"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Periods are the lengths of history a backtest can run over, ending at the last closed candle.
var Periods = []Period{{"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour}, {"1y", 365 * 24 * time.Hour}}

// Period is a named length of history.
type Period struct {
	Name string
	D    time.Duration
}

// Intervals are the candle intervals a backtest can replay (the fill interval): finer is more
// faithful, coarser is faster.
var Intervals = []string{"1m", "5m", "15m", "1h", "4h", "1d"}

// The result's pages, cycled with tab.
const (
	pageResult = iota
	pageTrades
	pageSweep
)

// defaultBudget is the starting balance of a bot without a budget, as `quantdeck backtest`.
var defaultBudget = decimal.MustNew(10000, 0)

// Screen is the backtest screen.
type Screen struct {
	c    *common.Common
	w, h int

	args   common.Args // what the screen opened on, to return there
	cfg    engine.BotConfig
	period int // index in Periods
	iv     int // index in Intervals

	seq     int
	job     *job
	missing string // why there is no history, and the command that gets it
	err     string
	note    string

	res     *bt.Result
	resCfg  bt.Config
	candles []exchange.Candle
	fills   []engine.FillView
	resFrom string // the period and interval the result is for
	page    int    // pageResult, pageTrades or pageSweep

	sweeping  bool // the sweep line takes the keys
	sweepLine common.TextField
	rows      []bt.Row
	axes      []bt.Axis
	sel       int
	sweptFor  string

	cache     string // the rendered result page
	cacheFor  [4]int
	cacheLive bool
}

// New opens the backtest of args.Draft (from the bot form) or of bot args.Bot (from its
// detail).
func New(c *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c, args: args, period: 1}
	switch {
	case args.Draft != nil:
		s.cfg = *args.Draft
	case args.Bot != "":
		if b, ok := c.FindBot(args.Bot); ok {
			s.cfg = b.Config
		}
	}
	s.cfg.Params = maps.Clone(s.cfg.Params)
	if s.cfg.Strategy == "" || s.cfg.Symbol == "" {
		s.err = "nothing to backtest: open it from a bot (b) or from the bot form (ctrl+b)"
	}
	return s, nil
}

// budget is what the backtest starts with: the bot's budget, or 10,000 of the quote asset.
func (s *Screen) budget() decimal.Decimal {
	if s.cfg.Budget.IsPos() {
		return s.cfg.Budget
	}
	return defaultBudget
}

// span is the chosen period, ending at the last closed candle of the chosen interval.
func (s *Screen) span() (from, to time.Time, iv time.Duration) {
	iv, _ = marketdata.ParseInterval(Intervals[s.iv])
	to = s.c.Now().UTC().Truncate(iv)
	return to.Add(-Periods[s.period].D), to, iv
}

// running reports whether a run is in flight.
func (s *Screen) running() bool { return s.job != nil }

// Busy keeps the root's spinner turning while a run is in flight.
func (s *Screen) Busy() bool { return s.running() }

// start runs the backtest in a command, with a tick that redraws its progress.
func (s *Screen) start() tea.Cmd {
	if s.running() || s.cfg.Strategy == "" {
		return nil
	}
	from, to, iv := s.span()
	s.seq++
	ctx, cancel := context.WithCancel(s.c.Ctx)
	j := &job{id: s.seq, cancel: cancel}
	s.job, s.err, s.missing, s.note = j, "", "", ""
	rq := request{home: s.c.Home, sim: s.c.Exchange == "sim", eng: s.c.Engine, cfg: s.cfg, budget: s.budget(),
		interval: iv, from: from, to: to, now: s.c.Now().UTC()}
	rq.cfg.Params = maps.Clone(s.cfg.Params)
	return tea.Batch(runCmd(ctx, j, rq), s.progressTick(j.id), s.c.Host.Spin())
}

func (s *Screen) progressTick(id int) tea.Cmd {
	return s.c.Tick(progressEvery, func(time.Time) tea.Msg { return progressMsg{id: id} })
}

// cancel stops the run in flight; its result, when it still comes, is dropped.
func (s *Screen) cancel() {
	if s.job != nil {
		s.job.cancel()
		s.job = nil
		s.c.Host.Info("backtest cancelled")
	}
}

// finished takes a run's result.
func (s *Screen) finished(msg runFinishedMsg) {
	if s.job == nil || msg.id != s.job.id {
		return // cancelled, or superseded
	}
	s.job.cancel()
	s.job = nil
	s.note = msg.note
	if msg.err != nil {
		s.failed(msg.err)
		return
	}
	res := msg.res
	s.res, s.resCfg, s.candles = &res, msg.cfg, msg.candles
	s.fills = fillsOf(res.Trades, s.cfg.Symbol)
	s.resFrom = Periods[s.period].Name + " of " + Intervals[s.iv]
	s.cacheLive = false
	if s.page == pageSweep {
		s.page = pageResult
	}
}

// failed says why a run or a sweep did not finish: missing history with the command that gets
// it, or the error.
func (s *Screen) failed(err error) {
	switch {
	case errors.Is(err, errNoHistory):
		from, _, _ := s.span()
		s.missing = "No stored " + s.cfg.Symbol + " " + Intervals[s.iv] + " candles from " + from.Format("2006-01-02") +
			". Get them with `quantdeck data fetch --symbol " + s.cfg.Symbol + " --interval " + Intervals[s.iv] +
			" --from " + from.Format("2006-01-02") + "` (or `quantdeck data import` of Binance's archive files), then press enter."
	default:
		s.err = common.Clean(err.Error())
	}
}

// fillsOf shows a result's trades as fills, so the candle chart marks them as it marks a bot's.
func fillsOf(ts []bt.Trade, symbol string) []engine.FillView {
	out := make([]engine.FillView, len(ts))
	for i, t := range ts {
		out[i] = engine.FillView{Symbol: symbol, Side: t.Side, Price: t.Price, Qty: t.Qty, Fee: t.Fee, FeeAsset: t.FeeAsset, Time: t.Time, Mode: engine.Paper}
	}
	return out
}

// paperBot opens the bot form on a new paper bot with the backtested settings.
func (s *Screen) paperBot() tea.Cmd {
	params := map[string]string(nil)
	switch {
	case s.page == pageSweep && s.sel < len(s.rows):
		if s.rows[s.sel].Err != "" {
			s.c.Host.Error("that combination could not run: pick another", nil)
			return nil
		}
		params = s.rows[s.sel].Params
	case s.res != nil:
		params = s.resCfg.Params
	default:
		s.c.Host.Error("run a backtest first (enter): a new paper bot starts from a result", nil)
		return nil
	}
	cfg := s.cfg
	cfg.Params = maps.Clone(params)
	cfg.Mode, cfg.KeyLabel = engine.Paper, ""
	if cfg.Name != "" {
		cfg.Name += "-paper"
	}
	return s.c.Host.Open(common.ScreenBotForm, common.Args{Draft: &cfg})
}

// summarise opens the AI panel on the result: a summary and its risks. A result picked from a
// sweep says how many combinations were compared, which is what overfitting hides behind.
func (s *Screen) summarise() tea.Cmd {
	if s.res == nil {
		s.c.Host.Error("run a backtest first (enter): the AI summarises a result", nil)
		return nil
	}
	tried := max(len(s.rows), 1)
	return common.OpenAIWith(s.c, common.Args{AIKind: ai.Backtest, Bot: s.args.Bot, Symbol: s.cfg.Symbol,
		Backtest: ai.FromBacktest(s.resCfg, *s.res, tried)})
}

// back returns where the screen was opened from: the bot's detail, or the form with what was
// typed in it.
func (s *Screen) back() tea.Cmd {
	switch {
	case s.args.Draft != nil || s.args.Edit != nil:
		return s.c.Host.Open(common.ScreenBotForm, common.Args{Edit: s.args.Edit, Held: s.args.Held, Draft: s.args.Draft})
	case s.args.Bot != "":
		if _, ok := s.c.FindBot(s.args.Bot); ok {
			return s.c.Host.Open(common.ScreenBotDetail, common.Args{Bot: s.args.Bot})
		}
	}
	s.c.Host.Back()
	return nil
}

// Update handles keys, the run's progress and its result.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.key(msg)
	case progressMsg:
		if s.job != nil && msg.id == s.job.id {
			return s.progressTick(msg.id)
		}
	case runFinishedMsg:
		s.finished(msg)
	case sweptMsg:
		s.swept(msg)
	}
	return nil
}

func (s *Screen) key(k tea.KeyMsg) tea.Cmd {
	keys := s.c.Keys
	if s.running() {
		if key.Matches(k, keys.Back) {
			s.cancel()
		}
		return nil
	}
	if s.sweeping {
		return s.sweepKey(k)
	}
	switch {
	case key.Matches(k, keys.Back):
		return s.back()
	case key.Matches(k, keys.Sweep):
		s.sweeping, s.err = true, ""
		if s.sweepLine.Value() == "" {
			s.sweepLine.SetValue(suggestSweep(s.cfg))
		}
		return s.sweepLine.Focus()
	case s.page == pageSweep && key.Matches(k, keys.Up):
		s.sel = max(s.sel-1, 0)
		s.cacheLive = false
	case s.page == pageSweep && key.Matches(k, keys.Down):
		s.sel = min(s.sel+1, max(len(s.rows)-1, 0))
		s.cacheLive = false
	case key.Matches(k, keys.Enter):
		return s.start()
	case key.Matches(k, keys.Left):
		s.period = (s.period + len(Periods) - 1) % len(Periods)
	case key.Matches(k, keys.Right):
		s.period = (s.period + 1) % len(Periods)
	case key.Matches(k, keys.Timeframe):
		s.iv = (s.iv + 1) % len(Intervals)
	case key.Matches(k, keys.Tab):
		s.page = s.nextPage(1)
	case key.Matches(k, keys.ShiftTab):
		s.page = s.nextPage(-1)
	case key.Matches(k, keys.PaperBot):
		return s.paperBot()
	case key.Matches(k, keys.AskAI):
		return s.summarise()
	}
	return nil
}

// ShortHelp is the screen's help bar: esc cancels while a run is in flight.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.running() {
		cancel := k.Back
		cancel.SetHelp("esc", "cancel the run")
		return []key.Binding{cancel}
	}
	run, period, iv, page := k.Enter, k.Left, k.Timeframe, k.Tab
	run.SetHelp("enter", "run")
	period.SetHelp("←/→", "period")
	iv.SetHelp("f", "interval")
	page.SetHelp("tab", "result/trades")
	if s.sweeping {
		run.SetHelp("enter", "run the sweep")
		back := k.Back
		back.SetHelp("esc", "leave the sweep line")
		return []key.Binding{run, back}
	}
	return []key.Binding{run, period, iv, page, k.Sweep, k.PaperBot, k.Back, k.Help}
}

// nextPage moves through the pages there is something on.
func (s *Screen) nextPage(dir int) int {
	n := 2
	if s.rows != nil {
		n = 3
	}
	return (s.page + n + dir) % n
}

// suggestSweep proposes a first sweep line: the strategy's main size parameter around its
// value, so the user sees the form to edit.
func suggestSweep(cfg engine.BotConfig) string {
	switch cfg.Strategy {
	case "grid":
		return "levels=5..25:5"
	case "dca":
		if v := cfg.Params["interval"]; v != "" {
			return "interval=1h,4h,12h,24h"
		}
	}
	return ""
}

// HelpKey changes when a run starts or ends, which changes the help bar.
func (s *Screen) HelpKey() string {
	switch {
	case s.running():
		return "running"
	case s.sweeping:
		return "sweeping"
	}
	return ""
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is true while the sweep line is edited.
func (s *Screen) TakesText() bool { return s.sweeping }
