// Package engine runs QuantDeck's bots in-process: strategies, the order manager with its
// write-ahead journal, restart reconciliation, the risk guard, the kill switch and the event
// stream the cockpit and the control API subscribe to. It never imports the UI or the API.
package engine
