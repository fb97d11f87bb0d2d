// Package tui owns QuantDeck's cockpit: the Bubble Tea program a user drives all day from the
// keyboard. A root model routes messages to one screen at a time (unlock, dashboard, bot detail,
// bot form, order ticket, keys, help), reads the engine's event stream through one re-arming
// command, and throttles renders so a flood of market data never makes the UI lag. It talks to
// the engine and the vault only through the interfaces it declares, and never does I/O in
// Update or View.
package tui
