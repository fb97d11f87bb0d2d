// Package strategy owns QuantDeck's trading strategies (DCA, grid) as pure state machines,
// their parameters, and Specs(), the one description of every strategy and parameter that
// the cockpit's bot form, `bots add`, the control API and backtests build from. It does no I/O
// and keeps no clock: the live engine and the backtest drive the very same code.
package strategy
