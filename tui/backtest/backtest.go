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
	page    int    // 0 the result, 1 the trades on the chart

	cache     string // the rendered result page
	cacheFor  [3]int
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
	switch {
	case errors.Is(msg.err, errNoHistory):
		from, _, _ := s.span()
		s.missing = "No stored " + s.cfg.Symbol + " " + Intervals[s.iv] + " candles from " + from.Format("2006-01-02") +
			". Get them with `quantdeck data fetch --symbol " + s.cfg.Symbol + " --interval " + Intervals[s.iv] +
			" --from " + from.Format("2006-01-02") + "` (or `quantdeck data import` of Binance's archive files), then press enter."
	case msg.err != nil:
		s.err = common.Clean(msg.err.Error())
	default:
		res := msg.res
		s.res, s.resCfg, s.candles = &res, msg.cfg, msg.candles
		s.fills = fillsOf(res.Trades, s.cfg.Symbol)
		s.resFrom = Periods[s.period].Name + " of " + Intervals[s.iv]
		s.cacheLive = false
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
	if s.res == nil {
		s.c.Host.Error("run a backtest first (enter): a new paper bot starts from a result", nil)
		return nil
	}
	cfg := s.cfg
	cfg.Params = maps.Clone(s.resCfg.Params)
	cfg.Mode, cfg.KeyLabel = engine.Paper, ""
	if cfg.Name != "" {
		cfg.Name += "-paper"
	}
	return s.c.Host.Open(common.ScreenBotForm, common.Args{Draft: &cfg})
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
	case key.Matches(k, keys.Back):
		return s.back()
	case key.Matches(k, keys.Enter):
		return s.start()
	case key.Matches(k, keys.Left):
		s.period = (s.period + len(Periods) - 1) % len(Periods)
	case key.Matches(k, keys.Right):
		s.period = (s.period + 1) % len(Periods)
	case key.Matches(k, keys.Timeframe):
		s.iv = (s.iv + 1) % len(Intervals)
	case key.Matches(k, keys.Tab), key.Matches(k, keys.ShiftTab):
		s.page = 1 - s.page
	case key.Matches(k, keys.PaperBot):
		return s.paperBot()
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
	return []key.Binding{run, period, iv, page, k.PaperBot, k.Back, k.Help}
}

// HelpKey changes when a run starts or ends, which changes the help bar.
func (s *Screen) HelpKey() string {
	if s.running() {
		return "running"
	}
	return ""
}

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is false: every key is a binding here.
func (s *Screen) TakesText() bool { return false }
