package ai

import (
	"time"

	"github.com/govalues/decimal"
)

// The types below are the allow-list: a request carries these fields and nothing else. Callers
// copy what they have into them; anything without a field here (key labels, error reasons,
// file paths, settings) cannot reach a request.

// Candle is one bar of price history.
type Candle struct {
	Open               time.Time
	O, H, L, C, Volume decimal.Decimal
}

// Market is a symbol's recent history.
type Market struct {
	Symbol   string
	Interval string // the candles' width, e.g. "1m", "1h"
	Candles  []Candle
}

// Bot is what a request may say about a bot.
type Bot struct {
	Name     string
	Symbol   string
	Strategy string            // dca or grid
	Mode     string            // paper or live
	State    string            // stopped, running, paused, error
	Params   map[string]string // strategy parameters; only the names in StrategyParams are sent
	Budget   decimal.Decimal

	Position      decimal.Decimal
	AvgEntry      decimal.Decimal
	RealizedPnL   decimal.Decimal
	UnrealizedPnL decimal.Decimal
	Spent         decimal.Decimal
	Buys, Sells   int
	OpenOrders    int
	StartedAt     time.Time
}

// Trade is one fill of a bot's order.
type Trade struct {
	Time     time.Time
	Side     string // BUY or SELL
	Price    decimal.Decimal
	Quantity decimal.Decimal
	Fee      decimal.Decimal
	FeeAsset string
}

// BacktestMetrics is what a backtest summary needs of a backtest result. Ratios are statistics
// (floats); money stays decimal.
type BacktestMetrics struct {
	Symbol   string
	Strategy string
	Params   map[string]string
	Interval string
	From, To time.Time

	StartEquity decimal.Decimal
	FinalEquity decimal.Decimal
	ReturnPct   float64
	MaxDrawdown float64 // percent, positive
	Sharpe      float64
	WinRate     float64 // percent of closed round trips that gained
	Trades      int
	Fees        decimal.Decimal
	BuyHoldPct  float64 // the symbol's own move over the period, percent
	ParamsTried int     // >1 when the parameters were picked by a sweep (overfitting risk)
}

// Balance is one asset's balance; sent only when Input.IncludeBalances is set.
type Balance struct {
	Asset        string
	Free, Locked decimal.Decimal
}

// Input is everything a request may be built from.
type Input struct {
	Question string // ask: the user's question, sent as typed
	Bot      *Bot
	Trades   []Trade
	Market   *Market
	Backtest *BacktestMetrics
	// Balances are dropped unless IncludeBalances is set: account balances are sent only when
	// the user opts in for this one request.
	Balances        []Balance
	IncludeBalances bool
}

// StrategyParams are the parameter names a request may carry, per strategy (see DESIGN.md).
var StrategyParams = map[string][]string{
	"dca":  {"amount", "interval", "take_profit", "max_buys", "dip_steps"},
	"grid": {"lower", "upper", "levels", "quantity"},
}
