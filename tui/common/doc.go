// Package common owns what every cockpit screen shares: the styles built from a session's
// renderer, the keymap, number and text formatting, the text and secret inputs, the candle
// chart, the small screen interface and the engine and vault interfaces the screens consume.
// Screens import common and never each other.
package common
