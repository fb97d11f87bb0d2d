package exchange

import (
	"errors"
	"fmt"
)

// The one rule for which exchange keys QuantDeck accepts. The vault enforces it when a key is
// stored or rotated, the runtime applies it again when it re-checks live keys, and the front
// ends only phrase its verdict: a key that can move funds off the exchange is worth stealing,
// and one that cannot trade is of no use to a bot.

// Reasons a key is refused, matched with errors.Is.
var (
	// ErrKeyCanWithdraw: the key may withdraw funds from the account.
	ErrKeyCanWithdraw = errors.New("the key can withdraw funds")
	// ErrKeyCannotTrade: the exchange says the key may not place spot orders.
	ErrKeyCannotTrade = errors.New("the key cannot trade")
)

// KeyWarning is something about an accepted key that the user should hear about.
type KeyWarning string

// Warnings a verdict can carry.
const (
	// WarnNoIPRestriction: the key works from any IP address; restricting it to this
	// machine's address is recommended.
	WarnNoIPRestriction KeyWarning = "no-ip-restriction"
	// WarnUnchecked: the exchange could not report the key's permissions (the Binance
	// testnet cannot), so the user must vouch that withdrawals are off.
	WarnUnchecked KeyWarning = "unchecked"
)

// KeyVerdict is what the rule says about a key.
type KeyVerdict struct {
	// Refused is nil for a key QuantDeck may use; otherwise it wraps ErrKeyCanWithdraw or
	// ErrKeyCannotTrade.
	Refused error
	// Warnings are what the user should hear about an accepted key, in a fixed order.
	Warnings []KeyWarning
}

// Warns reports whether the verdict carries w.
func (v KeyVerdict) Warns(w KeyWarning) bool {
	for _, x := range v.Warnings {
		if x == w {
			return true
		}
	}
	return false
}

// Verdict applies the rule: a key that can withdraw is refused; a key the exchange says cannot
// trade is refused; a key without IP restriction is accepted with a warning. Permissions the
// exchange could not report are accepted with a warning (the caller asks the user to confirm),
// unless what is known already refuses them. An answer that does not say what the key may do
// (Unanswered) is refused.
func (p Permissions) Verdict() KeyVerdict {
	switch {
	case p.Unanswered:
		return KeyVerdict{Refused: fmt.Errorf("%w: whether it can withdraw is not known", ErrPermissionsUnknown)}
	case p.CanWithdraw:
		return KeyVerdict{Refused: fmt.Errorf("%w: whoever got hold of it could empty the account", ErrKeyCanWithdraw)}
	case p.Checked && !p.CanTrade:
		return KeyVerdict{Refused: fmt.Errorf("%w: the exchange does not allow it to place spot orders", ErrKeyCannotTrade)}
	case !p.Checked:
		return KeyVerdict{Warnings: []KeyWarning{WarnUnchecked}}
	case !p.IPRestricted:
		return KeyVerdict{Warnings: []KeyWarning{WarnNoIPRestriction}}
	}
	return KeyVerdict{}
}

// ErrPermissionsUnknown: the exchange answered, but the answer does not say whether the key
// can withdraw or trade. Such a key is refused like one that can withdraw: silence is not a no.
var ErrPermissionsUnknown = errors.New("the exchange's answer does not say what the key may do")
