package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Schema is a set of tables a package owns and keeps beside its queries: numbered migrations
// (NNNN_name.sql at the root of FS) whose progress is kept per owner in schema_versions, apart
// from the store's own user_version. Open brings the store's tables up to date; the owner runs
// MigrateSchema for its own before it queries them.
type Schema struct {
	Owner string // a short stable name, the key in schema_versions
	FS    fs.FS
	// Adopt tells, for a database that has no schema_versions row for Owner yet, how many of
	// the owner's migrations it already holds (0 for none): tables that an older QuantDeck
	// created through the store's own migrations before the owner kept its schema. It runs in
	// the migration's transaction. Nil means none.
	Adopt func(ctx context.Context, tx *sql.Tx) (int, error)
}

func (s Schema) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(s.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("store: schema %s: %w", s.Owner, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: schema %s: migration %q is not named NNNN_name.sql", s.Owner, e.Name())
		}
		body, err := fs.ReadFile(s.FS, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: s.Owner + "/" + e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: schema %s: migrations must be numbered 1, 2, 3... without gaps (found %s)", s.Owner, m.name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: schema %s has no migrations", s.Owner)
	}
	return out, nil
}

// MigrateSchema applies the owner's migrations that db does not hold yet, all in one immediate
// transaction (so two processes, or an engine and a command, never apply one twice), and refuses
// a database whose owner version is newer than this binary knows.
func MigrateSchema(ctx context.Context, db *sql.DB, s Schema) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	// Most calls find everything applied: answer those without a write transaction.
	if v, found, err := schemaVersion(ctx, db, s.Owner); err == nil && found && v == latest {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: schema %s: %w", s.Owner, err)
	}
	defer tx.Rollback()
	current, found, err := schemaVersion(ctx, tx, s.Owner)
	if err != nil {
		return err
	}
	if !found && s.Adopt != nil {
		if current, err = s.Adopt(ctx, tx); err != nil {
			return fmt.Errorf("store: schema %s: looking for tables made by an older version: %w", s.Owner, err)
		}
	}
	if current > latest {
		return fmt.Errorf("store: schema %s: %w (version %d, this binary knows %d); upgrade QuantDeck", s.Owner, ErrTooNew, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions(owner, version) VALUES (?, ?)
		ON CONFLICT(owner) DO UPDATE SET version = excluded.version`, s.Owner, latest); err != nil {
		return fmt.Errorf("store: schema %s: recording its version: %w", s.Owner, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: schema %s: %w", s.Owner, err)
	}
	return nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q queryRower, owner string) (int, bool, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE owner = ?`, owner).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: schema %s: reading its version: %w (was the database opened with store.Open?)", owner, err)
	}
	return v, true, nil
}

// TableExists reports whether the database holds a table of that name; owners' Adopt functions
// use it to recognise tables an older version created.
func TableExists(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}
