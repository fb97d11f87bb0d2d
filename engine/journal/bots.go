package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"
)

// ErrNoBot: no bot of that name in the bots table.
var ErrNoBot = errors.New("no such bot")

// ErrBotExists: a bot with that name is already in the bots table.
var ErrBotExists = errors.New("a bot with that name already exists")

// Bot is one bots row.
type Bot struct {
	Name             string
	Symbol           string
	Strategy         string
	Params           map[string]string
	Mode             Mode
	KeyLabel         string
	Budget           decimal.Decimal
	MaxOrderNotional decimal.Decimal
	MaxOpenOrders    int
	DailyLossLimit   decimal.Decimal
	Desired          string // "running" or "stopped"
	State            string
	Reason           string
	StartedAt        time.Time // zero while never started
	UpdatedAt        time.Time
	// Damaged is set (a *BadRowError) on a row Bots returned whose stored values do not parse.
	Damaged error
}

const botCols = `name, symbol, strategy, params, mode, key_label, budget, max_order_notional, max_open_orders,
	daily_loss_limit, desired, state, reason, started_at, updated_at`

func scanBot(s scanner) (*Bot, error) {
	var b Bot
	var params, mode, budget, maxNotional, dayLoss, updated string
	var started sql.NullString
	if err := s.Scan(&b.Name, &b.Symbol, &b.Strategy, &params, &mode, &b.KeyLabel, &budget,
		&maxNotional, &b.MaxOpenOrders, &dayLoss, &b.Desired, &b.State, &b.Reason, &started, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(params), &b.Params); err != nil {
		return nil, fmt.Errorf("bot %s has unreadable parameters: %w", b.Name, err)
	}
	b.Mode = Mode(mode)
	p := rowParser{table: "bots", key: b.Name, bot: b.Name}
	b.Budget, b.MaxOrderNotional = p.dec("budget", budget), p.dec("max_order_notional", maxNotional)
	b.DailyLossLimit = p.dec("daily_loss_limit", dayLoss)
	if started.Valid {
		b.StartedAt = p.time("started_at", started.String)
	}
	b.UpdatedAt = p.time("updated_at", updated)
	return &b, p.result()
}

// Bot reads one bot; ErrNoBot when there is none, a *BadRowError (with the row) when a stored
// value does not parse.
func (j *Journal) Bot(ctx context.Context, name string) (*Bot, error) {
	b, err := scanBot(j.db.QueryRowContext(ctx, `SELECT `+botCols+` FROM bots WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrNoBot, name)
	}
	return b, err
}

// Bots returns every bot by name; a row whose stored values do not parse is kept with Damaged
// set, so the others run and this one shows why it cannot.
func (j *Journal) Bots(ctx context.Context) ([]*Bot, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+botCols+` FROM bots ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("journal: reading bots: %w", err)
	}
	defer rows.Close()
	var out []*Bot
	for rows.Next() {
		b, err := scanBot(rows)
		if _, bad := DamagedBot(err); bad {
			b.Damaged = err
			out = append(out, b)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("journal: reading bots: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BotExists reports whether a bot of that name is in the table.
func (j *Journal) BotExists(ctx context.Context, name string) (bool, error) {
	var n int
	if err := j.db.QueryRowContext(ctx, `SELECT count(*) FROM bots WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("journal: reading bot %s: %w", name, err)
	}
	return n > 0, nil
}

// InsertBot saves a new, stopped bot; ErrBotExists when the name is taken.
func (j *Journal) InsertBot(ctx context.Context, b *Bot, now time.Time) error {
	params, err := json.Marshal(b.Params)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", b.Name, err)
	}
	at := FormatTime(now)
	_, err = j.db.ExecContext(ctx, `INSERT INTO bots(name, symbol, strategy, params, mode, key_label, budget,
		max_order_notional, max_open_orders, daily_loss_limit, desired, state, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?, 'stopped', 'stopped', ?, ?)`,
		b.Name, b.Symbol, b.Strategy, string(params), string(b.Mode), b.KeyLabel, b.Budget.String(),
		b.MaxOrderNotional.String(), b.MaxOpenOrders, b.DailyLossLimit.String(), at, at)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("%w: %s", ErrBotExists, b.Name)
		}
		return fmt.Errorf("journal: saving bot %s: %w", b.Name, err)
	}
	return nil
}

// UpdateBot replaces a bot's configuration (not its name or states).
func (j *Journal) UpdateBot(ctx context.Context, b *Bot, now time.Time) error {
	params, err := json.Marshal(b.Params)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", b.Name, err)
	}
	_, err = j.db.ExecContext(ctx, `UPDATE bots SET symbol = ?, strategy = ?, params = ?, mode = ?, key_label = ?,
		budget = ?, max_order_notional = ?, max_open_orders = ?, daily_loss_limit = ?, updated_at = ? WHERE name = ?`,
		b.Symbol, b.Strategy, string(params), string(b.Mode), b.KeyLabel, b.Budget.String(),
		b.MaxOrderNotional.String(), b.MaxOpenOrders, b.DailyLossLimit.String(), FormatTime(now), b.Name)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", b.Name, err)
	}
	return nil
}

// SetBotDesired records whether a bot should run. Asking a paused bot to run is the user's
// answer to the pause: it becomes stopped, without the pause's reason, for the next engine.
func (j *Journal) SetBotDesired(ctx context.Context, name, desired string, now time.Time) error {
	_, err := j.db.ExecContext(ctx, `UPDATE bots SET desired = ?1,
		state = CASE WHEN ?1 = 'running' AND state = 'paused' THEN 'stopped' ELSE state END,
		reason = CASE WHEN ?1 = 'running' AND state = 'paused' THEN '' ELSE reason END,
		updated_at = ?2 WHERE name = ?3`, desired, FormatTime(now), name)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", name, err)
	}
	return nil
}

// SetBotState records a bot's desired and actual state and the reason for it.
func (j *Journal) SetBotState(ctx context.Context, name, desired, state, reason string, started, now time.Time) error {
	_, err := j.db.ExecContext(ctx, `UPDATE bots SET desired = ?, state = ?, reason = ?, started_at = ?, updated_at = ? WHERE name = ?`,
		desired, state, reason, NullTime(started), FormatTime(now), name)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", name, err)
	}
	return nil
}

// SetBotPaused records a running bot paused by the risk guard. It changes nothing when the bot
// is no longer recorded as running: a stop or the kill switch saved meanwhile wins over it.
func (j *Journal) SetBotPaused(ctx context.Context, name, reason string, now time.Time) error {
	_, err := j.db.ExecContext(ctx, `UPDATE bots SET state = 'paused', reason = ?, updated_at = ?
		WHERE name = ? AND state = 'running' AND desired = 'running'`, reason, FormatTime(now), name)
	if err != nil {
		return fmt.Errorf("journal: saving bot %s: %w", name, err)
	}
	return nil
}

// DeleteBot removes a bot's row; its orders, fills and history stay.
func (j *Journal) DeleteBot(ctx context.Context, name string) error {
	if _, err := j.db.ExecContext(ctx, `DELETE FROM bots WHERE name = ?`, name); err != nil {
		return fmt.Errorf("journal: removing bot %s: %w", name, err)
	}
	return nil
}

// New returns a journal over a database whose journal tables are migrated (Migrate), for
// reads and bot writes; placing orders needs Open, which also reads the instance tag.
func New(db *sql.DB) *Journal { return newJournal(db) }
