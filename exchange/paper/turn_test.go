package paper

import (
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store/storetest"
)

// The account's writer holds the database's write turn from a save's start to its commit, so
// the journal's writer waits for it in Go instead of in SQLite's busy handler.
func TestWriterTakesTheWriteTurn(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	storetest.CheckWriteTurn(t, r.db, func() error {
		_, err := r.place(limit("l1", exchange.Buy, "0.01", "49000"))
		return err
	})
}
