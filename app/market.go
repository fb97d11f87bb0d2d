package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// NewMarket builds the configured price source; bc is used when it is Binance.
func NewMarket(st config.Settings, bc binance.Config) (Market, error) {
	switch st.Exchange {
	case "sim":
		return sim.New(sim.Options{Symbols: st.Symbols, Seed: st.SimSeed, Speed: st.SimSpeed}), nil
	case "binance", "binance-testnet":
		return binance.New(bc)
	}
	return nil, fmt.Errorf("unknown exchange %q", st.Exchange)
}

// PublicBinanceConfig is the configuration of a Binance client without a key.
func PublicBinanceConfig(st config.Settings) binance.Config {
	return binance.Config{Name: st.Exchange, RESTURL: st.RESTURL, WSURL: st.WSURL, WSAPIURL: st.WSAPIURL}
}

func (a *App) binanceConfig(creds exchange.Credentials) binance.Config {
	bc := PublicBinanceConfig(a.Settings)
	bc.Creds, bc.Logger, bc.Limits = creds, a.Log, a.limits
	return bc
}

// newChecker returns what asks the configured exchange what a key may do. A Binance check
// shares the process's request budget: Binance counts weight and bans per IP, so a key check
// sent during a ban would only prolong it.
func (a *App) newChecker() exchange.PermissionChecker {
	switch a.Settings.Exchange {
	case "binance", "binance-testnet":
		return binance.NewPermissionChecker(a.binanceConfig(nil))
	}
	checker, err := PermissionChecker(a.Settings, a.Settings.Exchange)
	if err != nil {
		return nil
	}
	return checker
}

// PermissionChecker returns what asks exchangeName what a key may do.
func PermissionChecker(st config.Settings, exchangeName string) (exchange.PermissionChecker, error) {
	switch exchangeName {
	case "sim":
		return SimChecker{}, nil
	case "binance", "binance-testnet":
		bc := PublicBinanceConfig(st)
		bc.Name = exchangeName
		if exchangeName != st.Exchange {
			// Endpoint overrides belong to the configured exchange, not to this one.
			bc.RESTURL, bc.WSURL = "", ""
		}
		return binance.NewPermissionChecker(bc), nil
	}
	return nil, fmt.Errorf("unknown exchange %q: use one of %s", exchangeName, strings.Join(config.Exchanges, ", "))
}

// SimChecker accepts any key: the simulated exchange moves no real money.
type SimChecker struct{}

// CheckPermissions implements exchange.PermissionChecker.
func (SimChecker) CheckPermissions(context.Context, []byte, []byte) (exchange.Permissions, error) {
	return exchange.Permissions{CanTrade: true, Checked: true, Note: "simulated exchange: no real money"}, nil
}
