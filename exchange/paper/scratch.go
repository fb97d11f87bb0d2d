package paper

import "github.com/quantdeck/quantdeck/exchange"

// scratch is what the order path reuses instead of allocating on every order: a replay
// places thousands of orders a second through a memory account. Everything in it belongs to
// the account's lock.
type scratch struct {
	order   order            // a memory account's new market order (it never rests)
	next    exchange.Fill    // a memory account's fill on its way to commit
	fill    [1]exchange.Fill // the fill lent to Options.OnUpdate
	crossed []*order         // the resting orders one tick crosses
	ledger  ledger           // a memory account's ledger for one order (newLedger)
	changes []change         // a memory account's change for one order (oneChange)
	mem     slab[memOrder]   // a memory account's order records
	fills   slab[exchange.Fill]
	short   *BalanceError // the last refusal for want of funds (shortfall)
}

// slab hands out pointers to zeroed values from chunks that double in size, so n values cost
// about log2(n) allocations. Values are never freed one by one: a memory account keeps every
// order it was given.
type slab[T any] struct{ chunk []T }

func (s *slab[T]) take() *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, max(16, 2*cap(s.chunk)))
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}

// one returns v alone in a slice of capacity one taken from the slab: appending to it moves it
// out of the slab rather than over the next value.
func (s *slab[T]) one(v T) []T {
	*s.take() = v
	n := len(s.chunk)
	return s.chunk[n-1 : n : n]
}

// newLedger returns an empty ledger for one order's change. A memory account reuses one: its
// commit is done with the ledger before it returns, and an order's path takes a new ledger
// only once it no longer needs the one before. A saved account's writer keeps each ledger
// until it is saved, so that gets a new one.
func (a *Account) newLedger() ledger {
	if a.db != nil {
		return ledger{}
	}
	if a.hot.ledger == nil {
		a.hot.ledger = ledger{}
	}
	clear(a.hot.ledger)
	return a.hot.ledger
}

// oneChange returns c alone, to commit: in a reused slice for a memory account, whose commit
// is done with it before it returns; in a new one for a saved account's writer to keep.
func (a *Account) oneChange(c change) []change {
	if a.db != nil {
		return []change{c}
	}
	a.hot.changes = append(a.hot.changes[:0], c)
	return a.hot.changes
}
