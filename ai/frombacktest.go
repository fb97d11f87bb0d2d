package ai

import (
	"time"

	"github.com/quantdeck/quantdeck/backtest"
)

// FromBacktest copies the metrics a backtest summary needs. paramsTried is how many parameter
// sets a sweep compared before this one was picked (1 for a single run): the overfitting risk.
func FromBacktest(cfg backtest.Config, r backtest.Result, paramsTried int) *BacktestMetrics {
	ret, _ := r.PnLPct.Float64()
	hold, _ := r.BuyHoldPnLPct.Float64()
	return &BacktestMetrics{
		Symbol: cfg.Symbol, Strategy: cfg.Strategy, Params: cfg.Params, Interval: intervalName(cfg.Interval),
		From: r.From, To: r.To, StartEquity: r.StartEquity, FinalEquity: r.FinalEquity,
		ReturnPct: ret, MaxDrawdown: r.MaxDrawdownPct, Sharpe: r.Sharpe, Trades: r.TradeCount(),
		Fees: r.Fees, BuyHoldPct: hold, ParamsTried: paramsTried,
	}
}

// intervalName writes a candle interval the way exchanges name them (1m, 15m, 1h, 4h, 1d).
func intervalName(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%(24*time.Hour) == 0:
		return itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return itoa(int(d/time.Minute)) + "m"
	}
	return ""
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
