package binance

import (
	"context"
	"fmt"

	"github.com/quantdeck/quantdeck/exchange"
)

// restrictionsResp is GET /sapi/v1/account/apiRestrictions. The fields are pointers so that a
// field the answer leaves out is told apart from one that says false: a key whose withdraw flag
// is missing must be refused, never taken as unable to withdraw.
type restrictionsResp struct {
	IPRestrict                 *bool `json:"ipRestrict"`
	EnableReading              *bool `json:"enableReading"`
	EnableWithdrawals          *bool `json:"enableWithdrawals"`
	EnableSpotAndMarginTrading *bool `json:"enableSpotAndMarginTrading"`
}

// permissions turns the answer into exchange.Permissions. The withdraw and trade flags must be
// present; a missing ipRestrict counts as unrestricted (the rule only warns about it).
func (r restrictionsResp) permissions() (exchange.Permissions, error) {
	switch {
	case r.EnableWithdrawals == nil:
		return exchange.Permissions{}, fmt.Errorf("binance: enableWithdrawals is missing: %w", exchange.ErrPermissionsUnknown)
	case r.EnableSpotAndMarginTrading == nil:
		return exchange.Permissions{}, fmt.Errorf("binance: enableSpotAndMarginTrading is missing: %w", exchange.ErrPermissionsUnknown)
	}
	p := exchange.Permissions{
		CanTrade:     *r.EnableSpotAndMarginTrading,
		CanWithdraw:  *r.EnableWithdrawals,
		IPRestricted: r.IPRestrict != nil && *r.IPRestrict,
		Checked:      true,
	}
	switch {
	case p.CanWithdraw:
		p.Note = "withdrawals are enabled on this key: create a key with withdrawals disabled"
	case !p.CanTrade:
		p.Note = "spot trading is not enabled on this key: enable \"Spot & Margin Trading\" for it"
	case !p.IPRestricted:
		p.Note = "the key is not restricted to this machine's IP address: restricting it is recommended"
	}
	return p, nil
}

// permissionChecker asks Binance what a key may do, with the key under test and nothing else.
type permissionChecker struct{ cfg Config }

// NewPermissionChecker returns a checker for keys on cfg's network. cfg.Creds is ignored: each
// check uses the key and secret it is given.
func NewPermissionChecker(cfg Config) exchange.PermissionChecker {
	return &permissionChecker{cfg: cfg}
}

// lentKey lends a key pair that the caller owns; it never copies or keeps it.
type lentKey struct{ key, secret []byte }

func (l lentKey) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	return fn(l.key, l.secret)
}

// CheckPermissions reports whether the key may trade, withdraw, and is IP-restricted. On the
// testnet, which has no /sapi endpoints, it only proves the key works (GET /api/v3/account) and
// returns Checked=false so the caller asks the user to confirm.
func (pc *permissionChecker) CheckPermissions(ctx context.Context, apiKey, apiSecret []byte) (exchange.Permissions, error) {
	cfg := pc.cfg
	cfg.Creds = lentKey{key: apiKey, secret: apiSecret}
	c, err := New(cfg)
	if err != nil {
		return exchange.Permissions{}, err
	}
	if cfg.Name == Testnet {
		var acct accountResp
		var p params
		p.add("omitZeroBalances", "true")
		if err := c.call(ctx, epAccount, p, &acct); err != nil {
			return exchange.Permissions{}, fmt.Errorf("binance: checking the key: %w", err)
		}
		return exchange.Permissions{
			CanTrade: acct.CanTrade,
			Checked:  false,
			Note:     "the Binance testnet cannot report key permissions: the key works, but confirm it has withdrawals disabled",
		}, nil
	}
	var r restrictionsResp
	if err := c.call(ctx, epRestrictions, params{}, &r); err != nil {
		return exchange.Permissions{}, fmt.Errorf("binance: checking the key's permissions: %w", err)
	}
	return r.permissions()
}
