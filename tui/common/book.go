package common

import "github.com/quantdeck/quantdeck/exchange"

// Books is an engine that keeps the order book of the watched symbols (the exchange's partial
// depth stream; the simulated market makes its own). The dashboard shows a depth ladder for the
// selected symbol when the engine has one. The call reads memory the engine keeps; it is made
// from a command, never from View.
type Books interface {
	OrderBook(symbol string) (exchange.Book, bool)
}

// Tapes is an engine that keeps the recent public trades of the watched symbols (the
// exchange's trade stream; the simulated market makes its own). Trades appends them to
// dst[:0], newest first; with cap(dst) >= TapeCap it allocates nothing. The dashboard shows a
// tape of them beside the order book when the engine has one. Like Books, it is called from a
// command, never from View.
type Tapes interface {
	Trades(symbol string, dst []exchange.Trade) []exchange.Trade
}

// TapeCap is the capacity of the buffers the cockpit hands to Tapes.Trades: the engine keeps
// at most this many trades a symbol (engine.TradeHistory).
const TapeCap = 100

// HomeMsg marks a message the home screen's own commands return (its trades tape, the
// precision of its symbols): the root hands it to the home screen as well when another screen
// is active, since the home screen keeps running under the others and reuses what the
// message hands back.
type HomeMsg interface{ HomeMsg() }
