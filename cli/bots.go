package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// botsUsage is the bots command's usage, its strategy parts built from the strategy specs.
func botsUsage() string {
	return `Usage: quantdeck bots <command> [flags]

  add     --name NAME --symbol BTCUSDT --strategy ` + strategyChoice("|") + ` [--set PARAM=VALUE]...
          [--budget 500] [--max-order-value Q] [--max-open-orders N] [--daily-loss-limit Q]
          [--live --key LABEL]
  list    [--json]
  start   [--json] NAME
  stop    [--json] NAME
  remove  NAME

` + strategyParamsUsage() + `
A bot that loses its --daily-loss-limit in a UTC day (realized, plus the move of the position it
holds since the day began) pauses and cancels its orders; it starts again at 00:00 UTC.
Started by hand the same day, it pauses again unless its limit was raised.
Bots trade on paper unless --live is given with the label of a stored, permission-checked key.
When QuantDeck already runs on this data (the cockpit or serve), add, start, stop and remove go
to it; otherwise they record what the next start of the engine does.
`
}

// botTool runs the bots commands; tests replace its hooks.
type botTool struct {
	env *Env
	// rulesFor returns a symbol's trading rules from the configured exchange.
	rulesFor func(ctx context.Context, st config.Settings, symbol string) (exchange.Rules, error)
	// lock takes the data directory; it fails with instance.ErrRunning when an engine runs.
	lock func(home string) (io.Closer, error)
	// viaEngine starts or stops a bot in the engine that holds the data directory.
	viaEngine func(ctx context.Context, home, name string, start bool) error
	// addViaEngine adds a bot to the engine that holds the data directory.
	addViaEngine func(ctx context.Context, home string, cfg engine.BotConfig) error
	// removeViaEngine removes a bot from the engine that holds the data directory.
	removeViaEngine func(ctx context.Context, home, name string) error
}

func cmdBots(ctx context.Context, env *Env, args []string) error {
	return (&botTool{
		env:             env,
		rulesFor:        exchangeRules,
		lock:            func(home string) (io.Closer, error) { return instance.Acquire(home) },
		viaEngine:       startStopViaRunningEngine,
		addViaEngine:    addViaRunningEngine,
		removeViaEngine: removeViaRunningEngine,
	}).run(ctx, args)
}

func (bt *botTool) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(bt.env.Stderr, botsUsage())
		return fmt.Errorf("%w: bots needs a command: add, list, start, stop or remove", ErrUsage)
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(bt.env.Stdout, botsUsage())
		return nil
	case "add":
		return bt.add(ctx, args[1:])
	case "list":
		return bt.list(ctx, args[1:])
	case "start", "stop":
		return bt.startStop(ctx, args[0], args[1:])
	case "remove":
		return bt.remove(ctx, args[1:])
	}
	fmt.Fprint(bt.env.Stderr, botsUsage())
	return fmt.Errorf("%w: unknown bots command %q", ErrUsage, args[0])
}

func (bt *botTool) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("bots "+name, flag.ContinueOnError)
	fs.SetOutput(bt.env.Stderr)
	fs.Usage = func() { fmt.Fprint(bt.env.Stdout, usage) }
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s: %v", ErrUsage, fs.Name(), err)
	}
	return nil
}

// setFlags collects repeated --set PARAM=VALUE.
type setFlags map[string]string

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("--set %q: want PARAM=VALUE", v)
	}
	if _, dup := s[k]; dup {
		return fmt.Errorf("--set %s given twice", k)
	}
	s[k] = strings.TrimSpace(val)
	return nil
}

// decFlag is an optional decimal flag.
type decFlag struct{ d decimal.Decimal }

func (f *decFlag) String() string { return f.d.String() }

func (f *decFlag) Set(v string) error {
	d, err := decimal.Parse(strings.TrimSpace(v))
	if err != nil || d.IsNeg() {
		return fmt.Errorf("%q is not an amount like 500 or 12.5", v)
	}
	f.d = d
	return nil
}

