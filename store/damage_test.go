package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// filledDatabase makes a real QuantDeck database with a table spread over many pages and returns
// its path, page size and the root page of that table.
func filledDatabase(t *testing.T, dir string) (path string, pageSize, root int) {
	t.Helper()
	db := mustOpen(t, dir)
	if _, err := db.Exec(`CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
		CREATE INDEX filler_body ON filler(body)`); err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		if _, err := db.Exec(`INSERT INTO filler (body) VALUES (?)`, strings.Repeat(string(rune('a'+i%26)), 300)+string(rune(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'filler'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	return filepath.Join(dir, FileName), pageSize, root
}

// TestOpenRefusesDamagedDatabase damages real database files the ways disks and copies do and
// checks that Open refuses each with advice, and leaves the file exactly as it found it.
func TestOpenRefusesDamagedDatabase(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, b []byte, pageSize, root int) []byte
	}{
		{"the table's root page overwritten", func(t *testing.T, b []byte, pageSize, root int) []byte {
			off := (root - 1) * pageSize
			copy(b[off:off+pageSize], bytes.Repeat([]byte{0xFF}, pageSize))
			return b
		}},
		{"a page in the middle zeroed", func(t *testing.T, b []byte, pageSize, root int) []byte {
			n := len(b) / pageSize
			off := (n / 2) * pageSize
			clear(b[off : off+pageSize])
			return b
		}},
		{"cell pointers of the last page scrambled", func(t *testing.T, b []byte, pageSize, root int) []byte {
			off := len(b) - pageSize
			for i := 8; i < 64; i += 2 {
				binary.BigEndian.PutUint16(b[off+i:], uint16(pageSize-3))
			}
			return b
		}},
		{"the file cut short", func(t *testing.T, b []byte, pageSize, root int) []byte {
			return b[:len(b)/2/pageSize*pageSize]
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path, pageSize, root := filledDatabase(t, dir)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			write(t, path, c.damage(t, b, pageSize, root))
			before, _ := os.ReadFile(path)

			db, err := Open(context.Background(), dir)
			if err == nil {
				db.Close()
				t.Fatal("a damaged database was opened")
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
			for _, say := range []string{path, "damaged", "has not changed it", "restore quantdeck.db from a backup"} {
				if !strings.Contains(err.Error(), say) {
					t.Errorf("message %q does not say %q", err, say)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("the damaged file was modified")
			}
		})
	}
}

func TestOpenRefusesAnEmptyDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	write(t, path, nil)
	db, err := Open(context.Background(), dir)
	if err == nil {
		db.Close()
		t.Fatal("an empty database file was opened (and would have been given a fresh schema)")
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "empty (0 bytes)") || !strings.Contains(err.Error(), "backup") {
		t.Fatalf("err = %v, want ErrDamaged saying the file is empty and what to do", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("the empty file was changed or removed: %v %v", fi, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the data directory holds %d entries, want only the refused file", len(entries))
	}
}

// TestNewDatabaseAppearsWhole checks that a first start leaves a complete database under its own
// name and nothing else behind, so an empty file can always be treated as damage.
func TestNewDatabaseAppearsWhole(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir).Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".new-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new database: size %d mode %04o, want a whole file with mode 0600", fi.Size(), fi.Mode().Perm())
	}
	db := mustOpen(t, dir)
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version %d (%v), want %d", v, err, SchemaVersion())
	}
}
