package app

import (
	"context"
	"errors"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

// keyCheckTimeout bounds one key's permission check, so an exchange that does not answer at
// start delays resuming the bots by at most this much per key.
const keyCheckTimeout = 15 * time.Second

// keyRecheck asks the exchange again what each stored live key may do: at every start (before
// the bots resume) and every interval while running. A key found unsafe (it can now withdraw,
// can no longer trade, or the answer does not say) pauses its live bots; the result is stored
// with the key for `keys list`.
type keyRecheck struct {
	a        *App
	interval time.Duration
	after    func(time.Duration) <-chan time.Time // time.After; tests drive it
}

func newKeyRecheck(a *App, after func(time.Duration) <-chan time.Time) *keyRecheck {
	interval := a.Settings.KeyCheckInterval
	if interval <= 0 {
		interval = config.DefaultKeyCheckInterval
	}
	if after == nil {
		after = time.After
	}
	return &keyRecheck{a: a, interval: interval, after: after}
}

// loop re-checks every interval until ctx ends, while the vault is unlocked (a sealed vault
// lends no key to check with; the next unlock checks anyway).
func (k *keyRecheck) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.after(k.interval):
		}
		if k.a.Vault.Unlocked() {
			k.checkAll(ctx)
		}
	}
}

// checkAll re-checks every active key for the configured exchange and returns the labels it
// found unsafe. Failures to ask are logged and leave the stored result as it was.
func (k *keyRecheck) checkAll(ctx context.Context) []string {
	rt := k.a
	if rt.Checker == nil || rt.Settings.Exchange == "sim" {
		return nil // the simulated market has no live bots and no keys worth checking
	}
	creds, err := rt.Vault.Credentials(ctx)
	if err != nil {
		rt.Log.Warn("keys: listing keys to re-check them", "err", err.Error())
		return nil
	}
	var unsafe []string
	for _, c := range creds {
		if !c.Active() || c.Exchange != rt.Settings.Exchange || vault.IsService(c.Exchange) {
			continue
		}
		if k.checkOne(ctx, c.Label) {
			unsafe = append(unsafe, c.Label)
		}
	}
	return unsafe
}

// checkOne re-checks one key and reports whether it was found unsafe.
func (k *keyRecheck) checkOne(ctx context.Context, label string) bool {
	rt := k.a
	cctx, cancel := context.WithTimeout(ctx, keyCheckTimeout)
	defer cancel()
	var perms exchange.Permissions
	err := rt.Vault.Lender(label).Use(cctx, func(apiKey, apiSecret []byte) error {
		var err error
		perms, err = rt.Checker.CheckPermissions(cctx, apiKey, apiSecret)
		return err
	})
	var refused error
	switch {
	case errors.Is(err, exchange.ErrPermissionsUnknown):
		refused = err
		// Stored, so `keys list` marks the key and starting its bots is refused until an
		// answer says what the key may do.
		unknown := exchange.Permissions{Checked: true, Unanswered: true, Note: "the exchange's answer did not say whether it can withdraw or trade"}
		if err := rt.Vault.RecordCheck(ctx, label, unknown); err != nil {
			rt.Log.Warn("keys: storing a key's re-check", "label", label, "err", err.Error())
		}
	case err != nil:
		rt.Log.Warn("keys: could not re-check a key's permissions; keeping the last result", "label", label, "err", err.Error())
		return false
	default:
		if err := rt.Vault.RecordCheck(ctx, label, perms); err != nil {
			rt.Log.Warn("keys: storing a key's re-check", "label", label, "err", err.Error())
		}
		refused = perms.Verdict().Refused
	}
	if refused == nil {
		rt.Log.Info("keys: re-checked", "label", label, "permissions", DescribePerms(perms))
		return false
	}
	reason := recheckReason(refused)
	rt.Log.Error("keys: a live key is unsafe; pausing its live bots", "label", label, "reason", reason)
	rt.Engine.PauseLiveBots(ctx, label, reason)
	return true
}

// RecheckKeys asks the exchange now what each stored live key may do, pauses the live bots of
// every key found unsafe and returns those keys' labels. Resume does it before any bot
// resumes, and the host does it every QUANTDECK_KEY_CHECK_INTERVAL while the vault is open.
func (a *App) RecheckKeys(ctx context.Context) []string {
	if a.keyCheck == nil {
		return nil
	}
	return a.keyCheck.checkAll(ctx)
}

// recheckReason phrases why a key found unsafe pauses its bots, for the cockpit and the log.
func recheckReason(refused error) string {
	switch {
	case errors.Is(refused, exchange.ErrKeyCanWithdraw):
		return "the exchange now reports that this key CAN WITHDRAW funds; turn withdrawals off (or make a new key) and rotate it"
	case errors.Is(refused, exchange.ErrKeyCannotTrade):
		return "the exchange now reports that this key cannot trade; enable spot trading for it and rotate it"
	case errors.Is(refused, exchange.ErrPermissionsUnknown):
		return "the exchange's answer no longer says whether this key can withdraw; check it on the exchange"
	}
	return refused.Error()
}
