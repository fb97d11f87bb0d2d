package backtest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Axis is one swept parameter and the values it takes.
type Axis struct {
	Key    string
	Values []string
}

// maxAxisValues bounds one axis, so a typo in a step cannot ask for millions of runs.
const maxAxisValues = 10000

// ParseAxis reads KEY=FROM..TO:STEP (FROM, FROM+STEP, ... up to TO inclusive) or KEY=A,B,C.
func ParseAxis(s string) (Axis, error) {
	key, spec, ok := strings.Cut(s, "=")
	key, spec = strings.TrimSpace(key), strings.TrimSpace(spec)
	if !ok || key == "" || spec == "" {
		return Axis{}, fmt.Errorf("backtest: sweep %q must be KEY=FROM..TO:STEP or KEY=A,B,C", s)
	}
	a := Axis{Key: key}
	rng, step, isRange := strings.Cut(spec, ":")
	from, to, hasDots := strings.Cut(rng, "..")
	if !isRange || !hasDots {
		for _, v := range strings.Split(spec, ",") {
			if v = strings.TrimSpace(v); v != "" {
				a.Values = append(a.Values, v)
			}
		}
		if len(a.Values) == 0 {
			return Axis{}, fmt.Errorf("backtest: sweep %q has no values", s)
		}
		return a, nil
	}
	lo, err1 := decimal.Parse(strings.TrimSpace(from))
	hi, err2 := decimal.Parse(strings.TrimSpace(to))
	st, err3 := decimal.Parse(strings.TrimSpace(step))
	if err1 != nil || err2 != nil || err3 != nil || !st.IsPos() || hi.Cmp(lo) < 0 {
		return Axis{}, fmt.Errorf("backtest: sweep %q must be KEY=FROM..TO:STEP with FROM <= TO and a STEP above zero", s)
	}
	for v := lo; v.Cmp(hi) <= 0; {
		a.Values = append(a.Values, v.Trim(0).String())
		if len(a.Values) > maxAxisValues {
			return Axis{}, fmt.Errorf("backtest: sweep %q has more than %d values", s, maxAxisValues)
		}
		if v, err1 = v.Add(st); err1 != nil {
			break
		}
	}
	return a, nil
}

// Combinations is the number of runs axes ask for.
func Combinations(axes []Axis) int {
	n := 1
	for _, a := range axes {
		n *= len(a.Values)
	}
	return n
}

// SweepOptions tune a sweep.
type SweepOptions struct {
	Workers  int     // parallel runs (the caller passes runtime.GOMAXPROCS(0))
	Split    float64 // 0 < Split < 1: rank on the first share of the candles, report the rest too
	Rank     string  // a RankMetrics name
	Progress func(done, total int)
}

// RankMetrics are the metrics a sweep ranks by, best first.
func RankMetrics() []string { return []string{"pnl", "sharpe", "sortino", "drawdown", "final"} }

// Row is one combination of a sweep.
type Row struct {
	Index  int // the combination's place in the sweep's order, which breaks ranking ties
	Params map[string]string
	Err    string  // why the combination could not run (invalid parameters)
	In     Result  // over all candles, or the in-sample part with a split (no trade list)
	Out    *Result // the out-of-sample part with a split (no trade list)
}

// Sweep runs base with every combination of axes on Workers goroutines and returns the rows
// ranked by opts.Rank (combinations that could not run last, in order). The ranking is
// deterministic: ties keep the combinations' order.
func Sweep(ctx context.Context, base Config, candles []exchange.Candle, axes []Axis, opts SweepOptions) ([]Row, error) {
	if !slices.Contains(RankMetrics(), opts.Rank) {
		return nil, fmt.Errorf("backtest: rank by %q: use one of %s", opts.Rank, strings.Join(RankMetrics(), ", "))
	}
	if opts.Split < 0 || opts.Split >= 1 {
		return nil, fmt.Errorf("backtest: split %v must be between 0 and 1 (0.7: rank on the first 70 %%)", opts.Split)
	}
	in, out := candles, []exchange.Candle(nil)
	if opts.Split > 0 {
		n := int(float64(len(candles)) * opts.Split)
		in, out = candles[:n], candles[n:]
	}
	total := Combinations(axes)
	rows := make([]Row, total)
	for i := range rows {
		p := maps.Clone(base.Params)
		if p == nil {
			p = map[string]string{}
		}
		rest := i
		for j := len(axes) - 1; j >= 0; j-- {
			p[axes[j].Key] = axes[j].Values[rest%len(axes[j].Values)]
			rest /= len(axes[j].Values)
		}
		rows[i].Index, rows[i].Params = i, p
	}
	workers := max(1, min(opts.Workers, total))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var errOnce sync.Once
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total || ctx.Err() != nil {
					return
				}
				if err := runRow(ctx, base, &rows[i], in, out); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				if opts.Progress != nil {
					opts.Progress(int(done.Add(1)), total)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	RankRows(rows, opts.Rank)
	return rows, nil
}

// RankRows orders a sweep's rows best first by metric (a RankMetrics name; PnL for any other),
// as Sweep does, so a table can be ranked again by another metric without running it again.
// Ties keep the combinations' order whatever order rows are in.
func RankRows(rows []Row, metric string) {
	slices.SortFunc(rows, func(a, b Row) int {
		if c := compareRows(a, b, metric); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
}

// CompareResults orders two results by metric, the better first (negative when a is
// better), as a sweep ranks its rows: for an out-of-sample column ranked the same way.
func CompareResults(a, b Result, metric string) int {
	switch metric {
	case "sharpe":
		return cmp.Compare(b.Sharpe, a.Sharpe)
	case "sortino":
		return cmp.Compare(b.Sortino, a.Sortino)
	case "drawdown":
		return cmp.Compare(a.MaxDrawdownPct, b.MaxDrawdownPct)
	case "final":
		return b.FinalEquity.Cmp(a.FinalEquity)
	default:
		return b.PnL.Cmp(a.PnL)
	}
}

// runRow runs one combination; an invalid combination is recorded, not an error.
func runRow(ctx context.Context, base Config, row *Row, in, out []exchange.Candle) error {
	cfg := base
	cfg.Params = row.Params
	if _, err := cfg.check(); err != nil {
		row.Err = err.Error()
		return nil
	}
	res, err := Run(ctx, cfg, in)
	if err != nil {
		return err
	}
	row.In = summary(res)
	if len(out) > 0 {
		o, err := Run(ctx, cfg, out)
		if err != nil {
			return err
		}
		o = summary(o)
		row.Out = &o
	}
	return nil
}

// summary drops the trade list (a thousand runs' lists would fill memory), keeping its count.
func summary(r Result) Result {
	r.tradeCount = len(r.Trades)
	r.Trades = nil
	return r
}

// TradeCount is the number of trades, also for sweep rows whose trade list was dropped.
func (r Result) TradeCount() int {
	if r.tradeCount > 0 {
		return r.tradeCount
	}
	return len(r.Trades)
}

// compareRows orders rows best first by metric; rows that could not run come last.
func compareRows(a, b Row, metric string) int {
	if (a.Err != "") != (b.Err != "") {
		if a.Err != "" {
			return 1
		}
		return -1
	}
	if a.Err != "" {
		return 0
	}
	return CompareResults(a.In, b.In, metric)
}
