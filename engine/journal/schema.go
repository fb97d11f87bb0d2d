package journal

import (
	"context"
	"database/sql"
	"embed"
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
