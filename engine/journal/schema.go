package journal

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/quantdeck/quantdeck/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Schema is the journal's tables as a store.Schema.
func Schema() store.Schema {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return store.Schema{Owner: "journal", FS: sub, Adopt: adopt}
}

// Migrate brings the journal's tables up to date in a database opened with store.Open. It is
// cheap once they are: one read.
func Migrate(ctx context.Context, db *sql.DB) error {
	return store.MigrateSchema(ctx, db, Schema())
}

// adopt recognises the tables an older QuantDeck created through the store's own migrations
// (its 0003_engine and 0004_order_sends, now this package's 0001 and 0002).
func adopt(ctx context.Context, tx *sql.Tx) (int, error) {
	for _, t := range []struct {
		table   string
		version int
	}{{"order_sends", 2}, {"orders", 1}} {
		ok, err := store.TableExists(ctx, tx, t.table)
		if err != nil || ok {
			return t.version, err
		}
	}
	return 0, nil
}

// Present reports whether the journal's tables are in place at this binary's version, without
// writing (for read-only handles): recorded, or made by an older QuantDeck and not recorded
// yet. False on a database no engine or bot command has used.
func Present(ctx context.Context, db *sql.DB) (bool, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE owner = 'journal'`).Scan(&v)
	if err == nil {
		return v >= latestVersion, nil
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'order_sends'`).Scan(&n); err != nil {
		return false, fmt.Errorf("journal: %w", err)
	}
	return n > 0, nil
}

// latestVersion is the number of the journal's last migration.
const latestVersion = 2
