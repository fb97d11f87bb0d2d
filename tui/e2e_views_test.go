package tui

import (
	"path/filepath"
	"regexp"
	"testing"
)

// TestCockpitTradersViewsEndToEnd drives the real binary in a pseudo-terminal through what a
// trader watches: the chart's timeframes, the order book, the portfolio, the orders view, a
// watchlist edit, and the ticket's inline refusal of an order the account cannot pay for.
func TestCockpitTradersViewsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildQuantDeck(t)
	home := filepath.Join(t.TempDir(), "home")
	c := startCockpit(t, bin, home)
	scr := c.scr
	scr.waitText(t, 0, "Create the vault")
	c.send("correct horse battery\r")
	scr.waitText(t, 0, "Repeat")
	c.send("correct horse battery\r")
	scr.waitText(t, 0, "Watchlist")

	// 110 columns: two columns, the chart of the selected symbol and its order book.
	scr.waitText(t, 0, "1m candles")
	scr.waitText(t, 0, "Book BTCUSDT")
	scr.waitFor(t, 0, "a spread in the book", regexp.MustCompile(`spread [0-9]`).MatchString)
	at := scr.mark()
	c.send("f")
	scr.waitText(t, at, "5m candles")
	at = scr.mark()
	c.send("f")
	scr.waitText(t, at, "15m candles")

	// The portfolio, then the orders view.
	at = scr.mark()
	c.send("P")
	scr.waitText(t, at, "Portfolio")
	scr.waitText(t, at, "PAPER equity ≈ ")
	at = scr.mark()
	c.send("\x1b") // alone: esc then O would read as one escape sequence
	scr.waitText(t, at, "Watchlist")
	at = scr.mark()
	c.send("O")
	scr.waitText(t, at, "History")
	at = scr.mark()
	c.send("\x1b")
	scr.waitText(t, at, "Watchlist")

	// Watch a symbol the market lists.
	at = scr.mark()
	c.send("+")
	scr.waitText(t, at, "watch symbol:")
	c.send("solusdt\r")
	scr.waitText(t, at, "SOLUSDT added to the watchlist")

	// The ticket refuses, as the user types, an order the paper account cannot pay for.
	at = scr.mark()
	c.send("o")
	scr.waitText(t, at, "Order ticket")
	c.send("1")
	scr.waitText(t, at, "not enough USDT: this order needs")
	c.send("\x1b")
	scr.waitText(t, 0, "Discard this order?")
	at = scr.mark()
	c.send("y")
	scr.waitText(t, at, "Watchlist")
	c.send("q")
	c.wait("q")
}
