package engine

import (
	"context"
	"database/sql"
)

// JournalReader reads orders and fills from the journal without an engine and without writing
// anything: for commands that only look (`quantdeck ai`, `quantdeck mcp`), beside a running
// engine or without one.
type JournalReader struct{ j *journal }

// NewJournalReader returns a reader over db's journal.
func NewJournalReader(db *sql.DB) *JournalReader { return &JournalReader{j: &journal{db: db}} }

// Orders returns journal rows for a filter, newest first.
func (r *JournalReader) Orders(ctx context.Context, f OrderFilter) ([]OrderView, error) {
	return r.j.orders(ctx, f)
}

// Fills returns a bot's fills (every fill when bot is ""), newest first, at most limit.
func (r *JournalReader) Fills(ctx context.Context, bot string, limit int) ([]FillView, error) {
	return r.j.fills(ctx, bot, limit, false)
}