func (bt *botTool) add(ctx context.Context, args []string) error {
	fs := bt.flags("add", botsUsage())
	var cfg engine.BotConfig
	params := setFlags{}
	var budget, maxOrder, dayLoss decFlag
	var live bool
	fs.StringVar(&cfg.Name, "name", "", "bot name (letters, digits, - and _)")
	fs.StringVar(&cfg.Symbol, "symbol", "", "symbol, like BTCUSDT")
	fs.StringVar(&cfg.Strategy, "strategy", "", strategyChoice(" or "))
	fs.Var(params, "set", "strategy parameter PARAM=VALUE (repeatable)")
	fs.Var(&budget, "budget", "most quote currency the bot may commit")
	fs.Var(&maxOrder, "max-order-value", "largest order value in quote currency")
	fs.IntVar(&cfg.MaxOpenOrders, "max-open-orders", 0, "most open orders at once")
	fs.Var(&dayLoss, "daily-loss-limit", "pause the bot after losing this much in a UTC day (fills and the open position's move); it resumes at 00:00 UTC")
	fs.BoolVar(&live, "live", false, "trade real money with --key")
	fs.StringVar(&cfg.KeyLabel, "key", "", "vault key label (live only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: bots add: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	if cfg.Name == "" || cfg.Symbol == "" || cfg.Strategy == "" {
		return fmt.Errorf("%w: bots add needs --name, --symbol and --strategy", ErrUsage)
	}
	if cfg.KeyLabel != "" && !live {
		return fmt.Errorf("%w: --key is for live bots: add --live to trade real money with it", ErrUsage)
	}
	cfg.Mode = engine.Paper
	if live {
		cfg.Mode = engine.Live
	}
	cfg.Symbol = strings.ToUpper(strings.TrimSpace(cfg.Symbol))
	cfg.Params = params
	cfg.Budget, cfg.MaxOrderNotional, cfg.DailyLossLimit = budget.d, maxOrder.d, dayLoss.d

	st, err := loadSettings(bt.env)
	if err != nil {
		return err
	}
	l, err := bt.lock(st.Home)
	if errors.Is(err, instance.ErrRunning) {
		// The running engine is the one writer of its bots: it checks the bot against its own
		// watchlist, rules and keys, and shows it at once.
		if err := bt.addViaEngine(ctx, st.Home, cfg); err != nil {
			return fmt.Errorf("bots add: %w", err)
		}
	} else {
		if err != nil {
			return err
		}
		defer l.Close()
		if err := bt.addToStore(ctx, st, cfg); err != nil {
			return fmt.Errorf("bots add: %w", err)
		}
	}
	mode := "paper"
	if live {
		mode = "LIVE (real money, key " + cfg.KeyLabel + ")"
	}
	fmt.Fprintf(bt.env.Stdout, "Added bot %s: %s on %s, %s. Start it with `quantdeck bots start %s`.\n", cfg.Name, cfg.Strategy, cfg.Symbol, mode, cfg.Name)
	return nil
}

// addToStore checks a bot against this command's settings and the exchange's rules and saves
// it stopped; the caller holds the data directory, so no engine runs on it.
func (bt *botTool) addToStore(ctx context.Context, st config.Settings, cfg engine.BotConfig) error {
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	// The watchlist as the cockpit last left it, not only QUANTDECK_SYMBOLS: the engine that
	// starts next checks the bot against that.
	watched, err := engine.SavedWatchlist(ctx, db, st.Symbols)
	if err != nil {
		return err
	}
	if err := engine.CheckWatched(cfg.Symbol, watched); err != nil {
		return err
	}
	rules, err := bt.rulesFor(ctx, st, cfg.Symbol)
	if err != nil {
		return err
	}
	if err := engine.ValidateConfig(cfg, rules); err != nil {
		return err
	}
	if cfg.Mode == engine.Live {
		if err := app.LiveKeyOK(ctx, vault.New(db), st.Exchange, cfg.KeyLabel); err != nil {
			return err
		}
	}
	return engine.NewRegistry(db, nil).Add(ctx, cfg, rules)
}

