package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Registry reads and writes bots in the store. The engine uses it, and so does the command
// line when no engine runs on the same data: then "start" and "stop" only record the desired
// state, which the next engine honours after it has reconciled its journal.
type Registry struct {
	db  *sql.DB
	j   *journal.Journal
	clk clock.Clock
}

// NewRegistry returns a registry over a store; clk may be nil (the system clock). The journal's
// tables are brought up to date by the first call that needs them.
func NewRegistry(db *sql.DB, clk clock.Clock) *Registry {
	return &Registry{db: db, j: journal.New(db), clk: clock.Or(clk)}
}

// ready brings the journal's tables up to date: a command may be the first to use a new
// database. Once they are, it costs one read.
func (r *Registry) ready(ctx context.Context) error {
	return journal.Migrate(ctx, r.db)
}

// botRow is a bots table row.
type botRow struct {
	cfg       BotConfig
	desired   BotState // BotRunning or BotStopped
	state     BotState
	reason    string
	startedAt time.Time
	updatedAt time.Time
	damaged   error // a stored value does not parse (*journal.BadRowError)
}

func fromJournal(b *journal.Bot) *botRow {
	return &botRow{
		cfg: BotConfig{Name: b.Name, Symbol: b.Symbol, Strategy: b.Strategy, Params: b.Params, Mode: b.Mode,
			KeyLabel: b.KeyLabel, Budget: b.Budget, MaxOrderNotional: b.MaxOrderNotional,
			MaxOpenOrders: b.MaxOpenOrders, DailyLossLimit: b.DailyLossLimit},
		desired: BotState(b.Desired), state: BotState(b.State), reason: b.Reason,
		startedAt: b.StartedAt, updatedAt: b.UpdatedAt, damaged: b.Damaged,
	}
}

func toJournal(cfg BotConfig) *journal.Bot {
	return &journal.Bot{Name: cfg.Name, Symbol: cfg.Symbol, Strategy: cfg.Strategy, Params: cfg.Params, Mode: cfg.Mode,
		KeyLabel: cfg.KeyLabel, Budget: cfg.Budget, MaxOrderNotional: cfg.MaxOrderNotional,
		MaxOpenOrders: cfg.MaxOpenOrders, DailyLossLimit: cfg.DailyLossLimit}
}

