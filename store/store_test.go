package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustOpen(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "home")
	db := mustOpen(t, dir)
	if _, err := db.Exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("data directory mode %04o, want 0700", m)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		if m := mode(t, filepath.Join(dir, name)); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", name, m)
		}
	}
}

func TestOpenSettings(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	db.SetMaxOpenConns(3) // the settings hold on every pooled connection
	cases := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		for _, p := range cases {
			var got string
			if err := c.QueryRowContext(context.Background(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, p.pragma, got, p.want)
			}
		}
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	_, err := db.Exec(`INSERT INTO credentials (label, exchange, api_key, api_secret, created_at, replaced_by)
		VALUES ('a', 'sim', 'k', 's', '2026-01-01T00:00:00Z', 999)`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("dangling reference accepted: %v", err)
	}
}

func TestVaultSchemaConstraints(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	const ins = `INSERT INTO vault (id, salt, iterations, verifier, created_at, updated_at) VALUES (?, ?, ?, 'v', 't', 't')`
	cases := []struct {
		name string
		id   int
		salt []byte
		iter int
		ok   bool
	}{
		{"a good row", 1, make([]byte, 16), 600000, true},
		{"a second vault", 2, make([]byte, 16), 600000, false},
		{"a short salt", 1, make([]byte, 8), 600000, false},
		{"zero iterations", 1, make([]byte, 16), 0, false},
	}
	for _, c := range cases {
		_, err := db.Exec(ins, c.id, c.salt, c.iter)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	add := `INSERT INTO credentials (label, exchange, api_key, api_secret, created_at, retired_at) VALUES ('main', 'sim', 'k', 's', 't', ?)`
	if _, err := db.Exec(add, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(add, nil); err == nil {
		t.Error("two active versions of one label accepted")
	}
	if _, err := db.Exec(add, "2026-01-01T00:00:00Z"); err != nil {
		t.Errorf("a retired version refused: %v", err)
	}
}

func TestMigrationsApplyOnceAndRecordVersion(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 1 {
		t.Fatalf("user_version %d, want %d", v, SchemaVersion())
	}
	for _, table := range []string{"vault", "credentials"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing (%v)", table, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO vault (id, salt, iterations, verifier, created_at, updated_at) VALUES (1, zeroblob(16), 1, 'v', 't', 't')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := mustOpen(t, dir) // nothing re-applied, data kept
	var n int
	if err := db2.QueryRow(`SELECT count(*) FROM vault`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("reopening lost data: %d, %v", n, err)
	}
	if err := Migrate(context.Background(), db2); err != nil {
		t.Fatalf("Migrate on an up-to-date database: %v", err)
	}
}

// A migration that fails rolls back whole: no half-created schema, version unchanged.
func TestFailedMigrationRollsBack(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	// Migration 1 will create vault again, then fail on credentials, which still exists.
	if _, err := db.Exec(`PRAGMA user_version = 0; DROP TABLE vault`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "migration 0001") {
		t.Fatalf("err = %v, want migration 0001 to fail", err)
	}
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v, vaults int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'vault'`).Scan(&vaults); err != nil {
		t.Fatal(err)
	}
	if v != 0 || vaults != 0 {
		t.Fatalf("after a failed migration: user_version %d, vault table %d (half-applied)", v, vaults)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	if _, err := db.Exec("PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), dir)
	if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), "upgrade QuantDeck") {
		t.Fatalf("err = %v, want ErrTooNew with advice", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir string) // dir exists, 0700
		want    error
		say     string
	}{
		{"a database others can read", func(t *testing.T, dir string) {
			db := mustOpen(t, dir)
			db.Close()
			if err := os.Chmod(filepath.Join(dir, FileName), 0o644); err != nil {
				t.Fatal(err)
			}
		}, ErrExposed, "chmod 600"},
		{"a database the group can read", func(t *testing.T, dir string) {
			db := mustOpen(t, dir)
			db.Close()
			if err := os.Chmod(filepath.Join(dir, FileName), 0o640); err != nil {
				t.Fatal(err)
			}
		}, ErrExposed, "mode 0640"},
		{"a text file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, FileName), []byte("hello, I am not a database\n"))
		}, ErrNotDatabase, "not a QuantDeck database"},
		{"random bytes", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, FileName), bytes.Repeat([]byte{0xA5, 0x13, 0x77}, 3000))
		}, ErrNotDatabase, ""},
		{"a directory in its place", func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
				t.Fatal(err)
			}
		}, ErrNotDatabase, "not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.prepare(t, dir)
			before, _ := os.ReadFile(filepath.Join(dir, FileName))
			db, err := Open(context.Background(), dir)
			if err == nil {
				db.Close()
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.say) {
				t.Fatalf("err = %v, want %v saying %q", err, c.want, c.say)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, FileName)); !bytes.Equal(before, after) {
				t.Fatal("the refused file was modified")
			}
		})
	}
	if _, err := Open(context.Background(), ""); err == nil {
		t.Error("empty directory accepted")
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMakesAnExistingDataDirectoryPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("data directory mode = %04o, want 0700", got)
	}
}
