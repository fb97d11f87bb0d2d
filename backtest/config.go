package backtest

import (
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// Config is one backtest: a strategy with its parameters on a symbol, and the fill model's
// settings.
type Config struct {
	Symbol   string
	Strategy string            // a name from strategy.Specs()
	Params   map[string]string // as typed by the user (--set k=v)
	Rules    exchange.Rules    // the symbol's trading rules, as the exchange states them
	Budget   decimal.Decimal   // the starting quote balance
	FeeRate  decimal.Decimal   // on what a fill receives (0.001 is 0.1 %); zero: no fee
	// SlippageBps moves market fills away from the path price: buys pay this many basis points
	// more, sells receive that much less.
	SlippageBps decimal.Decimal
	// Interval is the candles' interval (the fill interval); StrategyInterval, a multiple of
	// it, how often the strategy sees a tick (zero: every candle).
	Interval         time.Duration
	StrategyInterval time.Duration
	// VolumeShare, when above zero, turns partial fills on: in each candle, resting limit
	// orders fill for at most this share of the candle's volume in all (0.1: a tenth); what
	// is left of an order stays on the book for later candles.
	VolumeShare decimal.Decimal
	// MaxOpenOrders caps the bot's resting orders as the engine's risk guard does (zero: none).
	MaxOpenOrders int
}

// check validates cfg and builds its strategy.
func (c *Config) check() (strategy.Strategy, error) {
	if c.Symbol == "" || c.Rules.Base == "" || c.Rules.Quote == "" {
		return nil, errors.New("backtest: a symbol with its rules (base and quote asset) is needed")
	}
	if !c.Budget.IsPos() {
		return nil, fmt.Errorf("backtest: budget %s must be above zero", c.Budget)
	}
	if c.FeeRate.IsNeg() || c.FeeRate.Cmp(decimal.One) >= 0 {
		return nil, fmt.Errorf("backtest: fee rate %s must be from 0 to below 1 (0.001 is 0.1%%)", c.FeeRate)
	}
	if c.SlippageBps.IsNeg() || c.SlippageBps.Cmp(decimal.Thousand) > 0 {
		return nil, fmt.Errorf("backtest: slippage %s bps must be from 0 to 1000", c.SlippageBps)
	}
	if c.VolumeShare.IsNeg() || c.VolumeShare.Cmp(decimal.One) > 0 {
		return nil, fmt.Errorf("backtest: volume share %s must be from 0 to 1 (0.1 is a tenth of each candle's volume)", c.VolumeShare)
	}
	if c.Interval <= 0 {
		return nil, errors.New("backtest: the candles' interval is needed")
	}
	if c.StrategyInterval == 0 {
		c.StrategyInterval = c.Interval
	}
	if c.StrategyInterval < c.Interval || c.StrategyInterval%c.Interval != 0 {
		return nil, fmt.Errorf("backtest: strategy interval %s must be a multiple of the fill interval %s", c.StrategyInterval, c.Interval)
	}
	rules := c.Rules
	rules.Symbol = c.Symbol
	s, err := strategy.New(c.Strategy, c.Params, rules, c.Budget)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return s, nil
}
