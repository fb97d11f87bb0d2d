package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/vault"
)

// liveTrader returns the signed Binance client for a credential label, which borrows the
// plaintext per call. There is one per label for the host's life: its order update stream
// runs until Close, so a client built again after the vault is sealed and unlocked would open
// a second stream for the same account and leave the first running.
func (a *App) liveTrader(label string) (exchange.Trader, error) {
	if a.Settings.Exchange == "sim" {
		return nil, errors.New("live trading needs QUANTDECK_EXCHANGE=binance or binance-testnet")
	}
	if !a.Vault.Unlocked() {
		return nil, vault.ErrLocked
	}
	a.tradersMu.Lock()
	defer a.tradersMu.Unlock()
	if t := a.traders[label]; t != nil {
		return t, nil
	}
	c, err := binance.New(a.binanceConfig(a.Vault.Lender(label)))
	if err != nil {
		return nil, err
	}
	// Fills arrive over Binance's WebSocket API when it is reachable; the engine still polls.
	t := c.WithOrderUpdates(a.runCtx)
	if a.traders == nil {
		a.traders = map[string]exchange.Trader{}
	}
	a.traders[label] = t
	return t, nil
}

// LiveTrader is the live client the engine uses for a credential label (built on first use).
func (a *App) LiveTrader(label string) (exchange.Trader, error) { return a.liveTrader(label) }

// keyOK reports whether label names an active credential for this exchange whose last
// permission check allowed trading and refused withdrawals.
func (a *App) keyOK(ctx context.Context, label string) error {
	return LiveKeyOK(ctx, a.Vault, a.Settings.Exchange, label)
}

// LiveKeyOK checks that label names an active key for this exchange whose last permission
// check passes the key rule (exchange.Permissions.Verdict). It reads metadata only.
func LiveKeyOK(ctx context.Context, v *vault.Vault, exchangeName, label string) error {
	if exchangeName == "sim" {
		return errors.New("live bots need QUANTDECK_EXCHANGE=binance or binance-testnet; the simulated market only trades on paper")
	}
	creds, err := v.Credentials(ctx)
	if err != nil {
		return err
	}
	for _, c := range creds {
		if c.Label != label || !c.Active() {
			continue
		}
		if c.Exchange != exchangeName {
			return fmt.Errorf("key %q is for %s, but QuantDeck runs on %s", label, c.Exchange, exchangeName)
		}
		return liveKeyRefusal(label, c.Perms.Verdict().Refused)
	}
	return fmt.Errorf("no active key labelled %q: add one with `quantdeck keys add --label %s`", label, label)
}

// DescribePerms is a short, secret-free summary of a key's permissions.
func DescribePerms(p exchange.Permissions) string {
	if !p.Checked {
		return "unchecked (the exchange could not be asked)"
	}
	parts := []string{"no trading"}
	if p.CanTrade {
		parts[0] = "trade"
	}
	if p.CanWithdraw {
		parts = append(parts, "WITHDRAW")
	} else {
		parts = append(parts, "no withdrawals")
	}
	if p.IPRestricted {
		parts = append(parts, "IP-restricted")
	} else {
		parts = append(parts, "any IP")
	}
	return strings.Join(parts, ", ")
}

// liveKeyRefusal phrases why label's stored permissions keep it from live trading, or nil.
func liveKeyRefusal(label string, refused error) error {
	switch {
	case refused == nil:
		return nil
	case errors.Is(refused, exchange.ErrKeyCanWithdraw):
		return fmt.Errorf("key %q can withdraw: turn withdrawals off on the exchange, then `quantdeck keys rotate --label %s`: %w", label, label, refused)
	case errors.Is(refused, exchange.ErrKeyCannotTrade):
		return fmt.Errorf("key %q may not trade spot: enable spot trading for it on the exchange, then rotate it: %w", label, refused)
	}
	return fmt.Errorf("key %q: %w", label, refused)
}
