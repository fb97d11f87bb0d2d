package cli

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

const aiUsage = `Usage: quantdeck ai <command> [flags]

Optional analysis by Claude. It is off unless QUANTDECK_AI=claude; the Anthropic API key is
stored in the vault (quantdeck keys add --exchange anthropic --label claude).

  explain BOT          what the bot did over its trades, and why
  review BOT           does its configuration fit the recent market; suggestions
  ask "QUESTION"       [--bot NAME] [--symbol SYMBOL] a question with that context
  backtest BOT --from DAY [--interval 1h]
                       replay the bot over stored candles (quantdeck data fetch), then a
                       summary of the result and its risks
  usage                tokens used today and the daily budget

Flags of explain, review, ask and backtest:
  --show-request       print the exact request and send nothing (works with AI off)
  --balances           include account balances in this one request (never by default)

What is sent: candles and statistics derived from them, the bot's parameters, state, trades
and PnL, and your question. Never keys, secrets, the passphrase, the API token, file paths or
(unless --balances) balances. The answer streams to standard output; Ctrl-C stops it.
`

// aiTool runs the ai commands; tests replace its hooks.
type aiTool struct {
	env *Env
	// history returns where candles come from (the configured exchange's public data).
	history func(st config.Settings) (exchange.History, error)
	// httpClient and clock, when set, replace the ai client's own (tests).
	httpClient *http.Client
	clock      clock.Clock
}

func cmdAI(ctx context.Context, env *Env, args []string) error {
	return (&aiTool{env: env, history: publicHistory}).run(ctx, args)
}

func publicHistory(st config.Settings) (exchange.History, error) {
	return app.NewMarket(st, app.PublicBinanceConfig(st))
}

type aiArgs struct {
	kind         ai.Kind
	subject      string // the bot (explain, review) or the question (ask)
	bot, symbol  string
	showRequest  bool
	withBalances bool
	from         string // backtest: first day
	interval     string // backtest: the stored candles' interval
}

func (t *aiTool) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(t.env.Stderr, aiUsage)
		return fmt.Errorf("%w: ai needs a command: explain, review, ask, backtest or usage", ErrUsage)
	}
	if isHelp(args[0]) {
		fmt.Fprint(t.env.Stdout, aiUsage)
		return nil
	}
	if args[0] == "usage" {
		return t.usage(ctx)
	}
	a, err := t.parse(args)
	if err != nil {
		return err
	}
	st, err := loadSettings(t.env)
	if err != nil {
		return err
	}
	// With the enrichment off nothing is opened or asked: the only path left is printing a
	// request, which sends nothing.
	if !st.AI.Enabled && !a.showRequest {
		return ai.ErrDisabled
	}
	data, err := app.OpenData(ctx, st)
	if err != nil {
		return err
	}
	defer data.Close() // seals and zeroes the vault key, closes the store and the log
	db := data.DB
	in, err := t.gather(ctx, st, db, a)
	if err != nil {
		return err
	}
	model := st.AI.Model
	if model == "" {
		model = ai.DefaultModel
	}
	req, err := ai.Build(a.kind, model, in)
	if err != nil {
		return err
	}
	if a.showRequest {
		return writeRequest(t.env.Stdout, st.AI.BaseURL, req)
	}
	v := data.Vault
	label, err := aiKeyLabel(ctx, v, st.AI.KeyLabel)
	if err != nil {
		return err
	}
	holdPassphrases(t.env.Source)
	if err := unlockVault(ctx, t.env, v, openConsole(t.env, openControllingTTY)); err != nil {
		return err
	}
	client, err := ai.New(ai.Config{Enabled: true, Model: model, BaseURL: st.AI.BaseURL, DailyTokens: st.AI.DailyTokens,
		HTTPClient: t.httpClient, Clock: t.clock}, v.ServiceKey(label), ai.NewLedger(db, nil))
	if err != nil {
		return err
	}
	ans, err := client.Stream(ctx, req, func(d string) { fmt.Fprint(t.env.Stdout, d) })
	if ans.Text != "" {
		fmt.Fprintln(t.env.Stdout)
	}
	if ans.Usage.Total() > 0 || err == nil {
		fmt.Fprintf(t.env.Stderr, "[%s: %d tokens in, %d out; today %d of %d]\n", ans.Model, ans.Usage.Input, ans.Usage.Output,
			ans.Today.Total(), client.DailyTokens())
	}
	if err != nil {
		return err
	}
	if a.kind == ai.Review && in.Bot != nil {
		if s, ok := ai.ParseSuggestion(in.Bot.Strategy, ans.Text); ok {
			fmt.Fprintf(t.env.Stderr, "Nothing was changed. To apply the suggestion, review it in the cockpit's bot form or run:\n  quantdeck bots add ... %s\n", suggestedSets(s.Params))
		}
	}
	return nil
}

