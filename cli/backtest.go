package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/marketdata"
)

func backtestUsage() string {
	return `Usage: quantdeck backtest --symbol S --strategy ` + strategyChoice("|") + ` --set PARAM=VALUE... --from DAY [--to DAY]
                          [--interval 1m] [--strategy-interval 1h] [--budget 10000] [--fee 0.1]
                          [--slippage-bps 0] [--volume-share 0.1] [--json] [--trades FILE.csv]
                          [--sweep PARAM=FROM..TO:STEP]... [--rank pnl] [--split 0.7] [--top 20]

Replays stored candles (quantdeck data fetch|import) through the strategy QuantDeck runs live
and the paper trading matcher. Each candle is walked open, low, high, close when it rises and
open, high, low, close when it falls; limit orders fill at their price when crossed, market
orders at the strategy's close plus --slippage-bps; --fee is a percent of what a fill receives.
Orders fill whole unless --volume-share caps a candle's limit fills at that share of its volume.
--budget is the starting quote balance. Same input, same output, to the byte.

--sweep (repeatable) runs every combination on all cores and ranks them by --rank
(` + strings.Join(backtest.RankMetrics(), ", ") + `); --split 0.7 ranks on the first 70 % of the period
and reports the remaining 30 % beside it, so an overfitted setting shows.

` + strategyParamsUsage()
}

func cmdBacktest(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stdout, backtestUsage()) }
	var cfg backtest.Config
	params := setFlags{}
	var sweeps sweepFlags
	fs.StringVar(&cfg.Symbol, "symbol", "", "symbol, like BTCUSDT")
	fs.StringVar(&cfg.Strategy, "strategy", "", strategyChoice(" or "))
	fs.Var(params, "set", "strategy parameter PARAM=VALUE (repeatable)")
	fromS := fs.String("from", "", "first day, like 2025-01-01 (UTC)")
	toS := fs.String("to", "", "end (exclusive); the last stored candle when empty")
	ivName := fs.String("interval", "1m", "the stored candles' interval, used for fills")
	stratIv := fs.String("strategy-interval", "", "how often the strategy sees a price (a multiple of --interval); --interval when empty")
	budget := fs.String("budget", "10000", "starting quote balance")
	fee := fs.String("fee", "0.1", "fee in percent of what a fill receives")
	slip := fs.String("slippage-bps", "0", "market order slippage in basis points")
	share := fs.String("volume-share", "0", "partial fills: crossed limit orders fill at most this share of each candle's volume (0.1); 0 fills them whole")
	asJSON := fs.Bool("json", false, "print JSON (with every trade)")
	tradesFile := fs.String("trades", "", "also write every trade to this CSV file")
	fs.Var(&sweeps, "sweep", "sweep PARAM=FROM..TO:STEP or PARAM=A,B,C (repeatable)")
	rank := fs.String("rank", "pnl", "sweep ranking: "+strings.Join(backtest.RankMetrics(), ", "))
	split := fs.Float64("split", 0, "sweep: rank on this share of the period, report the rest (0.7)")
	top := fs.Int("top", 20, "sweep: rows to print")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: backtest: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	if cfg.Symbol == "" || cfg.Strategy == "" || *fromS == "" {
		return fmt.Errorf("%w: backtest needs --symbol, --strategy and --from", ErrUsage)
	}
	cfg.Symbol = strings.ToUpper(strings.TrimSpace(cfg.Symbol))
	cfg.Params = params
	var err error
	if cfg.Interval, err = marketdata.ParseInterval(*ivName); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *stratIv != "" {
		if cfg.StrategyInterval, err = time.ParseDuration(*stratIv); err != nil {
			if cfg.StrategyInterval, err = marketdata.ParseInterval(*stratIv); err != nil {
				return fmt.Errorf("%w: --strategy-interval %q is not an interval like 1h", ErrUsage, *stratIv)
			}
		}
	}
	decs := []struct {
		name string
		in   string
		out  *decimal.Decimal
	}{{"budget", *budget, &cfg.Budget}, {"fee", *fee, &cfg.FeeRate}, {"slippage-bps", *slip, &cfg.SlippageBps}, {"volume-share", *share, &cfg.VolumeShare}}
	for _, d := range decs {
		v, err := decimal.Parse(strings.TrimSpace(d.in))
		if err != nil || v.IsNeg() {
			return fmt.Errorf("%w: --%s %q is not a number like 10 or 0.5", ErrUsage, d.name, d.in)
		}
		*d.out = v
	}
	if cfg.FeeRate, err = cfg.FeeRate.Quo(decimal.Hundred); err != nil {
		return fmt.Errorf("%w: --fee %s", ErrUsage, *fee)
	}
	from, err := parseDay("from", *fromS)
	if err != nil {
		return err
	}
	to, err := parseDay("to", *toS)
	if err != nil {
		return err
	}
	st, err := loadSettings(env)
	if err != nil {
		return err
	}
	if cfg.Rules, err = backtestRules(ctx, env, st, cfg.Symbol); err != nil {
		return err
	}
	cfg.MaxOpenOrders = engine.DefaultLimits().MaxOpenOrders
	hist, err := marketdata.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	candles, err := hist.Load(ctx, cfg.Symbol, cfg.Interval, from, to)
	hist.Close()
	if err != nil {
		return err
	}
	if len(candles) == 0 {
		return fmt.Errorf("backtest: no stored %s %s candles from %s: run `quantdeck data fetch --symbol %s --interval %s --from %s` or `quantdeck data import` first",
			cfg.Symbol, *ivName, *fromS, cfg.Symbol, *ivName, *fromS)
	}
	if len(sweeps) > 0 {
		return runSweep(ctx, env, cfg, candles, sweeps, *rank, *split, *top, *asJSON)
	}
	res, err := backtest.Run(ctx, cfg, candles)
	if err != nil {
		return err
	}
	if *tradesFile != "" {
		if err := writeTradesFile(*tradesFile, res); err != nil {
			return err
		}
	}
	rep := backtest.NewReport(cfg, res, *ivName, *asJSON)
	if *asJSON {
		return rep.WriteJSON(env.Stdout)
	}
	return rep.WriteText(env.Stdout, cfg.Rules.Quote)
}

