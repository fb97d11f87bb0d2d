// Package exchange is the port between the engine and the markets it trades on: the types and
// small interfaces that the Binance adapter, the simulated market and paper trading implement,
// and the typed errors the engine acts on. It holds no I/O of its own.
//
// Money is github.com/govalues/decimal everywhere: a value type with no heap allocation, so the
// tick path can decode prices without garbage.
package exchange
