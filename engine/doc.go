// Package engine runs QuantDeck's bots in-process: strategies, the order manager with its
// write-ahead journal, restart reconciliation, the risk guard, the kill switch and the event
// stream the cockpit and the control API subscribe to. It also keeps what the cockpit's market
// screens show (MarketView): the watchlist edited at runtime, each symbol's order book and
// recent trades, candles at six timeframes, and the accounts' portfolio. It never imports the
// UI or the API.
//
// State has owners instead of a lock order: each bot's fields belong to its loop (botloop.go),
// and which bots exist, which run and which symbols are watched belong to the lifecycle loop
// (owner.go); others post them work. The locks that remain guard a few fields each and are
// leaves, except two that take only leaves: jmu (the journal's open rows, engine.go) and the
// event bus's (events.go).
package engine
