package journal

import (
	"context"
	"testing"

	"github.com/quantdeck/quantdeck/store/storetest"
)

// The writer holds the database's write turn from a transaction's start to its commit, so a
// paper account's writer waits for it in Go instead of in SQLite's busy handler.
func TestWriterTakesTheWriteTurn(t *testing.T) {
	j, _ := openJournal(t)
	storetest.CheckWriteTurn(t, j.db, func() error {
		return j.Write(context.Background(), func(*Tx) error { return nil })
	})
}
