package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AddEvent appends a line to a bot's history.
func (j *Journal) AddEvent(ctx context.Context, ev Event) error {
	_, err := j.db.ExecContext(ctx, `INSERT INTO bot_events(bot, time, level, message) VALUES (?,?,?,?)`,
		ev.Bot, FormatTime(ev.Time), ev.Level, ev.Message)
	if err != nil {
		return fmt.Errorf("journal: recording a bot event: %w", err)
	}
	return nil
}

// Events returns a bot's history (every bot's for ""), newest first.
func (j *Journal) Events(ctx context.Context, bot string, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT bot, time, level, message FROM bot_events`
	var args []any
	if bot != "" {
		q += ` WHERE bot = ?`
		args = append(args, bot)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: reading bot events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var t string
		if err := rows.Scan(&ev.Bot, &t, &ev.Level, &ev.Message); err != nil {
			return nil, err
		}
		p := rowParser{table: "bot_events", key: ev.Bot, bot: ev.Bot}
		if ev.Time = p.time("time", t); p.result() != nil {
			return nil, fmt.Errorf("journal: reading bot events: %w", p.result())
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// KillSwitch reads the persisted kill switch.
func (j *Journal) KillSwitch(ctx context.Context) (engaged bool, reason string, err error) {
	err = j.db.QueryRowContext(ctx, `SELECT engaged, reason FROM kill_switch WHERE id = 1`).Scan(&engaged, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("journal: reading the kill switch: %w", err)
	}
	return engaged, reason, nil
}

// SetKillSwitch persists the kill switch.
func (j *Journal) SetKillSwitch(ctx context.Context, engaged bool, reason string, now time.Time) error {
	_, err := j.db.ExecContext(ctx, `INSERT INTO kill_switch(id, engaged, reason, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET engaged = excluded.engaged, reason = excluded.reason, updated_at = excluded.updated_at`,
		engaged, reason, FormatTime(now))
	if err != nil {
		return fmt.Errorf("journal: saving the kill switch: %w", err)
	}
	return nil
}