// normalize fills defaults and canonical spellings in a user's configuration.
func normalize(cfg BotConfig) BotConfig {
	cfg.Name = strings.TrimSpace(cfg.Name)
	cfg.Symbol = strings.ToUpper(strings.TrimSpace(cfg.Symbol))
	cfg.Strategy = strings.ToLower(strings.TrimSpace(cfg.Strategy))
	if cfg.Mode == "" {
		cfg.Mode = Paper
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if cfg.Mode == Paper {
		cfg.KeyLabel = ""
	}
	return cfg
}

// Add validates cfg against rules and saves it as a stopped bot.
func (r *Registry) Add(ctx context.Context, cfg BotConfig, rules exchange.Rules) error {
	cfg = normalize(cfg)
	if err := ValidateConfig(cfg, rules); err != nil {
		return err
	}
	if err := r.ready(ctx); err != nil {
		return err
	}
	existing, err := r.j.BotExists(ctx, cfg.Name)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	if existing {
		return fmt.Errorf("adding bot %s: %w: pick another name or remove the old bot", cfg.Name, ErrBotExists)
	}
	// A bot's position, profit and strategy state are rebuilt from the journal rows under its
	// name: a new bot must not inherit a removed one's (a grid would sell its coins).
	past, err := r.j.OrderCount(ctx, cfg.Name)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	if past > 0 {
		return fmt.Errorf("adding bot %s: %w: a removed bot of that name left %d orders in the journal; pick another name", cfg.Name, ErrBotExists, past)
	}
	if err := r.j.InsertBot(ctx, toJournal(cfg), r.clk.Now()); err != nil {
		if errors.Is(err, ErrBotExists) {
			return fmt.Errorf("adding bot %s: %w: pick another name or remove the old bot", cfg.Name, ErrBotExists)
		}
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	return nil
}

// Update replaces a stopped bot's configuration (the name stays).
func (r *Registry) Update(ctx context.Context, cfg BotConfig, rules exchange.Rules) error {
	cfg = normalize(cfg)
	if err := ValidateConfig(cfg, rules); err != nil {
		return err
	}
	old, err := r.get(ctx, cfg.Name)
	if err != nil {
		return err
	}
	if old.desired == BotRunning || old.state == BotRunning {
		return fmt.Errorf("updating bot %s: %w: stop it first", cfg.Name, ErrBotRunning)
	}
	if cfg.Symbol != old.cfg.Symbol || cfg.Strategy != old.cfg.Strategy {
		// Its position and profit are rebuilt from its orders: they would be counted in the
		// wrong coin or by the wrong strategy.
		traded, err := r.j.OrderCount(ctx, cfg.Name)
		if err != nil {
			return fmt.Errorf("updating bot %s: %w", cfg.Name, err)
		}
		if traded > 0 {
			return fmt.Errorf("updating bot %s: %w: its symbol and strategy cannot change once it has placed orders; add a new bot instead", cfg.Name, ErrInvalidBot)
		}
	}
	if err := r.j.UpdateBot(ctx, toJournal(cfg), r.clk.Now()); err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	return nil
}

func (r *Registry) get(ctx context.Context, name string) (*botRow, error) {
	if err := r.ready(ctx); err != nil {
		return nil, err
	}
	b, err := r.j.Bot(ctx, name)
	if errors.Is(err, journal.ErrNoBot) {
		return nil, fmt.Errorf("%w: %q (see `quantdeck bots list`)", ErrNoBot, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading bot %s: %w", name, err)
	}
	return fromJournal(b), nil
}

func (r *Registry) all(ctx context.Context) ([]*botRow, error) {
	if err := r.ready(ctx); err != nil {
		return nil, err
	}
	bots, err := r.j.Bots(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading bots: %w", err)
	}
	out := make([]*botRow, len(bots))
	for i, b := range bots {
		out[i] = fromJournal(b)
		if b.Damaged != nil {
			// Kept, in error, so the others run and this one shows why it cannot.
			out[i].state, out[i].reason = BotError, b.Damaged.Error()
		}
	}
	return out, nil
}

// SetDesired records whether a bot should run. Starting is refused while the kill switch is
// engaged.
func (r *Registry) SetDesired(ctx context.Context, name string, running bool) error {
	if _, err := r.get(ctx, name); err != nil {
		return err
	}
	desired := BotStopped
	if running {
		engaged, reason, err := r.j.KillSwitch(ctx)
		if err != nil {
			return err
		}
		if engaged {
			return fmt.Errorf("starting bot %s: %w (%s); release it first", name, ErrKillSwitch, reason)
		}
		desired = BotRunning
	}
	// Starting a paused bot is the user's answer to the pause: the next engine runs it.
	if err := r.j.SetBotDesired(ctx, name, string(desired), r.clk.Now()); err != nil {
		return fmt.Errorf("saving bot %s: %w", name, err)
	}
	return nil
}

// setState records a bot's actual state and the reason for it.
func (r *Registry) setState(ctx context.Context, name string, desired, state BotState, reason string, started time.Time) error {
	if err := r.j.SetBotState(ctx, name, string(desired), string(state), reason, started, r.clk.Now()); err != nil {
		return fmt.Errorf("saving bot %s: %w", name, err)
	}
	return nil
}

// setPaused records a running bot paused by the risk guard. It changes nothing when the bot
// is no longer recorded as running: a stop or the kill switch, saved while the pause waited
// for the bot's order in flight, wins over it.
func (r *Registry) setPaused(ctx context.Context, name, reason string) error {
	if err := r.j.SetBotPaused(ctx, name, reason, r.clk.Now()); err != nil {
		return fmt.Errorf("saving bot %s: %w", name, err)
	}
	return nil
}

// Remove deletes a stopped bot that has no open orders. Its orders, fills and history stay in
// the journal.
func (r *Registry) Remove(ctx context.Context, name string) error {
	b, err := r.get(ctx, name)
	if err != nil {
		return err
	}
	if b.desired == BotRunning || b.state == BotRunning {
		return fmt.Errorf("removing bot %s: %w: stop it first", name, ErrBotRunning)
	}
	open, err := r.j.OpenCount(ctx, name)
	if err != nil {
		return fmt.Errorf("removing bot %s: %w", name, err)
	}
	if open > 0 {
		return fmt.Errorf("removing bot %s: it still has %d open orders; stop it (which cancels them) and try again", name, open)
	}
	if err := r.j.DeleteBot(ctx, name); err != nil {
		return fmt.Errorf("removing bot %s: %w", name, err)
	}
	return nil
}

// List returns every bot with the position and profit recorded in its fills (unrealized
// profit needs a price and is zero here).
func (r *Registry) List(ctx context.Context) ([]BotView, error) {
	rows, err := r.all(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BotView, 0, len(rows))
	for _, b := range rows {
		led, err := loadLedger(ctx, r.j, b.cfg, exchange.Rules{})
		if _, bad := damagedBot(err); err != nil && !bad {
			return nil, err
		}
		if err == nil {
			err = b.damaged
		}
		if err != nil {
			b.state, b.reason = BotError, err.Error()
		}
		v := BotView{Config: b.cfg, State: b.state, Reason: b.reason, StartedAt: b.startedAt,
			Position: led.qty, AvgEntry: led.avgEntry(), RealizedPnL: led.realized, Spent: led.cost,
			Buys: led.buys, Sells: led.sells}
		if b.state != BotRunning && b.desired == BotRunning && v.Reason == "" {
			v.Reason = "starts with the engine"
		}
		if v.OpenOrders, err = r.j.OpenCount(ctx, b.cfg.Name); err != nil {
			return nil, fmt.Errorf("reading bot %s: %w", b.cfg.Name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadLedger replays a bot's fills. The base and quote assets come from rules when known,
// else from the symbol's common quote suffixes.
func loadLedger(ctx context.Context, j *journal.Journal, cfg BotConfig, rules exchange.Rules) (ledger, error) {
	l := ledger{base: rules.Base, quote: rules.Quote}
	if l.base == "" || l.quote == "" {
		l.base, l.quote = splitSymbol(cfg.Symbol)
	}
	fills, err := j.Fills(ctx, cfg.Name, 0, true)
	if err != nil {
		return l, err
	}
	return ledgerOf(cfg, rules, fills)
}

// ledgerOf builds a bot's ledger from its fills, oldest first.
func ledgerOf(cfg BotConfig, rules exchange.Rules, fills []FillView) (ledger, error) {
	l := ledger{base: rules.Base, quote: rules.Quote}
	if l.base == "" || l.quote == "" {
		l.base, l.quote = splitSymbol(cfg.Symbol)
	}
	for _, f := range fills {
		if err := l.apply(f); err != nil {
			return l, fmt.Errorf("bot %s: replaying fill %d: %w", cfg.Name, f.TradeID, err)
		}
	}
	return l, nil
}

// splitSymbol guesses base and quote from a symbol by its quote suffix.
func splitSymbol(sym string) (base, quote string) {
	for _, q := range []string{"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"} {
		if strings.HasSuffix(sym, q) && len(sym) > len(q) {
			return sym[:len(sym)-len(q)], q
		}
	}
	return sym, ""
}

// decOr returns d, or def when d is zero.
func decOr(d, def decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return def
	}
	return d
}
