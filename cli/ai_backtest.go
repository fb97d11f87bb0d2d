package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/marketdata"
)

// backtestBot replays a bot's configuration (symbol, strategy, parameters, budget) over the
// stored candles of interval from the day from to the last one, as `quantdeck backtest` does.
func backtestBot(ctx context.Context, env *Env, st config.Settings, b engine.BotView, from time.Time, ivName string) (backtest.Config, backtest.Result, error) {
	cfg := backtest.Config{Symbol: b.Config.Symbol, Strategy: b.Config.Strategy, Params: b.Config.Params,
		Budget: b.Config.Budget, FeeRate: decimal.MustParse("0.001"), MaxOpenOrders: engine.DefaultLimits().MaxOpenOrders}
	if cfg.Budget.IsZero() {
		cfg.Budget = decimal.MustNew(10000, 0)
	}
	var err error
	if cfg.Interval, err = marketdata.ParseInterval(ivName); err != nil {
		return cfg, backtest.Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if cfg.Rules, err = backtestRules(ctx, env, st, cfg.Symbol); err != nil {
		return cfg, backtest.Result{}, err
	}
	hist, err := marketdata.Open(ctx, st.Home)
	if err != nil {
		return cfg, backtest.Result{}, err
	}
	candles, err := hist.Load(ctx, cfg.Symbol, cfg.Interval, from, time.Time{})
	hist.Close()
	if err != nil {
		return cfg, backtest.Result{}, err
	}
	if len(candles) == 0 {
		return cfg, backtest.Result{}, fmt.Errorf("no stored %s %s candles from %s: run `quantdeck data fetch --symbol %s --interval %s --from %s` first",
			cfg.Symbol, ivName, from.Format(time.DateOnly), cfg.Symbol, ivName, from.Format(time.DateOnly))
	}
	res, err := backtest.Run(ctx, cfg, candles)
	return cfg, res, err
}
