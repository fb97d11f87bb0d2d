package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

// FileName is the database's name inside the data directory.
const FileName = "quantdeck.db"

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrTooNew means the database was written by a newer QuantDeck.
var ErrTooNew = errors.New("database is from a newer version of QuantDeck")

// ErrExposed means the database or its directory can be read by other users.
var ErrExposed = errors.New("database is readable by other users")

// ErrNotDatabase means the file is not a QuantDeck SQLite database.
var ErrNotDatabase = errors.New("not a QuantDeck database")

// Open creates the data directory (0700) and the database (0600) when missing, refuses one that
// others can read, and brings the schema up to date.
func Open(ctx context.Context, dir string) (*sql.DB, error) {
	if dir == "" {
		return nil, errors.New("store: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: creating data directory %s: %w", dir, err)
	}
	// The data directory is QuantDeck's own: keep it private even when it existed before.
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("store: data directory %s is not a directory", dir)
	} else if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: data directory %s has mode %04o and cannot be made private (%w); run `chmod 700 %s`", dir, fi.Mode().Perm(), err, dir)
		}
	}
	path := filepath.Join(dir, FileName)
	if err := ensureFile(path); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w: %v", path, ErrNotDatabase, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w (%v); move it away or point QUANTDECK_HOME elsewhere", path, ErrNotDatabase, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	// The -wal and -shm files now exist; keep them private too.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("store: protecting %s: %w", path+suffix, err)
		}
	}
	return db, nil
}

// ensureFile creates the database file with mode 0600 or checks the mode of an existing one.
func ensureFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("store: creating %s: %w", path, err)
		}
		return f.Close()
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("store: %s: %w (it is not a regular file)", path, ErrNotDatabase)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("store: %s has mode %04o: %w; run `chmod 600 %s` and check who else could have read it", path, fi.Mode().Perm(), ErrExposed, path)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %q is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrationFS, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", out[i].version)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil || len(m) == 0 {
		return 0
	}
	return m[len(m)-1].version
}

// Migrate applies every migration newer than the database's user_version, each in its own
// transaction together with the version bump, and refuses a database from a newer binary.
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("store: reading schema version: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("store: %w (schema %d, this binary knows %d); upgrade QuantDeck", ErrTooNew, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return nil
}