// exchangeRules reads a symbol's rules from the configured market.
func exchangeRules(ctx context.Context, st config.Settings, symbol string) (exchange.Rules, error) {
	m, err := app.NewMarket(st, app.PublicBinanceConfig(st))
	if err != nil {
		return exchange.Rules{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	r, err := m.Rules(cctx, symbol)
	if err != nil {
		return r, fmt.Errorf("reading %s's trading rules from %s: %w", symbol, st.Exchange, err)
	}
	return r, nil
}

func (bt *botTool) oneName(cmd string, args []string) (string, error) {
	fs := bt.flags(cmd, botsUsage())
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: bots %s takes one bot name", ErrUsage, cmd)
	}
	return fs.Arg(0), nil
}

// startStopJSON is the answer of `bots start|stop --json`.
type startStopJSON struct {
	Name string `json:"name"`
	// Desired is what the bot was asked to be: "running" or "stopped".
	Desired string `json:"desired"`
	// AppliedBy is "engine" when the running QuantDeck did it now, "next_start" when it was
	// recorded for the next start of the engine.
	AppliedBy string `json:"applied_by"`
}

func (bt *botTool) startStop(ctx context.Context, cmd string, args []string) error {
	fs := bt.flags(cmd, botsUsage())
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: bots %s takes one bot name", ErrUsage, cmd)
	}
	name := fs.Arg(0)
	st, err := loadSettings(bt.env)
	if err != nil {
		return err
	}
	start := cmd == "start"
	res := startStopJSON{Name: name, Desired: string(engine.BotStopped)}
	if start {
		res.Desired = string(engine.BotRunning)
	}
	l, err := bt.lock(st.Home)
	if errors.Is(err, instance.ErrRunning) {
		// An engine runs on this data: it must do this itself, never behind its back.
		if err := bt.viaEngine(ctx, st.Home, name, start); err != nil {
			return fmt.Errorf("bots %s: %w", cmd, err)
		}
		res.AppliedBy = "engine"
		if *asJSON {
			return writeIndentedJSON(bt.env.Stdout, res)
		}
		done := "stopped"
		if start {
			done = "started"
		}
		fmt.Fprintf(bt.env.Stdout, "Bot %s %s by the running QuantDeck.\n", name, done)
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Close()
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := engine.NewRegistry(db, nil).SetDesired(ctx, name, start); err != nil {
		return fmt.Errorf("bots %s: %w", cmd, err)
	}
	res.AppliedBy = "next_start"
	switch {
	case *asJSON:
		return writeIndentedJSON(bt.env.Stdout, res)
	case start:
		fmt.Fprintf(bt.env.Stdout, "Bot %s will run: it starts when QuantDeck next runs (the cockpit or `quantdeck serve`).\n", name)
	default:
		fmt.Fprintf(bt.env.Stdout, "Bot %s is stopped; any open orders it has are cancelled when QuantDeck next runs.\n", name)
	}
	return nil
}

// writeIndentedJSON prints v as indented JSON.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (bt *botTool) remove(ctx context.Context, args []string) error {
	name, err := bt.oneName("remove", args)
	if err != nil {
		return err
	}
	st, err := loadSettings(bt.env)
	if err != nil {
		return err
	}
	l, err := bt.lock(st.Home)
	if errors.Is(err, instance.ErrRunning) {
		if err := bt.removeViaEngine(ctx, st.Home, name); err != nil {
			return fmt.Errorf("bots remove: %w", err)
		}
		fmt.Fprintf(bt.env.Stdout, "Removed bot %s from the running QuantDeck; its orders and fills stay in the journal.\n", name)
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Close()
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := engine.NewRegistry(db, nil).Remove(ctx, name); err != nil {
		return fmt.Errorf("bots remove: %w", err)
	}
	fmt.Fprintf(bt.env.Stdout, "Removed bot %s; its orders and fills stay in the journal.\n", name)
	return nil
}

// botJSON is one bot in `bots list --json`: amounts are decimal strings, never floats.
type botJSON struct {
	Name           string            `json:"name"`
	Symbol         string            `json:"symbol"`
	Strategy       string            `json:"strategy"`
	Params         map[string]string `json:"params"`
	Mode           string            `json:"mode"`
	Key            string            `json:"key,omitempty"`
	Budget         string            `json:"budget"`
	MaxOrderValue  string            `json:"max_order_value"`
	MaxOpenOrders  int               `json:"max_open_orders"`
	DailyLossLimit string            `json:"daily_loss_limit"`
	State          string            `json:"state"`
	Reason         string            `json:"reason,omitempty"`
	Position       string            `json:"position"`
	AvgEntry       string            `json:"avg_entry"`
	RealizedPnL    string            `json:"realized_pnl"`
	Spent          string            `json:"spent"`
	OpenOrders     int               `json:"open_orders"`
	Buys           int               `json:"buys"`
	Sells          int               `json:"sells"`
}

func (bt *botTool) list(ctx context.Context, args []string) error {
	fs := bt.flags("list", botsUsage())
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: bots list takes no arguments", ErrUsage)
	}
	st, err := loadSettings(bt.env)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	bots, err := engine.NewRegistry(db, nil).List(ctx)
	if err != nil {
		return err
	}
	// The store says what the last engine did; with no engine running nothing runs now.
	if l, err := bt.lock(st.Home); err == nil {
		l.Close()
		for i := range bots {
			if bots[i].State == engine.BotRunning {
				bots[i].State, bots[i].Reason = engine.BotStopped, "starts with the engine"
			}
		}
	}
	if *asJSON {
		out := make([]botJSON, 0, len(bots))
		for _, b := range bots {
			c := b.Config
			out = append(out, botJSON{Name: c.Name, Symbol: c.Symbol, Strategy: c.Strategy, Params: c.Params, Mode: string(c.Mode),
				Key: c.KeyLabel, Budget: c.Budget.String(), MaxOrderValue: c.MaxOrderNotional.String(), MaxOpenOrders: c.MaxOpenOrders,
				DailyLossLimit: c.DailyLossLimit.String(), State: string(b.State), Reason: b.Reason, Position: b.Position.String(),
				AvgEntry: b.AvgEntry.String(), RealizedPnL: b.RealizedPnL.String(), Spent: b.Spent.String(),
				OpenOrders: b.OpenOrders, Buys: b.Buys, Sells: b.Sells})
		}
		return writeIndentedJSON(bt.env.Stdout, out)
	}
	if len(bots) == 0 {
		fmt.Fprintln(bt.env.Stdout, "No bots yet. Add one with `quantdeck bots add` (see `quantdeck bots -h`).")
		return nil
	}
	tw := tabwriter.NewWriter(bt.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSYMBOL\tSTRATEGY\tMODE\tSTATE\tPOSITION\tAVG ENTRY\tREALIZED\tSPENT/BUDGET\tOPEN\tNOTE")
	for _, b := range bots {
		c := b.Config
		budget := "-"
		if c.Budget.IsPos() {
			budget = c.Budget.String()
		}
		mode := string(c.Mode)
		if c.Mode == engine.Live {
			mode = "LIVE:" + c.KeyLabel
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%d\t%s\n", c.Name, c.Symbol, c.Strategy, mode, b.State,
			b.Position, b.AvgEntry.Round(2), signed(b.RealizedPnL.Round(2)), b.Spent.Round(2), budget, b.OpenOrders, b.Reason)
	}
	return tw.Flush()
}

// signed writes a sign on every non-zero amount, so gains and losses read without colour.
func signed(d decimal.Decimal) string {
	if d.IsPos() {
		return "+" + d.String()
	}
	return d.String()
}
