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

	"github.com/mattn/go-sqlite3" // the SQLite driver
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

// ErrDamaged means the file is a SQLite database whose pages fail SQLite's own consistency check
// (PRAGMA quick_check), or an existing database file that is empty.
var ErrDamaged = errors.New("database is damaged")

// damagedAdvice says what the user can do about a damaged database. Open never repairs, deletes or
// re-initialises one: keys and the order journal are in it, and a fresh file would hide the loss.
const damagedAdvice = "QuantDeck has not changed it. Stop every QuantDeck process, copy the file somewhere safe, " +
	"then restore quantdeck.db from a backup; or move it aside to start with an empty database " +
	"(stored keys, bots and the order journal would then be gone until it is restored)"

// maxReported is how many of quick_check's findings an error quotes.
const maxReported = 3

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
	if err := ensureFile(ctx, path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if isCorrupt(err) {
			return nil, damaged(path, err.Error())
		}
		return nil, fmt.Errorf("store: %s: %w: %v", path, ErrNotDatabase, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		if isCorrupt(err) {
			return nil, damaged(path, err.Error())
		}
		return nil, fmt.Errorf("store: %s: %w (%v); move it away or point QUANTDECK_HOME elsewhere", path, ErrNotDatabase, err)
	}
	// Check before anything writes to it: a migration or a journal row written on top of damaged
	// pages would spread the damage, and a read that meets them later would fail mid-trade.
	if err := quickCheck(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	pool(db)
	// The -wal and -shm files now exist; keep them private too.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("store: protecting %s: %w", path+suffix, err)
		}
	}
	return db, nil
}

// pool keeps connections open between uses. database/sql keeps two idle ones by default, so
// twenty bots writing the journal at once would open and close a connection (and run the
// connection's PRAGMAs again) on most calls; a connection closed also loses the statements
// prepared on it, which the journal prepares once and reuses. The number open stays unlimited:
// in WAL mode readers never wait for the writer, so the cockpit, the API and the engine's
// reads each get a connection of their own, and a cap could leave a caller that holds a
// transaction waiting for a second connection. Writers need no cap either: SQLite lets one
// write at a time (see dsn), and the journal's order path sends every write through its single
// group-commit writer, so it uses one connection at a time.
func pool(db *sql.DB) {
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
}

// dsn is the connection string every pooled connection is opened with:
//   - journal_mode=WAL: readers see the last commit without blocking the writer, and a commit
//     is one append to the log plus one sync, not a rewrite of the pages in place.
//   - synchronous=FULL: in WAL mode this syncs the log at every commit, so a commit that
//     returned is on disk. NORMAL would sync only at checkpoints, and a power cut could then
//     lose an order row whose request had already left. The cost of the sync is shared by
//     group commit in the journal instead of being skipped.
//   - foreign_keys=on: a signed send cannot be recorded for an order row that is not there.
//   - busy_timeout=10000: a writer that finds the lock taken (another connection's
//     transaction, or another QuantDeck process such as the CLI) waits up to 10 s for it
//     instead of failing at once; a journal batch holds it for one sync, milliseconds.
//   - txlock=immediate: a transaction takes the write lock when it begins, so two that read
//     and then write cannot deadlock each other on the upgrade (which no timeout resolves).
//   - stmt_cache_size=64: each connection keeps up to 64 statements it has prepared, so a
//     query run again by its text (not through a prepared *sql.Stmt) skips SQLite's parse
//     and plan.
func dsn(path string) string {
	return FileURI(path, "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate&_stmt_cache_size=64")
}

// uriEscapes are the characters a path cannot hold as they are in a SQLite URI: '%' starts an
// escape, '?' the parameters and '#' a fragment.
var uriEscapes = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// FileURI is the SQLite URI of the file at path, with params (a query string): a data
// directory named "100% mine" or "a?b" opens the file it names.
func FileURI(path, params string) string {
	return "file:" + uriEscapes.Replace(path) + "?" + params
}

// ensureFile creates the database when missing or checks the mode and size of an existing one.
func ensureFile(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(ctx, path)
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
	// SQLite treats an empty file as a new database and would write a fresh schema into it. Open
	// never leaves one behind (see create), so an empty file here is a database that lost its
	// contents (a truncating copy, a full disk, `> quantdeck.db`): say so instead of starting over.
	if fi.Size() == 0 {
		return fmt.Errorf("store: %s is empty (0 bytes): %w; a QuantDeck database is never empty, so its contents were lost. %s", path, ErrDamaged, damagedAdvice)
	}
	return nil
}

// create builds a new database under a temporary name beside path, with its schema in place, and
// links it to path only when complete. An interrupted first start therefore leaves either no
// database or a whole one, never the empty file that ensureFile refuses. Linking (not renaming)
// never replaces a database another process created meanwhile.
func create(ctx context.Context, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), FileName+".new-*")
	if err != nil {
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(tmp + suffix)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn(tmp))
	if err != nil {
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return err
	}
	// Closing the last connection checkpoints the WAL into the file itself.
	if err := db.Close(); err != nil {
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: creating %s: %w", path, err)
	}
	return nil
}

// quickCheck runs SQLite's consistency check over every page and refuses a database that fails
// it. quick_check skips only the index-content comparison of integrity_check, so it stays linear in
// the file's size.
func quickCheck(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return checkFailed(ctx, path, err)
	}
	defer rows.Close()
	var findings []string
	n := 0
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return checkFailed(ctx, path, err)
		}
		if line == "ok" {
			continue
		}
		if n++; n <= maxReported {
			findings = append(findings, line)
		}
	}
	if err := rows.Err(); err != nil {
		return checkFailed(ctx, path, err)
	}
	if len(findings) == 0 {
		return nil
	}
	if n > maxReported {
		findings = append(findings, fmt.Sprintf("and %d more", n-maxReported))
	}
	return damaged(path, strings.Join(findings, "; "))
}

// checkFailed tells a check that could not finish because of damage (SQLite gives up on some
// pages with SQLITE_CORRUPT instead of listing findings) from one that was interrupted or blocked.
func checkFailed(ctx context.Context, path string, err error) error {
	if ctx.Err() == nil && isCorrupt(err) {
		return damaged(path, err.Error())
	}
	return fmt.Errorf("store: checking %s: %w", path, err)
}

// isCorrupt reports whether SQLite found a database's pages malformed (as opposed to a file that
// is not a database at all, or a lock or an interruption).
func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrCorrupt
}

func damaged(path, finding string) error {
	return fmt.Errorf("store: %s: %w (SQLite's check found: %s). %s", path, ErrDamaged, finding, damagedAdvice)
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
