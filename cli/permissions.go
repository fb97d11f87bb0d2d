package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/quantdeck/quantdeck/app"
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
	if p.Unanswered {
		return "UNKNOWN"
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

// refusalText phrases the rule's refusal of a key (exchange.Permissions.Verdict) for the
// command line: what is wrong and where to fix it.
func refusalText(exchangeName string, refused error) string {
	switch {
	case errors.Is(refused, exchange.ErrKeyCanWithdraw):
		return "refusing a key that can withdraw funds: whoever got hold of it could empty the account; " + withdrawalHelp(exchangeName)
	case errors.Is(refused, exchange.ErrKeyCannotTrade):
		return "this key cannot trade: enable spot trading for it in the exchange's API settings, then add it again"
	case errors.Is(refused, exchange.ErrPermissionsUnknown):
		return "the exchange's answer does not say whether this key can withdraw or trade, so it is refused; check the key on the exchange and try again later"
	}
	return refused.Error()
}

// vetPermissions phrases the rule's verdict on a key: a refusal becomes the error, warnings are
// printed. needConfirm is true when the exchange could not be asked, so the user must vouch for
// the key. The vault enforces the same rule when the key is stored.
func vetPermissions(w io.Writer, exchangeName string, p exchange.Permissions) (needConfirm bool, err error) {
	v := p.Verdict()
	if v.Refused != nil {
		return false, errors.New(refusalText(exchangeName, v.Refused))
	}
	fmt.Fprintln(w, "Permissions:", app.DescribePerms(p))
	if p.Note != "" {
		fmt.Fprintln(w, "Note:", p.Note)
	}
	// A simulated key reaches nothing outside this process: its IP does not matter.
	if v.Warns(exchange.WarnNoIPRestriction) && exchangeName != "sim" {
		fmt.Fprintln(w, "Recommended: restrict this key to this machine's IP address in the exchange's API settings.")
	}
	return v.Warns(exchange.WarnUnchecked), nil
}

// checkKey asks the exchange what the key may do, refuses what must be refused and gets the
// user's word when the exchange could not be asked.
func (k *keyTool) checkKey(ctx context.Context, exchangeName string, apiKey, apiSecret []byte, yes bool) (exchange.Permissions, error) {
	checker, err := k.checkerFor(k.st, exchangeName)
	if err != nil {
		return exchange.Permissions{}, err
	}
	perms, err := checker.CheckPermissions(ctx, apiKey, apiSecret)
	if errors.Is(err, exchange.ErrPermissionsUnknown) {
		return exchange.Permissions{}, errors.New(refusalText(exchangeName, err))
	}
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
