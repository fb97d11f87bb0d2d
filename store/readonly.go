package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoDatabase means the data directory holds no database yet.
var ErrNoDatabase = errors.New("no QuantDeck database here yet")

// OpenReadOnly opens an existing database for reading only (SQLite's mode=ro): it creates,
// migrates and writes nothing, so it can sit beside a running engine. A database from a newer
// binary is refused; an older one is read as it is.
func OpenReadOnly(ctx context.Context, dir string) (*sql.DB, error) {
	path := filepath.Join(dir, FileName)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: %s: %w", dir, ErrNoDatabase)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("store: %s has mode %04o: %w; run `chmod 600 %s`", path, fi.Mode().Perm(), ErrExposed, path)
	}
	db, err := sql.Open("sqlite3", FileURI(path, "mode=ro&_busy_timeout=10000"))
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w: %v", path, ErrNotDatabase, err)
	}
	if v > SchemaVersion() {
		db.Close()
		return nil, fmt.Errorf("store: %w (schema %d, this binary knows %d); upgrade QuantDeck", ErrTooNew, v, SchemaVersion())
	}
	return db, nil
}
