package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/quantdeck/quantdeck/exchange"
)

// withdrawalHelp says where to switch withdrawals off for a key.
func withdrawalHelp(exchangeName string) string {
	switch exchangeName {
	case "binance":
		return "on binance.com open Account > API Management, choose Edit restrictions for this key and untick Enable Withdrawals, then add it again"
	case "binance-testnet":
		return "on testnet.binance.vision create a key without withdrawal rights, then add it again"
	}
	return "create a key without withdrawal rights on the exchange, then add it again"
}

// shortPerms is describePerms for a table column.
func shortPerms(p exchange.Permissions) string {
	if !p.Checked {
		return "unchecked"
	}
	parts := []string{"no-trade", "no-withdraw", "any-ip"}
	if p.CanTrade {
		parts[0] = "trade"
	}
	if p.CanWithdraw {
		parts[1] = "WITHDRAW"
	}
	if p.IPRestricted {
		parts[2] = "ip-locked"
	}
	return strings.Join(parts, ",")
}

// vetPermissions refuses a key that can withdraw or cannot trade, and describes the rest.
// needConfirm is true when the exchange could not be asked, so the user must vouch for the key.
func vetPermissions(w io.Writer, exchangeName string, p exchange.Permissions) (needConfirm bool, err error) {
	if p.CanWithdraw {
		return false, fmt.Errorf("refusing a key that can withdraw funds: whoever got hold of it could empty the account; %s", withdrawalHelp(exchangeName))
	}
	if p.Checked && !p.CanTrade {
		return false, fmt.Errorf("this key cannot trade: enable spot trading for it in the exchange's API settings, then add it again")
	}
	fmt.Fprintln(w, "Permissions:", describePerms(p))
	if p.Note != "" {
		fmt.Fprintln(w, "Note:", p.Note)
	}
	if p.Checked && !p.IPRestricted && exchangeName != "sim" {
		fmt.Fprintln(w, "Recommended: restrict this key to this machine's IP address in the exchange's API settings.")
	}
	return !p.Checked, nil
}

// describePerms is a short, secret-free summary of a key's permissions.
func describePerms(p exchange.Permissions) string {
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

// checkKey asks the exchange what the key may do, refuses what must be refused and gets the
// user's word when the exchange could not be asked.
func (k *keyTool) checkKey(ctx context.Context, exchangeName string, apiKey, apiSecret []byte, yes bool) (exchange.Permissions, error) {
	checker, err := k.checkerFor(k.st, exchangeName)
	if err != nil {
		return exchange.Permissions{}, err
	}
	perms, err := checker.CheckPermissions(ctx, apiKey, apiSecret)
	if err != nil {
		return exchange.Permissions{}, fmt.Errorf("checking the key with %s: %w", exchangeName, err)
	}
	needConfirm, err := vetPermissions(k.env.Stdout, exchangeName, perms)
	if err != nil || !needConfirm || yes {
		return perms, err
	}
	con := k.console()
	if con == nil {
		return perms, errors.New("the exchange could not confirm what this key may do: check on the exchange that it can trade and cannot withdraw, then run again with --yes")
	}
	ok, err := con.confirm("The exchange could not confirm this key's permissions. Have you checked that it can trade and cannot withdraw?")
	if err != nil {
		return perms, err
	}
	if !ok {
		return perms, errors.New("not stored: unconfirmed permissions")
	}
	return perms, nil
}
