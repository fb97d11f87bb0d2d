package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A data directory whose name holds a URI's special characters opens, read-write and read-only,
// the file it names, and no other.
func TestOpenOddDirectoryNames(t *testing.T) {
	for _, name := range []string{"100% mine", "a%41b", "what?x=1", "hash#tag", "all %3f?#"} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, name)
			ctx := context.Background()
			db, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `CREATE TABLE odd (v TEXT); INSERT INTO odd VALUES ('here')`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
				t.Fatalf("the database is not in %q: %v", dir, err)
			}
			entries, err := os.ReadDir(parent)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != name {
				t.Fatalf("the parent holds %v, want only %q", entries, name)
			}
			ro, err := OpenReadOnly(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			var v string
			if err := ro.QueryRowContext(ctx, `SELECT v FROM odd`).Scan(&v); err != nil || v != "here" {
				t.Fatalf("read-only: %q, %v; want the row written", v, err)
			}
		})
	}
}
