package cli

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/mcpserver"
	"github.com/quantdeck/quantdeck/store"
)

const mcpUsage = `Usage: quantdeck mcp [--allow-paper-control]

A Model Context Protocol server on standard input and output, for a local AI client (it opens
no network port). It reads QuantDeck's state: status, bots, orders, fills and candles. The
journal is read read-only from the data directory; the status comes from the running cockpit
or serve when there is one.

  --allow-paper-control   also offer starting and stopping PAPER bots (through the running
                          cockpit or serve) and backtesting them over stored candles. Live
                          bots can never be touched, and no tool places or cancels an order.
`

func cmdMCP(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stdout, mcpUsage) }
	allow := fs.Bool("allow-paper-control", false, "allow starting and stopping paper bots")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: mcp takes no arguments", ErrUsage)
	}
	st, err := loadSettings(env)
	if err != nil {
		return err
	}
	db, err := store.OpenReadOnly(ctx, st.Home)
	if err != nil {
		return err
	}
	defer db.Close()
	state := &storeState{st: st, db: db}
	var control mcpserver.Control
	if *allow {
		control = mcpControl{env: env, st: st}
	}
	srv := mcpserver.New(Version, state, control)
	t := &mcp.IOTransport{Reader: io.NopCloser(env.Stdin), Writer: nopWriteCloser{env.Stdout}}
	err = srv.Run(ctx, t)
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// storeState reads the journal and the bot registry read-only (SQLite allows this beside a
// running engine), the status from the running engine's control socket, and candles from the
// configured exchange's public data.
type storeState struct {
	st config.Settings
	db *sql.DB
}

func (s *storeState) Status(ctx context.Context) (map[string]any, error) {
	c, err := instance.Dial(s.st.Home)
	if err == nil {
		defer c.Close()
		var st map[string]any
		if st, err = c.Status(ctx); err == nil {
			st["engine"] = "running"
			return st, nil
		}
	}
	if !errors.Is(err, instance.ErrNotRunning) {
		return nil, err
	}
	return map[string]any{"engine": "not running", "exchange": s.st.Exchange}, nil
}

func (s *storeState) Bots(ctx context.Context) ([]engine.BotView, error) {
	return engine.NewRegistry(s.db, nil).List(ctx)
}

func (s *storeState) Orders(ctx context.Context, f engine.OrderFilter) ([]engine.OrderView, error) {
	return engine.NewJournalReader(s.db).Orders(ctx, f)
}

func (s *storeState) Fills(ctx context.Context, bot string, limit int) ([]engine.FillView, error) {
	return engine.NewJournalReader(s.db).Fills(ctx, bot, limit)
}

func (s *storeState) Candles(ctx context.Context, symbol string, limit int) ([]exchange.Candle, error) {
	if err := engine.CheckWatched(symbol, s.st.Symbols); err != nil {
		return nil, err
	}
	h, err := publicHistory(s.st)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return h.Candles(cctx, symbol, time.Hour, limit)
}

// mcpControl starts and stops bots in the running engine through its control socket, like
// `quantdeck bots start`, and backtests over stored candles like `quantdeck backtest`.
type mcpControl struct {
	env *Env // its Stderr takes notes; Stdout is the protocol's and never written here
	st  config.Settings
}

func (c mcpControl) StartBot(ctx context.Context, name string) error { return c.do(ctx, name, true) }
func (c mcpControl) StopBot(ctx context.Context, name string) error  { return c.do(ctx, name, false) }

func (c mcpControl) Backtest(ctx context.Context, b engine.BotView, from time.Time, interval string) (any, error) {
	cfg, res, err := backtestBot(ctx, &Env{Stdin: c.env.Stdin, Stdout: io.Discard, Stderr: c.env.Stderr, Source: c.env.Source}, c.st, b, from, interval)
	if err != nil {
		return nil, err
	}
	return backtest.NewReport(cfg, res, interval, false), nil
}

func (c mcpControl) do(ctx context.Context, name string, start bool) error {
	cl, err := instance.Dial(c.st.Home)
	if err != nil {
		return fmt.Errorf("no QuantDeck engine runs on this data directory: start the cockpit or serve first (%w)", err)
	}
	defer cl.Close()
	if start {
		return cl.StartBot(ctx, name)
	}
	return cl.StopBot(ctx, name)
}
