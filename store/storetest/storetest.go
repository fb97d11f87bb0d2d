// Package storetest checks, for the packages that write the database steadily, that their
// writers go through store.WriteTx.
package storetest

import (
	"context"
	"database/sql"
	"runtime"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/store"
)

// CheckWriteTurn checks that write waits for SQLite's write lock while holding db's write turn
// (store.WriteTurn), and lets the turn go once it has committed. It takes SQLite's lock on
// another connection, starts write, waits until the turn is taken, then frees the lock and
// expects write to succeed. Another steady writer of db would thus wait for the turn in Go
// instead of in SQLite's busy handler.
func CheckWriteTurn(t testing.TB, db *sql.DB, write func() error) {
	t.Helper()
	lock, err := db.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE: SQLite's write lock
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	done := make(chan error, 1)
	go func() { done <- write() }()
	turn := store.WriteTurn(db)
	for deadline := time.Now().Add(10 * time.Second); turn.TryLock(); {
		turn.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the writer never took the write turn")
		}
		runtime.Gosched()
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("write once the lock is free: %v", err)
	}
	if !turn.TryLock() {
		t.Fatal("the write turn is still held after the commit")
	}
	turn.Unlock()
}
