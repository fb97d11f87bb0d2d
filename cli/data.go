package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/marketdata"
)

const dataUsage = `Usage: quantdeck data <command> [flags]

  fetch   --symbol BTCUSDT --interval 1m --from 2025-01-01 [--to 2025-07-01] [--seed N]
          backfill candles from the configured exchange (the simulated market generates
          history; --seed picks which). Resumable: run it again after an interruption.
  import  [--symbol S --interval 1m] FILE...
          Binance public archive kline files (.zip or .csv, like BTCUSDT-1m-2025-01.zip);
          the symbol and interval come from the file name unless given.
  list    [--json]
          what is stored: ranges, candles, gaps, size.

History is kept in candles.db in the data directory, apart from quantdeck.db.
`

func cmdData(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, dataUsage)
		return fmt.Errorf("%w: data needs a command: fetch, import or list", ErrUsage)
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(env.Stdout, dataUsage)
		return nil
	case "fetch":
		return dataFetch(ctx, env, args[1:])
	case "import":
		return dataImport(ctx, env, args[1:])
	case "list":
		return dataList(ctx, env, args[1:])
	}
	fmt.Fprint(env.Stderr, dataUsage)
	return fmt.Errorf("%w: unknown data command %q", ErrUsage, args[0])
}

func dataFlags(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("data "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stdout, dataUsage) }
	return fs
}

// parseDay reads 2025-01-01 or an RFC 3339 time, in UTC.
func parseDay(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: --%s %q is not a date like 2025-01-01 or 2025-01-01T12:00:00Z", ErrUsage, flagName, v)
}

func openHistory(ctx context.Context, env *Env) (*marketdata.Store, config.Settings, error) {
	st, err := loadSettings(env)
	if err != nil {
		return nil, st, err
	}
	s, err := marketdata.Open(ctx, st.Home)
	return s, st, err
}

func dataFetch(ctx context.Context, env *Env, args []string) error {
	fs := dataFlags(env, "fetch")
	symbol := fs.String("symbol", "", "symbol, like BTCUSDT")
	ivName := fs.String("interval", "1m", "candle interval: 1m, 5m, 1h, 1d, ...")
	fromS := fs.String("from", "", "first day, like 2025-01-01 (UTC)")
	toS := fs.String("to", "", "end (exclusive); now when empty")
	seed := fs.Int64("seed", 1, "the simulated market's history seed (sim only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *symbol == "" || *fromS == "" {
		return fmt.Errorf("%w: data fetch needs --symbol and --from", ErrUsage)
	}
	iv, err := marketdata.ParseInterval(*ivName)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	from, err := parseDay("from", *fromS)
	if err != nil {
		return err
	}
	to, err := parseDay("to", *toS)
	if err != nil {
		return err
	}
	s, st, err := openHistory(ctx, env)
	if err != nil {
		return err
	}
	defer s.Close()
	var src marketdata.Pager
	switch st.Exchange {
	case "sim":
		src = sim.New(sim.Options{Symbols: st.Symbols, Seed: *seed})
	default:
		c, err := binance.New(app.PublicBinanceConfig(st))
		if err != nil {
			return err
		}
		src = c
	}
	sym := strings.ToUpper(*symbol)
	bar := newProgress(env, "fetching "+sym+" "+*ivName)
	res, err := s.Fetch(ctx, src, marketdata.FetchOptions{Symbol: sym, Interval: iv, From: from, To: to, Now: time.Now().UTC(),
		Progress: func(reached, end time.Time) {
			total := int(end.Sub(from) / iv)
			bar.set(int(reached.Sub(from)/iv), total, reached.Format("2006-01-02 15:04"))
		}})
	bar.finish()
	if err != nil {
		return fmt.Errorf("data fetch: %w", err)
	}
	fmt.Fprintf(env.Stdout, "Fetched %d new %s %s candles from %s (%s to %s, %d requests).\n", res.Added, sym, *ivName, st.Exchange,
		res.From.Format(time.RFC3339), res.To.Format(time.RFC3339), res.Pages)
	printGaps(env, res.Gaps)
	return nil
}

func printGaps(env *Env, gaps []marketdata.Gap) {
	if len(gaps) == 0 {
		return
	}
	fmt.Fprintf(env.Stdout, "%d gaps:\n", len(gaps))
	for i, g := range gaps {
		if i == 10 {
			fmt.Fprintf(env.Stdout, "  ... and %d more (quantdeck data list)\n", len(gaps)-10)
			break
		}
		fmt.Fprintf(env.Stdout, "  %s to %s: %d missing\n", g.From.Format(time.RFC3339), g.To.Format(time.RFC3339), g.Missing)
	}
}

func dataImport(ctx context.Context, env *Env, args []string) error {
	fs := dataFlags(env, "import")
	symbol := fs.String("symbol", "", "symbol when the file names do not say it")
	ivName := fs.String("interval", "", "interval when the file names do not say it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: data import needs at least one FILE", ErrUsage)
	}
	var opts marketdata.ImportOptions
	opts.Symbol = *symbol
	if *ivName != "" {
		iv, err := marketdata.ParseInterval(*ivName)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		opts.Interval = iv
	}
	s, _, err := openHistory(ctx, env)
	if err != nil {
		return err
	}
	defer s.Close()
	var failed []error
	for _, path := range fs.Args() {
		res, err := s.Import(ctx, path, opts)
		if err != nil {
			fmt.Fprintln(env.Stderr, "quantdeck:", err)
			failed = append(failed, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: %s %s, %d rows, %d new, %d duplicates merged\n", path, res.Symbol,
			marketdata.IntervalName(res.Interval), res.Rows, res.Added, res.Duplicates)
		printGaps(env, res.Gaps)
	}
	if len(failed) > 0 {
		return fmt.Errorf("data import: %d of %d files refused: %w", len(failed), fs.NArg(), errors.Join(failed...))
	}
	return nil
}

// seriesJSON is one stored series in `data list --json`.
type seriesJSON struct {
	Symbol   string           `json:"symbol"`
	Interval string           `json:"interval"`
	First    string           `json:"first"`
	Last     string           `json:"last"`
	Candles  int              `json:"candles"`
	Bytes    int64            `json:"bytes"`
	Gaps     []marketdata.Gap `json:"gaps"`
}

func dataList(ctx context.Context, env *Env, args []string) error {
	fs := dataFlags(env, "list")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, _, err := openHistory(ctx, env)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]seriesJSON, 0, len(list))
		for _, sr := range list {
			gaps := sr.Gaps
			if gaps == nil {
				gaps = []marketdata.Gap{}
			}
			out = append(out, seriesJSON{Symbol: sr.Symbol, Interval: marketdata.IntervalName(sr.Interval), First: sr.First.Format(time.RFC3339),
				Last: sr.Last.Format(time.RFC3339), Candles: sr.Candles, Bytes: sr.Bytes, Gaps: gaps})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No candles stored. Fetch some with `quantdeck data fetch` or `quantdeck data import`.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SYMBOL\tINTERVAL\tFIRST\tLAST\tCANDLES\tGAPS\tMISSING\tSIZE")
	for _, sr := range list {
		missing := 0
		for _, g := range sr.Gaps {
			missing += g.Missing
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%.1f MB\n", sr.Symbol, marketdata.IntervalName(sr.Interval), sr.First.Format("2006-01-02 15:04"),
			sr.Last.Format("2006-01-02 15:04"), sr.Candles, len(sr.Gaps), missing, float64(sr.Bytes)/1e6)
	}
	return tw.Flush()
}
