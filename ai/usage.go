package ai

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

// Usage is the tokens of one answer, or of a day.
type Usage struct {
	Input, Output int64
}

// Total is input plus output tokens: what the daily budget counts.
func (u Usage) Total() int64 { return u.Input + u.Output }

// Ledger persists tokens per answer in the store (table ai_usage) and sums them per UTC day.
type Ledger struct {
	db  *sql.DB
	clk clock.Clock
}

// NewLedger returns the token ledger on db; clk is the clock (nil: the system clock).
func NewLedger(db *sql.DB, clk clock.Clock) *Ledger {
	return &Ledger{db: db, clk: clock.Or(clk)}
}

// Record stores one answer's tokens.
func (l *Ledger) Record(ctx context.Context, kind Kind, model string, u Usage) error {
	now := l.clk.Now().UTC()
	_, err := l.db.ExecContext(ctx, `INSERT INTO ai_usage (at, day, kind, model, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?)`,
		now.Format(time.RFC3339Nano), now.Format(time.DateOnly), string(kind), model, max(u.Input, 0), max(u.Output, 0))
	if err != nil {
		return fmt.Errorf("ai: recording tokens: %w", err)
	}
	return nil
}

// Today sums the tokens of the current UTC day.
func (l *Ledger) Today(ctx context.Context) (Usage, error) {
	var u Usage
	err := l.db.QueryRowContext(ctx, `SELECT coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM ai_usage WHERE day = ?`,
		l.clk.Now().UTC().Format(time.DateOnly)).Scan(&u.Input, &u.Output)
	if err != nil {
		return Usage{}, fmt.Errorf("ai: reading today's tokens: %w", err)
	}
	return u, nil
}
