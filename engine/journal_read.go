package engine

import (
	"context"
	"database/sql"

	"github.com/quantdeck/quantdeck/engine/journal"
)

// JournalReader reads orders and fills from the journal without an engine and without writing
// any row: for commands that only look (`quantdeck ai`, `quantdeck mcp`), beside a running
// engine or without one.
type JournalReader struct {
	db *sql.DB
	j  *journal.Journal
}

// NewJournalReader returns a reader over db's journal.
func NewJournalReader(db *sql.DB) *JournalReader {
	return &JournalReader{db: db, j: journal.New(db)}
}

// ready reports whether the journal's tables are there to read. A database no engine or bot
// command has used has none (store.Open creates only the store's own tables): nothing was
// recorded, so there is nothing to read. Reads never migrate: the handle may be read-only.
func (r *JournalReader) ready(ctx context.Context) (bool, error) { return journal.Present(ctx, r.db) }

// Orders returns journal rows for a filter, newest first.
func (r *JournalReader) Orders(ctx context.Context, f OrderFilter) ([]OrderView, error) {
	if ok, err := r.ready(ctx); !ok || err != nil {
		return nil, err
	}
	return r.j.Orders(ctx, f)
}

// Fills returns a bot's fills (every fill when bot is ""), newest first, at most limit.
func (r *JournalReader) Fills(ctx context.Context, bot string, limit int) ([]FillView, error) {
	if ok, err := r.ready(ctx); !ok || err != nil {
		return nil, err
	}
	return r.j.Fills(ctx, bot, limit, false)
}
