package journal

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Prepared statements. The hot queries of the order path (an intent, an attempt, a send, an
// answer, the lookups behind them) are parsed once per journal instead of on every call: a
// *sql.Stmt prepares itself once on each pooled connection it meets and keeps it there.
// Statements are prepared on first use, so a journal that only reads, or a read-only handle,
// prepares no write.
type stmts struct {
	mu sync.Mutex // guards m (a map lookup, never the preparing)
	m  map[string]*sql.Stmt
}

// stmt returns query prepared on j's database.
func (j *Journal) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	j.st.mu.Lock()
	s := j.st.m[query]
	j.st.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := j.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("journal: preparing a statement: %w", err)
	}
	j.st.mu.Lock()
	defer j.st.mu.Unlock()
	if cur := j.st.m[query]; cur != nil {
		s.Close() // another caller prepared it meanwhile
		return cur, nil
	}
	if j.st.m == nil {
		j.st.m = map[string]*sql.Stmt{}
	}
	j.st.m[query] = s
	return s, nil
}

// query runs a prepared query.
func (j *Journal) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := j.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a prepared query that returns one row.
func (j *Journal) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := j.stmt(ctx, query)
	if err != nil {
		return j.db.QueryRowContext(ctx, query, args...) // reports the same failure
	}
	return s.QueryRowContext(ctx, args...)
}

// closeStmts releases the prepared statements; a later read prepares what it needs again.
func (j *Journal) closeStmts() {
	j.st.mu.Lock()
	m := j.st.m
	j.st.m = nil
	j.st.mu.Unlock()
	for _, s := range m {
		s.Close()
	}
}
