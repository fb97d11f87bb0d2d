package backtest

import (
	"context"

	"github.com/quantdeck/quantdeck/exchange"
)

// RunOptions are what an interactive caller (the cockpit) asks of a run beyond its result.
type RunOptions struct {
	// Progress hears the candles replayed so far and their total, every few thousand candles
	// and once at the end. It runs on the replay's goroutine: keep it cheap (an atomic store).
	Progress func(done, total int)
	// Curve asks for the equity curve and its drawdown sampled at about this many evenly
	// spaced candles (Result.Equity, Result.Drawdown); zero leaves them out.
	Curve int
}

// RunWith is Run with progress reports and a sampled equity curve.
func RunWith(ctx context.Context, cfg Config, candles []exchange.Candle, opts RunOptions) (Result, error) {
	return run(ctx, cfg, candles, false, opts)
}
