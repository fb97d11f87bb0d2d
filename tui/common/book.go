package common

import "github.com/quantdeck/quantdeck/exchange"

// Books is an engine that keeps the order book of the watched symbols (the exchange's partial
// depth stream; the simulated market makes its own). The dashboard shows a depth ladder for the
// selected symbol when the engine has one. The call reads memory the engine keeps; it is made
// from a command, never from View.
type Books interface {
	OrderBook(symbol string) (exchange.Book, bool)
}
