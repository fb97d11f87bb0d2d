package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Registry reads and writes bots in the store. The engine uses it, and so does the command
// line when no engine runs on the same data: then "start" and "stop" only record the desired
// state, which the next engine honours after it has reconciled its journal.
type Registry struct {
	db  *sql.DB
	now func() time.Time
}

// NewRegistry returns a registry over a migrated store; now may be nil (time.Now).
func NewRegistry(db *sql.DB, now func() time.Time) *Registry {
	if now == nil {
		now = time.Now
	}
	return &Registry{db: db, now: now}
}

// botRow is a bots table row.
type botRow struct {
	cfg       BotConfig
	desired   BotState // BotRunning or BotStopped
	state     BotState
	reason    string
	startedAt time.Time
	updatedAt time.Time
	damaged   error // a stored value does not parse (*badRowError)
}

const botCols = `name, symbol, strategy, params, mode, key_label, budget, max_order_notional, max_open_orders,
	daily_loss_limit, desired, state, reason, started_at, updated_at`

func scanBot(s scanner) (*botRow, error) {
	var b botRow
	var params, mode, budget, maxNotional, dayLoss, desired, state string
	var started sql.NullString
	var updated string
	if err := s.Scan(&b.cfg.Name, &b.cfg.Symbol, &b.cfg.Strategy, &params, &mode, &b.cfg.KeyLabel, &budget,
		&maxNotional, &b.cfg.MaxOpenOrders, &dayLoss, &desired, &state, &b.reason, &started, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(params), &b.cfg.Params); err != nil {
		return nil, fmt.Errorf("bot %s has unreadable parameters: %w", b.cfg.Name, err)
	}
	b.cfg.Mode = Mode(mode)
	p := rowParser{table: "bots", key: b.cfg.Name, bot: b.cfg.Name}
	b.cfg.Budget, b.cfg.MaxOrderNotional = p.dec("budget", budget), p.dec("max_order_notional", maxNotional)
	b.cfg.DailyLossLimit = p.dec("daily_loss_limit", dayLoss)
	b.desired, b.state = BotState(desired), BotState(state)
	if started.Valid {
		b.startedAt = p.time("started_at", started.String)
	}
	b.updatedAt = p.time("updated_at", updated)
	return &b, p.result()
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
	var existing int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM bots WHERE name = ?`, cfg.Name).Scan(&existing); err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	if existing > 0 {
		return fmt.Errorf("adding bot %s: %w: pick another name or remove the old bot", cfg.Name, ErrBotExists)
	}
	// A bot's position, profit and strategy state are rebuilt from the journal rows under its
	// name: a new bot must not inherit a removed one's (a grid would sell its coins).
	var past int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE bot = ?`, cfg.Name).Scan(&past); err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	if past > 0 {
		return fmt.Errorf("adding bot %s: %w: a removed bot of that name left %d orders in the journal; pick another name", cfg.Name, ErrBotExists, past)
	}
	params, err := json.Marshal(cfg.Params)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	now := fmtTime(r.now())
	_, err = r.db.ExecContext(ctx, `INSERT INTO bots(name, symbol, strategy, params, mode, key_label, budget,
		max_order_notional, max_open_orders, daily_loss_limit, desired, state, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?, 'stopped', 'stopped', ?, ?)`,
		cfg.Name, cfg.Symbol, cfg.Strategy, string(params), string(cfg.Mode), cfg.KeyLabel, cfg.Budget.String(),
		cfg.MaxOrderNotional.String(), cfg.MaxOpenOrders, cfg.DailyLossLimit.String(), now, now)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
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
		var traded int
		if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE bot = ?`, cfg.Name).Scan(&traded); err != nil {
			return fmt.Errorf("updating bot %s: %w", cfg.Name, err)
		}
		if traded > 0 {
			return fmt.Errorf("updating bot %s: %w: its symbol and strategy cannot change once it has placed orders; add a new bot instead", cfg.Name, ErrInvalidBot)
		}
	}
	params, err := json.Marshal(cfg.Params)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	_, err = r.db.ExecContext(ctx, `UPDATE bots SET symbol = ?, strategy = ?, params = ?, mode = ?, key_label = ?,
		budget = ?, max_order_notional = ?, max_open_orders = ?, daily_loss_limit = ?, updated_at = ? WHERE name = ?`,
		cfg.Symbol, cfg.Strategy, string(params), string(cfg.Mode), cfg.KeyLabel, cfg.Budget.String(),
		cfg.MaxOrderNotional.String(), cfg.MaxOpenOrders, cfg.DailyLossLimit.String(), fmtTime(r.now()), cfg.Name)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", cfg.Name, err)
	}
	return nil
}

func (r *Registry) get(ctx context.Context, name string) (*botRow, error) {
	b, err := scanBot(r.db.QueryRowContext(ctx, `SELECT `+botCols+` FROM bots WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q (see `quantdeck bots list`)", ErrNoBot, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading bot %s: %w", name, err)
	}
	return b, nil
}

