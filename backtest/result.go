package backtest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// Result is what a backtest measured. Money is decimal; ratios and percentages of the equity
// curve are float64 statistics.
type Result struct {
	From, To        time.Time // open of the first candle, close of the last
	Candles         int
	Trades          []Trade
	Orders          []Order         // only when the run recorded them (parity checks)
	Refused         int             // intents that never reached the book
	Fees            decimal.Decimal // in the quote asset (base fees valued at their fill price)
	StartEquity     decimal.Decimal
	FinalEquity     decimal.Decimal // quote plus base at the last close
	PnL             decimal.Decimal
	PnLPct          decimal.Decimal
	MaxDrawdownPct  float64 // on candle-close equity
	Sharpe, Sortino float64 // daily, annualised over 365 days
	TimeInMarketPct float64 // share of candles closing with a position
	// BuyHold is the same budget bought at the first open and valued at the last close, no fees.
	BuyHoldFinal  decimal.Decimal
	BuyHoldPnLPct decimal.Decimal

	tradeCount int // the trade count of a summary whose list was dropped
}

// Run replays candles (sorted, of cfg.Interval) through cfg's strategy and the paper matcher.
func Run(ctx context.Context, cfg Config, candles []exchange.Candle) (Result, error) {
	return run(ctx, cfg, candles, false)
}

// RunTicks replays recorded ticks one by one, as the engine meets them live: the strategy
// decides on each tick's price (its Last, else its bid and ask), then the paper account sees
// the tick, then the strategy's orders are placed. The result lists every order (Orders).
// Statistics count each tick as a candle.
func RunTicks(ctx context.Context, cfg Config, ticks []exchange.Tick) (Result, error) {
	r, err := newRunner(cfg)
	if err != nil {
		return Result{}, err
	}
	r.keepLog = true
	r.stats.init(r.cfg.Budget, 0)
	bars := make([]exchange.Candle, 0, len(ticks))
	for _, t := range ticks {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		p := strategy.RefPrice(t)
		if !p.IsPos() {
			continue
		}
		r.step(ctx, p, t.Time, true)
		r.stats.candle(t.Time, p)
		bars = append(bars, exchange.Candle{Open: t.Time, O: p, H: p, L: p, C: p})
	}
	r.cfg.Interval = 0
	return r.result(bars)
}

func run(ctx context.Context, cfg Config, candles []exchange.Candle, keepOrders bool) (Result, error) {
	r, err := newRunner(cfg)
	if err != nil {
		return Result{}, err
	}
	r.keepLog = keepOrders
	cfg = r.cfg
	days := 0
	if n := len(candles); n > 0 {
		days = int(candles[n-1].Open.Sub(candles[0].Open)/(24*time.Hour)) + 2
	}
	r.stats.init(cfg.Budget, days)
	iv := cfg.Interval
	third := iv / 3
	every := int64(cfg.StrategyInterval)
	for i := range candles {
		c := &candles[i]
		if i&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
		}
		if cfg.VolumeShare.IsPos() {
			r.volLeft, _ = c.Volume.Mul(cfg.VolumeShare)
		}
		closeAt := c.Open.Add(iv)
		decide := every == int64(iv) || closeAt.UnixNano()%every == 0
		if r.crossable(c.L, c.H) {
			a, b := c.L, c.H
			if c.C.Cmp(c.O) < 0 {
				a, b = c.H, c.L
			}
			r.step(ctx, c.O, c.Open, false)
			r.step(ctx, a, c.Open.Add(third), false)
			r.step(ctx, b, c.Open.Add(2*third), false)
		}
		r.step(ctx, c.C, closeAt, decide)
		r.stats.candle(c.Open, c.C)
	}
	return r.result(candles)
}

// result sums up the replay.
func (r *runner) result(candles []exchange.Candle) (Result, error) {
	res := Result{Candles: len(candles), Trades: r.trades, Orders: r.orders, Refused: r.stats.refused, StartEquity: r.cfg.Budget}
	res.FinalEquity, res.BuyHoldFinal = r.cfg.Budget, r.cfg.Budget
	if len(candles) == 0 {
		return res, nil
	}
	first, last := candles[0], candles[len(candles)-1]
	res.From, res.To = first.Open, last.Open.Add(r.cfg.Interval)
	var err error
	for _, t := range r.trades {
		fee := t.Fee
		if t.FeeAsset == r.cfg.Rules.Base {
			fee, _ = fee.Mul(t.Price)
		}
		if res.Fees, err = res.Fees.Add(fee); err != nil {
			return res, fmt.Errorf("backtest: fees overflow: %w", err)
		}
	}
	held, err := r.base.Mul(last.C)
	if err != nil {
		return res, fmt.Errorf("backtest: equity overflows: %w", err)
	}
	if res.FinalEquity, err = r.quote.Add(held); err != nil {
		return res, fmt.Errorf("backtest: equity overflows: %w", err)
	}
	res.PnL, _ = res.FinalEquity.Sub(res.StartEquity)
	res.PnLPct = pct(res.PnL, res.StartEquity)
	if bh, err := r.cfg.Budget.Mul(last.C); err == nil {
		if bh, err = bh.Quo(first.O); err == nil {
			res.BuyHoldFinal = bh
			gain, _ := bh.Sub(r.cfg.Budget)
			res.BuyHoldPnLPct = pct(gain, r.cfg.Budget)
		}
	}
	res.MaxDrawdownPct = round(r.stats.maxDD*100, 4)
	sharpe, sortino := r.stats.ratios()
	res.Sharpe, res.Sortino = round(sharpe, 4), round(sortino, 4)
	if r.stats.candles > 0 {
		res.TimeInMarketPct = round(float64(r.stats.inMarket)/float64(r.stats.candles)*100, 4)
	}
	res.FinalEquity = res.FinalEquity.Round(8)
	res.PnL = res.PnL.Round(8)
	res.Fees = res.Fees.Round(8)
	res.BuyHoldFinal = res.BuyHoldFinal.Round(8)
	return res, nil
}

// pct is part/whole in percent, to two decimals.
func pct(part, whole decimal.Decimal) decimal.Decimal {
	q, err := part.Quo(whole)
	if err != nil {
		return decimal.Zero
	}
	q, _ = q.Mul(decimal.Hundred)
	return q.Round(2)
}

// round keeps statistics to a fixed number of decimals, so reports are stable to the byte.
func round(f float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(f*p) / p
}