func suggestedSets(p map[string]string) string {
	var parts []string
	for k, v := range p {
		parts = append(parts, "--set "+k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// parse reads "explain BOT", "review BOT" or "ask QUESTION" with flags before or after the
// positional argument.
func (t *aiTool) parse(args []string) (aiArgs, error) {
	a := aiArgs{kind: ai.Kind(args[0])}
	switch a.kind {
	case ai.Explain, ai.Review, ai.Ask, ai.Backtest:
	default:
		fmt.Fprint(t.env.Stderr, aiUsage)
		return a, fmt.Errorf("%w: unknown ai command %q", ErrUsage, args[0])
	}
	fs := flag.NewFlagSet("ai "+args[0], flag.ContinueOnError)
	fs.SetOutput(t.env.Stderr)
	fs.Usage = func() { fmt.Fprint(t.env.Stdout, aiUsage) }
	fs.BoolVar(&a.showRequest, "show-request", false, "print the exact request and send nothing")
	fs.BoolVar(&a.withBalances, "balances", false, "include account balances in this request")
	if a.kind == ai.Backtest {
		fs.StringVar(&a.from, "from", "", "first day of the replay, like 2026-11-01 (UTC)")
		fs.StringVar(&a.interval, "interval", "1h", "the stored candles' interval")
	}
	if a.kind == ai.Ask {
		fs.StringVar(&a.bot, "bot", "", "attach this bot's context")
		fs.StringVar(&a.symbol, "symbol", "", "attach this symbol's recent market")
	}
	rest := args[1:]
	var positional []string
	for len(rest) > 0 {
		if err := parse(fs, rest); err != nil {
			return a, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		what := "one bot name"
		if a.kind == ai.Ask {
			what = "one question (in quotes)"
		}
		return a, fmt.Errorf("%w: ai %s takes %s", ErrUsage, a.kind, what)
	}
	a.subject = positional[0]
	if a.kind != ai.Ask {
		a.bot = a.subject
	}
	if a.kind == ai.Backtest && a.from == "" {
		return a, fmt.Errorf("%w: ai backtest needs --from DAY", ErrUsage)
	}
	a.symbol = strings.ToUpper(a.symbol)
	return a, nil
}

// gather copies what the request may carry from the store and the exchange's public data.
func (t *aiTool) gather(ctx context.Context, st config.Settings, db *sql.DB, a aiArgs) (ai.Input, error) {
	in := ai.Input{IncludeBalances: a.withBalances}
	if a.kind == ai.Ask {
		in.Question = a.subject
	}
	symbol := a.symbol
	if a.bot != "" {
		bots, err := engine.NewRegistry(db, nil).List(ctx)
		if err != nil {
			return in, err
		}
		var found *engine.BotView
		for i := range bots {
			if bots[i].Config.Name == a.bot {
				found = &bots[i]
			}
		}
		if found == nil {
			return in, fmt.Errorf("ai: no bot named %q (see `quantdeck bots list`)", a.bot)
		}
		if a.kind == ai.Backtest {
			from, err := parseDay("from", a.from)
			if err != nil {
				return in, err
			}
			cfg, res, err := backtestBot(ctx, t.env, st, *found, from, a.interval)
			if err != nil {
				return in, fmt.Errorf("ai backtest: %w", err)
			}
			in.Backtest = ai.FromBacktest(cfg, res, 1)
			return in, nil
		}
		in.Bot = ai.FromBotView(*found)
		fills, err := engine.NewJournalReader(db).Fills(ctx, a.bot, ai.MaxTrades)
		if err != nil {
			return in, err
		}
		in.Trades = ai.FromFills(fills)
		if symbol == "" {
			symbol = found.Config.Symbol
		}
	}
	if symbol != "" {
		h, err := t.history(st)
		if err != nil {
			return in, err
		}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		cs, err := h.Candles(cctx, symbol, time.Hour, ai.MaxCandles)
		if err != nil {
			return in, fmt.Errorf("ai: reading %s's candles from %s: %w", symbol, st.Exchange, err)
		}
		in.Market = &ai.Market{Symbol: symbol, Interval: "1h", Candles: ai.FromCandles(cs)}
	}
	if a.withBalances {
		fmt.Fprintln(t.env.Stderr, "note: balances are read by the running engine only; none are attached from the command line.")
	}
	return in, nil
}

// aiKeyLabel is the label of the Anthropic key: the one set, or the only one stored.
func aiKeyLabel(ctx context.Context, v *vault.Vault, want string) (string, error) {
	return app.AIKeyLabel(ctx, v, want)
}

// writeRequest prints the request exactly as it would be sent: endpoint, headers (the key only
// named) and body.
func writeRequest(w io.Writer, baseURL string, req ai.Request) error {
	body, err := req.Body()
	if err != nil {
		return err
	}
	if baseURL == "" {
		baseURL = ai.DefaultBaseURL
	}
	fmt.Fprintf(w, "POST %s\n", ai.EndpointFor(baseURL))
	fmt.Fprintln(w, "x-api-key: (the Anthropic key from the vault; never shown)")
	fmt.Fprintln(w, "content-type: application/json")
	fmt.Fprintln(w)
	_, err = fmt.Fprintf(w, "%s\n", body)
	return err
}

// usage prints today's tokens and the budget. It reads the store only.
func (t *aiTool) usage(ctx context.Context) error {
	st, err := loadSettings(t.env)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := ai.NewLedger(db, nil).Today(ctx)
	if err != nil {
		return err
	}
	budget := st.AI.DailyTokens
	if budget == 0 {
		budget = ai.DefaultDailyTokens
	}
	state := "off (QUANTDECK_AI=claude turns it on)"
	if st.AI.Enabled {
		state = "on"
	}
	fmt.Fprintf(t.env.Stdout, "AI enrichment: %s\nToday (UTC): %d tokens in, %d out; %d of %d used\n", state, u.Input, u.Output, u.Total(), budget)
	return nil
}
