// Package engine runs QuantDeck's bots in-process: strategies, the order manager with its
// write-ahead journal, restart reconciliation, the risk guard, the kill switch and the event
// stream the cockpit and the control API subscribe to. It also keeps what the cockpit's market
// screens show (MarketView): the watchlist edited at runtime, each symbol's order book and
// recent trades, candles at six timeframes, and the accounts' portfolio. It never imports the
// UI or the API.
package engine
