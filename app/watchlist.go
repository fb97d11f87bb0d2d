package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange"
)

// binanceInvalidSymbol is Binance's code for a symbol it does not list.
const binanceInvalidSymbol = -1121

// watchlistCheckTimeout bounds the start-up check of the watchlist: a slow exchange delays the
// start by at most this much, then the check gives way to the stream's own retries.
const watchlistCheckTimeout = 10 * time.Second

// ErrUnknownSymbol means a watchlist symbol is not listed on the configured market.
var ErrUnknownSymbol = errors.New("not listed")

// checkWatchlist asks the market for the rules of every watchlist symbol and refuses the start,
// naming each symbol, when the market says it does not list one.
//
// Refused rather than dropped: the watchlist is what the user just wrote, and a typo there is
// found now, with its name, instead of as a cockpit or a service that quietly lacks a market
// (and bots on it that never get a price). A symbol the exchange halts is still listed and
// passes; delistings are announced weeks ahead. An exchange that cannot be asked (down, rate
// limited) does not stop the start: the check is logged and the stream keeps retrying, so a
// network blink at start never keeps bots stopped.
func checkWatchlist(ctx context.Context, rules exchange.RuleBook, st config.Settings, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, watchlistCheckTimeout)
	defer cancel()
	var unknown []string
	for _, sym := range st.Symbols {
		_, err := rules.Rules(ctx, sym)
		switch {
		case err == nil:
		case notListed(err):
			unknown = append(unknown, sym)
		default:
			log.Warn("could not check a watchlist symbol with the exchange; starting anyway", "symbol", sym, "err", err.Error())
		}
	}
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s: %s is %w on %s: correct it or remove it from the watchlist", config.EnvSymbols, unknown[0], ErrUnknownSymbol, st.Exchange)
	}
	return fmt.Errorf("%s: %s are %w on %s: correct them or remove them from the watchlist", config.EnvSymbols, strings.Join(unknown, ", "), ErrUnknownSymbol, st.Exchange)
}

// notListed reports whether a rules lookup failed because the market does not list the symbol
// (rather than because it could not be asked).
func notListed(err error) bool {
	var ae *exchange.APIError
	if errors.As(err, &ae) {
		return ae.Code == binanceInvalidSymbol
	}
	return errors.Is(err, exchange.ErrFilter)
}
