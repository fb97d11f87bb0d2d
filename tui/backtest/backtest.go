// Package backtest owns the cockpit's backtest screen: it replays a bot's strategy and
// parameters (from its detail or from the bot form) over a chosen period of stored candle
// history (a preset or typed UTC days, checked against the stored history), with the budget,
// fee and slippage `quantdeck backtest` takes, in a command with its progress shown and esc to
// cancel, and shows the metrics beside buy-and-hold, the equity curve and drawdown, and the
// trades on a candle chart. Sweeps rank every combination by a chosen metric, optionally on an
// in-sample share with the out-of-sample rest beside it. One key turns a result into a new
// paper bot, through the bot form.
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

	args common.Args // what the screen opened on, to return there
	cfg  engine.BotConfig
	form common.FieldList // the settings: period, dates, interval, budget, fee, slippage

	editing     bool                // the settings form takes the keys
	stored      []marketdata.Series // the symbol's stored history, to check dates against
	storedKnown bool

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

	sweeping  bool             // the sweep form takes the keys
	sweepForm common.FieldList // what to sweep, the rank metric, the out-of-sample split
	rows      []bt.Row
	axes      []bt.Axis
	rank      string  // the metric the rows are ranked by
	split     float64 // the in-sample share the rows were run with; 0: none
	sel       int
	sweptFor  string

	cache     string // the rendered result page
	cacheFor  [4]int
	cacheLive bool
}

// New opens the backtest of args.Draft (from the bot form) or of bot args.Bot (from its
// detail).
func New(c *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c, args: args}
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
	budget := defaultBudget
	if s.cfg.Budget.IsPos() {
		budget = s.cfg.Budget
	}
	s.newSettings(budget)
	s.newSweepForm()
	return s, storedCmd(c.Ctx, c.Home, s.cfg.Symbol)
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
	rq, err := s.request()
	if err != nil {
		return s.focusErr(err)
	}
	j := s.newJob()
	return tea.Batch(runCmd(j.ctx, j, rq), s.progressTick(j.id), s.c.Host.Spin())
}

// request copies what a run needs out of the checked settings.
func (s *Screen) request() (request, error) {
	m, err := s.settingsErr()
	if err != nil {
		return request{}, err
	}
	from, to, iv := s.span()
	rq := request{home: s.c.Home, sim: s.c.Exchange == "sim", eng: s.c.Engine, cfg: s.cfg, money: m,
		interval: iv, from: from, to: to, now: s.c.Now().UTC()}
	rq.cfg.Params = maps.Clone(s.cfg.Params)
	return rq, nil
}

// newJob starts tracking a run or a sweep; the forms close.
func (s *Screen) newJob() *job {
	s.seq++
	ctx, cancel := context.WithCancel(s.c.Ctx)
	j := &job{id: s.seq, ctx: ctx, cancel: cancel}
	s.job, s.err, s.missing, s.note = j, "", "", ""
	s.editing, s.sweeping = false, false
	s.form.Fields[s.form.Focus].Input.Blur()
	s.sweepForm.Fields[s.sweepForm.Focus].Input.Blur()
	return j
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
	s.resFrom = s.periodName() + " of " + Intervals[s.interval()]
	s.cacheLive = false
	if s.page == pageSweep {
		s.page = pageResult
	}
}

// refreshStored lists the stored history again after a run, which on the simulated market
// adds to it.
func (s *Screen) refreshStored() tea.Cmd { return storedCmd(s.c.Ctx, s.c.Home, s.cfg.Symbol) }

// failed says why a run or a sweep did not finish: missing history with the command that gets
// it, or the error.
func (s *Screen) failed(err error) {
	switch {
	case errors.Is(err, errNoHistory):
		from, _, _ := s.span()
		s.missing = "No stored " + s.cfg.Symbol + " " + Intervals[s.interval()] + " candles from " + from.Format("2006-01-02") +
			". Get them with `quantdeck data fetch --symbol " + s.cfg.Symbol + " --interval " + Intervals[s.interval()] +
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
		return s.refreshStored()
	case sweptMsg:
		s.swept(msg)
		return s.refreshStored()
	case storedMsg:
		s.stored, s.storedKnown = msg.series, msg.err == nil
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
	switch {
	case (s.sweeping || s.editing) && key.Matches(k, keys.ForceQuit):
		return s.c.Host.Quit() // the root leaves keys to a screen that takes text
	case s.sweeping:
		return s.sweepKey(k)
	case s.editing:
		return s.settingsKey(k)
	}
	switch {
	case key.Matches(k, keys.Back):
		return s.back()
	case key.Matches(k, keys.Sweep):
		return s.openSweep()
	case key.Matches(k, keys.Edit):
		return s.openSettings()
	case s.page == pageSweep && key.Matches(k, keys.Rank):
		s.rerank()
	case s.page == pageSweep && key.Matches(k, keys.Up):
		s.sel = max(s.sel-1, 0)
		s.cacheLive = false
	case s.page == pageSweep && key.Matches(k, keys.Down):
		s.sel = min(s.sel+1, max(len(s.rows)-1, 0))
		s.cacheLive = false
	case key.Matches(k, keys.Enter):
		return s.start()
	case key.Matches(k, keys.Left):
		n := len(Periods) + 1
		s.setPeriod((s.period() + n - 1) % n)
	case key.Matches(k, keys.Right):
		s.setPeriod((s.period() + 1) % (len(Periods) + 1))
	case key.Matches(k, keys.Timeframe):
		s.form.Fields[fInterval].Choice = (s.interval() + 1) % len(Intervals)
		s.fillPreset()
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

// ShortHelp is the screen's help bar: esc cancels while a run is in flight; the forms show
// how to move and run.
func (s *Screen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.running() {
		cancel := k.Back
		cancel.SetHelp("esc", "cancel the run")
		return []key.Binding{cancel}
	}
	run, back, choose := k.Enter, k.Back, k.Left
	switch {
	case s.editing:
		run.SetHelp("enter", "run")
		back.SetHelp("esc", "leave the settings")
		return []key.Binding{k.NextField, choose, run, back}
	case s.sweeping:
		run.SetHelp("enter", "run the sweep")
		back.SetHelp("esc", "leave the sweep")
		return []key.Binding{k.NextField, choose, run, back}
	}
	period, iv, edit, page, sweep, paper := k.Left, k.Timeframe, k.Edit, k.Tab, k.Sweep, k.PaperBot
	run.SetHelp("enter", "run")
	period.SetHelp("←/→", "period")
	edit.SetHelp("e", "settings (dates, budget, fee)")
	sweep.SetHelp("w", "sweep (rank, split)")
	paper.SetHelp("N", "paper bot")
	iv.SetHelp("f", "interval")
	page.SetHelp("tab", "result/trades")
	// The most used first: a narrow footer drops from the end.
	if s.page == pageSweep {
		return []key.Binding{run, edit, sweep, k.Rank, paper, period, iv, page, k.Back, k.Help}
	}
	return []key.Binding{run, period, edit, sweep, paper, iv, page, k.Back, k.Help}
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
	case s.editing:
		return "editing"
	case s.page == pageSweep:
		return "sweep page"
	}
	return ""
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is true while the settings or the sweep form is edited.
func (s *Screen) TakesText() bool { return s.sweeping || s.editing }
