package tui

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCockpitTradersViewsEndToEnd drives the real binary in a pseudo-terminal through what a
// trader watches: the chart's timeframes, the order book and the trades tape, the portfolio,
// the orders view, watchlist edits kept for the next start, and the ticket's inline refusals
// (an order the account cannot pay for, one below the symbol's minimum order value).
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

	// The trades tape in the book's place (below 120 columns), then the book again.
	at = scr.mark()
	c.send("T")
	scr.waitText(t, at, "Trades BTCUSDT")
	scr.waitFor(t, at, "a trade on the tape", regexp.MustCompile(`[0-9]{2}:[0-9]{2}:[0-9]{2} [▲▼] (buy|sell)`).MatchString)
	at = scr.mark()
	c.send("T")
	scr.waitText(t, at, "Book BTCUSDT")

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

	// The ticket refuses, as the user types, an order the paper account cannot pay for.
	at = scr.mark()
	c.send("o")
	scr.waitText(t, at, "Order ticket")
	c.send("1")
	scr.waitText(t, at, "not enough USDT: this order needs")
	at = scr.mark()
	c.send("\x15") // ctrl+u: clear the quantity
	c.send("0.00001")
	scr.waitText(t, at, "below BTCUSDT's minimum order value of 5.00")
	at = scr.mark()
	c.send("\x13") // ctrl+s: nothing to review
	// A frame drawn after it (the last price moves under the rules) still asks nothing.
	scr.waitFor(t, at, "a frame after ctrl+s", regexp.MustCompile(`last [0-9,]+\.[0-9]+`).MatchString)
	if strings.Contains(scr.text(at), "Place LIMIT BUY") {
		t.Fatal("ctrl+s offered to place an order the rules refuse")
	}
	c.send("\x1b")
	scr.waitText(t, 0, "Discard this order?")
	at = scr.mark()
	c.send("y")
	scr.waitText(t, at, "Watchlist")

	// Watch a symbol the market lists; a malformed one is refused before the market is asked.
	at = scr.mark()
	c.send("+")
	scr.waitText(t, at, "watch symbol:")
	c.send("solusdt\r")
	scr.waitText(t, at, "SOLUSDT added to the watchlist")
	at = scr.mark()
	c.send("+")
	scr.waitText(t, at, "watch symbol:")
	c.send("btc/usd\r")
	scr.waitText(t, at, "not added to the watchlist")
	// Unwatch ETHUSDT (the second row): it asks first.
	at = scr.mark()
	c.send("j")
	scr.waitFor(t, at, "ETHUSDT selected", regexp.MustCompile(`› ETHUSDT`).MatchString)
	c.send("-")
	scr.waitText(t, at, "Remove ETHUSDT from the watchlist?")
	at = scr.mark()
	c.send("y")
	scr.waitText(t, at, "ETHUSDT removed from the watchlist")

	c.send("q")
	c.wait("q")

	// The watchlist edits are kept: the next start watches SOLUSDT and not ETHUSDT.
	c2 := startCockpit(t, bin, home, "QUANTDECK_VAULT_PASSPHRASE=correct horse battery")
	c2.scr.waitText(t, 0, "Watchlist")
	c2.scr.waitFor(t, 0, "SOLUSDT priced after the restart", regexp.MustCompile(`SOLUSDT +[0-9,]+\.[0-9]+`).MatchString)
	if strings.Contains(c2.scr.text(0), "ETHUSDT") {
		t.Fatalf("the unwatched ETHUSDT came back at the next start:\n%s", tail(c2.scr.text(0), 3000))
	}
	c2.send("q")
	c2.wait("q after the restart")
}
