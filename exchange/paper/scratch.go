package paper

import "github.com/quantdeck/quantdeck/exchange"

// scratch is what the order path reuses instead of allocating on every order: a replay
// places thousands of orders a second through a memory account. Everything in it belongs to
// the account's lock.
type scratch struct {
	order   order            // a new order until it has to rest (rest takes a copy)
	fill    [1]exchange.Fill // the fill lent to Options.OnUpdate
	crossed []*order         // the resting orders one tick crosses
	changes []change         // fillResting's changes for one commit
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
