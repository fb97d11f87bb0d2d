package common

import (
	"time"

	"github.com/govalues/decimal"
)

// BookLevel is one price level of an order book.
type BookLevel struct {
	Price, Qty decimal.Decimal
}

// Book is the top of a symbol's order book: bids best first (highest), asks best first
// (lowest).
type Book struct {
	Symbol     string
	Bids, Asks []BookLevel
	Time       time.Time
}

// Books is an engine that keeps the order book of the watched symbols (the exchange's partial
// depth stream; the simulated market makes its own). The dashboard shows a depth ladder for the
// selected symbol when the engine has one. The call reads memory the engine keeps; it is made
// from a command, never from View.
type Books interface {
	OrderBook(symbol string) (Book, bool)
}
