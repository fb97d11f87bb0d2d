package store

import (
	"context"
	"errors"
	"testing"
)

func TestOpenReadOnlyWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := OpenReadOnly(ctx, dir); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("empty dir: %v, want ErrNoDatabase", err)
	}
	rw, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec(`INSERT INTO settings(key, value, updated_at) VALUES ('k', 'v', '2026-12-06T12:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var v string
	if err := ro.QueryRow(`SELECT value FROM settings WHERE key = 'k'`).Scan(&v); err != nil || v != "v" {
		t.Fatalf("read %q, %v", v, err)
	}
	if _, err := ro.Exec(`INSERT INTO settings(key, value, updated_at) VALUES ('k2', 'v', '2026-12-06T12:00:00Z')`); err == nil {
		t.Fatal("a write through the read-only handle succeeded")
	}
}