func (r *Registry) all(ctx context.Context) ([]*botRow, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+botCols+` FROM bots ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("reading bots: %w", err)
	}
	defer rows.Close()
	var out []*botRow
	for rows.Next() {
		b, err := scanBot(rows)
		if _, bad := damagedBot(err); bad {
			// Kept, in error, so the others run and this one shows why it cannot.
			b.damaged, b.state, b.reason = err, BotError, err.Error()
			out = append(out, b)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading bots: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetDesired records whether a bot should run. Starting is refused while the kill switch is
// engaged.
func (r *Registry) SetDesired(ctx context.Context, name string, running bool) error {
	if _, err := r.get(ctx, name); err != nil {
		return err
	}
	desired := BotStopped
	if running {
		j := &journal{db: r.db}
		engaged, reason, err := j.killSwitch(ctx)
		if err != nil {
			return err
		}
		if engaged {
			return fmt.Errorf("starting bot %s: %w (%s); release it first", name, ErrKillSwitch, reason)
		}
		desired = BotRunning
	}
	// Starting a paused bot is the user's answer to the pause: the next engine runs it.
	_, err := r.db.ExecContext(ctx, `UPDATE bots SET desired = ?1,
		state = CASE WHEN ?1 = 'running' AND state = 'paused' THEN 'stopped' ELSE state END,
		reason = CASE WHEN ?1 = 'running' AND state = 'paused' THEN '' ELSE reason END,
		updated_at = ?2 WHERE name = ?3`, string(desired), fmtTime(r.now()), name)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", name, err)
	}
	return nil
}

// setState records a bot's actual state and the reason for it.
func (r *Registry) setState(ctx context.Context, name string, desired, state BotState, reason string, started time.Time) error {
	_, err := r.db.ExecContext(ctx, `UPDATE bots SET desired = ?, state = ?, reason = ?, started_at = ?, updated_at = ? WHERE name = ?`,
		string(desired), string(state), reason, nullTime(started), fmtTime(r.now()), name)
	if err != nil {
		return fmt.Errorf("saving bot %s: %w", name, err)
	}
	return nil
}

// setPaused records a running bot paused by the risk guard. It changes nothing when the bot
// is no longer recorded as running: a stop or the kill switch, saved while the pause waited
// for the bot's order in flight, wins over it.
func (r *Registry) setPaused(ctx context.Context, name, reason string) error {
	_, err := r.db.ExecContext(ctx, `UPDATE bots SET state = 'paused', reason = ?, updated_at = ?
		WHERE name = ? AND state = 'running' AND desired = 'running'`, reason, fmtTime(r.now()), name)
	if err != nil {
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
	var open int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE bot = ? AND state NOT IN ('filled', 'cancelled', 'rejected')`, name).Scan(&open); err != nil {
		return fmt.Errorf("removing bot %s: %w", name, err)
	}
	if open > 0 {
		return fmt.Errorf("removing bot %s: it still has %d open orders; stop it (which cancels them) and try again", name, open)
	}
	if _, err := r.db.ExecContext(ctx, `DELETE FROM bots WHERE name = ?`, name); err != nil {
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
	j := &journal{db: r.db}
	out := make([]BotView, 0, len(rows))
	for _, b := range rows {
		led, err := loadLedger(ctx, j, b.cfg, exchange.Rules{})
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
		if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE bot = ? AND state NOT IN ('filled', 'cancelled', 'rejected')`, b.cfg.Name).Scan(&v.OpenOrders); err != nil {
			return nil, fmt.Errorf("reading bot %s: %w", b.cfg.Name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadLedger replays a bot's fills. The base and quote assets come from rules when known,
// else from the symbol's common quote suffixes.
func loadLedger(ctx context.Context, j *journal, cfg BotConfig, rules exchange.Rules) (ledger, error) {
	l := ledger{base: rules.Base, quote: rules.Quote}
	if l.base == "" || l.quote == "" {
		l.base, l.quote = splitSymbol(cfg.Symbol)
	}
	fills, err := j.fills(ctx, cfg.Name, 0, true)
	if err != nil {
		return l, err
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