// backtestRules asks the configured exchange for the symbol's rules; offline, the simulated
// market's rules for it stand in, with a note.
func backtestRules(ctx context.Context, env *Env, st config.Settings, symbol string) (exchange.Rules, error) {
	r, err := exchangeRules(ctx, st, symbol)
	if err == nil {
		return r, nil
	}
	r, simErr := sim.New(sim.Options{Symbols: []string{symbol}}).Rules(ctx, symbol)
	if simErr != nil {
		return r, fmt.Errorf("backtest: %w", err)
	}
	fmt.Fprintf(env.Stderr, "note: using the simulated market's rules for %s (%v)\n", symbol, err)
	return r, nil
}

func writeTradesFile(path string, res backtest.Result) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("backtest: writing trades: %w", err)
	}
	if err := backtest.WriteTradesCSV(f, res); err != nil {
		f.Close()
		return fmt.Errorf("backtest: writing trades to %s: %w", path, err)
	}
	return f.Close()
}

// sweepFlags collects --sweep axes.
type sweepFlags []backtest.Axis

func (s *sweepFlags) String() string { return fmt.Sprint(len(*s), " axes") }

func (s *sweepFlags) Set(v string) error {
	a, err := backtest.ParseAxis(v)
	if err != nil {
		return err
	}
	*s = append(*s, a)
	return nil
}

// sweepRowJSON is one row of `backtest --sweep --json`.
type sweepRowJSON struct {
	Rank   int               `json:"rank"`
	Params map[string]string `json:"params"`
	Error  string            `json:"error,omitempty"`
	In     *backtest.Report  `json:"result,omitempty"`
	Out    *backtest.Report  `json:"out_of_sample,omitempty"`
}

func runSweep(ctx context.Context, env *Env, cfg backtest.Config, candles []exchange.Candle, axes []backtest.Axis, rank string, split float64, top int, asJSON bool) error {
	total := backtest.Combinations(axes)
	bar := newProgress(env, fmt.Sprintf("sweeping %d combinations", total))
	rows, err := backtest.Sweep(ctx, cfg, candles, axes, backtest.SweepOptions{Workers: goruntime.GOMAXPROCS(0), Split: split, Rank: rank,
		Progress: func(done, total int) { bar.set(done, total, fmt.Sprintf("%d/%d", done, total)) }})
	bar.finish()
	if err != nil {
		return err
	}
	iv := marketdata.IntervalName(cfg.Interval)
	if asJSON {
		out := make([]sweepRowJSON, 0, len(rows))
		for i, r := range rows {
			j := sweepRowJSON{Rank: i + 1, Params: r.Params, Error: r.Err}
			if r.Err == "" {
				c := cfg
				c.Params = r.Params
				in := backtest.NewReport(c, r.In, iv, false)
				j.In = &in
				if r.Out != nil {
					o := backtest.NewReport(c, *r.Out, iv, false)
					j.Out = &o
				}
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeSweepTable(env.Stdout, rows, axes, rank, split, top)
}

func writeSweepTable(w io.Writer, rows []backtest.Row, axes []backtest.Axis, rank string, split float64, top int) error {
	fmt.Fprintf(w, "%d combinations ranked by %s", len(rows), rank)
	if split > 0 {
		fmt.Fprintf(w, " on the first %.0f %% of the period; OOS columns are the rest", split*100)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "#\t"
	for _, a := range axes {
		head += a.Key + "\t"
	}
	head += "PnL %\tSharpe\tSortino\tMax DD %\tTrades\t"
	if split > 0 {
		head += "OOS PnL %\tOOS Sharpe\tOOS Max DD %\t"
	}
	fmt.Fprintln(tw, head)
	invalid := 0
	for i, r := range rows {
		if r.Err != "" {
			invalid++
			continue
		}
		if i >= top {
			continue
		}
		line := fmt.Sprintf("%d\t", i+1)
		for _, a := range axes {
			line += r.Params[a.Key] + "\t"
		}
		line += fmt.Sprintf("%s\t%.2f\t%.2f\t%.2f\t%d\t", r.In.PnLPct, r.In.Sharpe, r.In.Sortino, r.In.MaxDrawdownPct, r.In.TradeCount())
		if r.Out != nil {
			line += fmt.Sprintf("%s\t%.2f\t%.2f\t", r.Out.PnLPct, r.Out.Sharpe, r.Out.MaxDrawdownPct)
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if invalid > 0 {
		for _, r := range rows {
			if r.Err != "" {
				fmt.Fprintf(w, "%d combinations could not run, like %v: %s\n", invalid, r.Params, r.Err)
				break
			}
		}
	}
	return nil
}
