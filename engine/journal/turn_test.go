package journal

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/store"
)

// The writer holds the database's write turn (store.WriteTurn) from a transaction's start to
// its commit: while SQLite keeps it waiting for another connection's write lock, the turn is
// taken, so a paper account's writer waits for it in Go instead of in SQLite's busy handler.
func TestWriterTakesTheWriteTurn(t *testing.T) {
	j, _ := openJournal(t)
	ctx := context.Background()
	lock, err := j.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: SQLite's write lock, on another connection
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	done := make(chan error, 1)
	go func() { done <- j.Write(ctx, func(*Tx) error { return nil }) }()
	turn := store.WriteTurn(j.db)
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
