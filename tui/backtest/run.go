package backtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/marketdata"
	"github.com/quantdeck/quantdeck/tui/common"
)

// The phases of a run, as the progress line names them.
const (
	phaseLoading int32 = iota
	phaseGenerating
	phaseReplaying
)

// curvePoints is how many points of the equity curve a run keeps: more than any terminal is
// wide, few enough that drawing them is cheap.
const curvePoints = 400

// chartCandles bounds the candles a result keeps for its chart: the run's candles are merged
// into a coarser timeframe until they fit.
const chartCandles = 5000

// job is one run in flight. Its command reports into the atomics; the screen reads them on
// its progress ticks. cancel ends the run (esc).
type job struct {
	id          int
	ctx         context.Context
	cancel      context.CancelFunc
	phase       atomic.Int32
	done, total atomic.Int64
}

// request is everything a run needs, copied out of the screen so the command never touches it.
type request struct {
	home     string
	sim      bool
	eng      common.Engine
	cfg      engine.BotConfig
	money    money
	interval time.Duration
	from, to time.Time
	now      time.Time
}

// errNoHistory says no candles are stored for the period; the screen tells the user how to get
// them.
var errNoHistory = errors.New("no stored candles")

type (
	// runFinishedMsg carries a run's result, or why it failed.
	runFinishedMsg struct {
		id      int
		res     bt.Result
		cfg     bt.Config
		candles []exchange.Candle // merged to at most chartCandles, for the chart
		note    string
		err     error
	}
	// progressMsg asks the screen to redraw a run's progress and check again.
	progressMsg struct{ id int }
)

// progressEvery is how often a running backtest's progress is redrawn.
const progressEvery = 100 * time.Millisecond

// runCmd loads (on the simulated market: generates, as `quantdeck data fetch` does) the
// period's candles and replays them through the bot's strategy.
func runCmd(ctx context.Context, j *job, rq request) tea.Cmd {
	return func() tea.Msg {
		msg := runFinishedMsg{id: j.id}
		msg.res, msg.cfg, msg.candles, msg.note, msg.err = run(ctx, j, rq)
		return msg
	}
}

func run(ctx context.Context, j *job, rq request) (bt.Result, bt.Config, []exchange.Candle, string, error) {
	cfg, candles, note, err := load(ctx, j, rq)
	if err != nil {
		return bt.Result{}, cfg, nil, note, err
	}
	j.phase.Store(phaseReplaying)
	j.done.Store(0)
	j.total.Store(int64(len(candles)))
	res, err := bt.RunWith(ctx, cfg, candles, bt.RunOptions{Curve: curvePoints,
		Progress: func(done, _ int) { j.done.Store(int64(done)) }})
	if err != nil {
		return res, cfg, nil, note, err
	}
	return res, cfg, chartSeries(candles), note, nil
}

// load builds the run's configuration and reads the period's candles, generating them first
// on the simulated market.
func load(ctx context.Context, j *job, rq request) (bt.Config, []exchange.Candle, string, error) {
	cfg := bt.Config{Symbol: rq.cfg.Symbol, Strategy: rq.cfg.Strategy, Params: rq.cfg.Params, Budget: rq.money.budget,
		FeeRate: rq.money.feeRate, SlippageBps: rq.money.slippage, Interval: rq.interval, MaxOpenOrders: engine.DefaultLimits().MaxOpenOrders}
	if rq.home == "" {
		return cfg, nil, "", errors.New("no data directory: candle history has nowhere to live")
	}
	hist, err := marketdata.Open(ctx, rq.home)
	if err != nil {
		return cfg, nil, "", err
	}
	defer hist.Close()
	if rq.sim {
		j.phase.Store(phaseGenerating)
		span := int64(rq.to.Sub(rq.from) / rq.interval)
		j.total.Store(span)
		src := sim.New(sim.Options{Symbols: []string{cfg.Symbol}, Seed: 1})
		_, err := hist.Fetch(ctx, src, marketdata.FetchOptions{Symbol: cfg.Symbol, Interval: rq.interval, From: rq.from, To: rq.to, Now: rq.now,
			Progress: func(reached, _ time.Time) { j.done.Store(int64(reached.Sub(rq.from) / rq.interval)) }})
		if err != nil {
			return cfg, nil, "", fmt.Errorf("generating history: %w", err)
		}
	}
	j.phase.Store(phaseLoading)
	candles, err := hist.Load(ctx, cfg.Symbol, rq.interval, rq.from, rq.to)
	if err != nil {
		return cfg, nil, "", err
	}
	if len(candles) == 0 {
		return cfg, nil, "", errNoHistory
	}
	var note string
	cfg.Rules, note = rules(ctx, rq.eng, cfg.Symbol)
	return cfg, candles, note, nil
}

// rules asks the engine for the symbol's trading rules; without an answer (offline) the
// simulated market's stand in, as `quantdeck backtest` does, and the note says so.
func rules(ctx context.Context, eng common.Engine, symbol string) (exchange.Rules, string) {
	var err error = errors.New("no engine")
	if eng != nil {
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		var r exchange.Rules
		if r, err = eng.Rules(c, symbol); err == nil {
			return r, ""
		}
	}
	r, simErr := sim.New(sim.Options{Symbols: []string{symbol}}).Rules(ctx, symbol)
	if simErr != nil {
		return r, "no trading rules for " + symbol
	}
	return r, "the simulated market's rules stand in for " + symbol + " (" + common.Clean(err.Error()) + ")"
}

// chartSeries merges candles into the finest chart timeframe that keeps at most chartCandles
// of them, so a year of minutes does not stay in memory for a chart a few hundred cells wide.
func chartSeries(cs []exchange.Candle) []exchange.Candle {
	for _, tf := range common.Timeframes {
		if out := common.Aggregate(cs, tf.D); len(out) <= chartCandles {
			return out
		}
	}
	return common.Aggregate(cs, common.Timeframes[len(common.Timeframes)-1].D)
}
