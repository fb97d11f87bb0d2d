package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// writeTurns holds one mutex per database (see WriteTurn).
var writeTurns sync.Map // *sql.DB -> *sync.Mutex

// WriteTurn returns the mutex that the database's steady writers (the journal's group commit,
// the paper accounts' writers) hold from the start of a write transaction to its commit:
// WriteTx takes it.
//
// SQLite lets one connection write at a time, and one that finds the lock taken waits in
// SQLite's busy handler: inside C, sleeping 1, 2, 5, 10 ms and more between tries. A goroutine
// in C keeps its processor (P) until the Go runtime takes it back, which can take as long, so
// on a small machine one writer syncing and another sleeping there leave no processor for the
// tick path or the bots. Waiting for the turn in Go instead parks the goroutine, frees its
// processor, and wakes it as soon as the other writer has committed. Writers that write rarely
// (settings, the registry) still wait in the busy handler; the turn only shortens what the
// steady ones would have waited there.
func WriteTurn(db *sql.DB) *sync.Mutex {
	if m, ok := writeTurns.Load(db); ok {
		return m.(*sync.Mutex)
	}
	m, _ := writeTurns.LoadOrStore(db, new(sync.Mutex))
	return m.(*sync.Mutex)
}

// WriteTx runs fn in one transaction of db as a steady writer does: it waits for the
// database's write turn in Go, begins, runs fn and commits, and gives way to the goroutines
// queued on its processor before it begins and before it commits (see giveWay). An error of
// fn rolls the transaction back and is returned as it is; a failure to begin or to commit is
// returned wrapped.
func WriteTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	turn := WriteTurn(db)
	turn.Lock()
	defer turn.Unlock()
	giveWay()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a write: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	giveWay()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}
