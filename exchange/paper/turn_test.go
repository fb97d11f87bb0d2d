package paper

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

// The account's writer holds the database's write turn (store.WriteTurn) from a save's start to
// its commit: while SQLite keeps it waiting for another connection's write lock, the turn is
// taken, so the journal's writer waits for it in Go instead of in SQLite's busy handler.
func TestWriterTakesTheWriteTurn(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	ctx := context.Background()
	lock, err := r.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: SQLite's write lock, on another connection
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	placed := make(chan error, 1)
	go func() {
		_, err := r.place(limit("l1", exchange.Buy, "0.01", "49000"))
		placed <- err
	}()
	turn := store.WriteTurn(r.db)
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
	if err := <-placed; err != nil {
		t.Fatalf("placing once the lock is free: %v", err)
	}
	if !turn.TryLock() {
		t.Fatal("the write turn is still held after the save")
	}
	turn.Unlock()
}
