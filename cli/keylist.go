package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

func (k *keyTool) list(ctx context.Context, args []string) error {
	fs := k.flags("keys list", "keys list [--json]")
	asJSON := fs.Bool("json", false, "print the keys as a JSON array (never a secret)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs, "keys list"); err != nil {
		return err
	}
	closeAll, err := k.open(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := k.v.Credentials(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeKeyJSON(k.env.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(k.env.Stdout, "No keys stored. Add one with: quantdeck keys add --label NAME --exchange sim|binance|binance-testnet")
		return nil
	}
	writeKeyTable(k.env.Stdout, list, time.Now())
	return nil
}

// keyVerdict is the rule's verdict on a stored key's last check, for display. Retired versions
// and service keys have none.
func keyVerdict(c vault.Credential) (exchange.KeyVerdict, bool) {
	if !c.Active() || vault.IsService(c.Exchange) {
		return exchange.KeyVerdict{}, false
	}
	return c.Perms.Verdict(), true
}

// writeKeyTable prints key metadata, oldest version first per label, in under 80 columns, and
// under it what to do about any key the last check found unsafe. Never any secret.
func writeKeyTable(w io.Writer, list []vault.Credential, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tEXCHANGE\tAGE\tSTATUS\tPERMISSIONS\tCHECKED\tUSED")
	var unsafe []string
	for _, c := range list {
		status := "active"
		if !c.Active() {
			status = "retired"
		}
		if v, ok := keyVerdict(c); ok && v.Refused != nil {
			status = "UNSAFE"
			unsafe = append(unsafe, fmt.Sprintf("! %s: %s", c.Label, unsafeAdvice(c.Label, v.Refused)))
		}
		perms := shortPerms(c.Perms)
		if vault.IsService(c.Exchange) {
			perms = "n/a (AI key)" // a service key has no exchange permissions to check
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Label, c.Exchange, age(now.Sub(c.CreatedAt)), status,
			perms, since(now, c.CheckedAt), since(now, c.LastUsedAt))
	}
	tw.Flush()
	for _, line := range unsafe {
		fmt.Fprintln(w, line)
	}
}

// unsafeAdvice says what an unsafe key means and how to fix it.
func unsafeAdvice(label string, refused error) string {
	switch {
	case errors.Is(refused, exchange.ErrKeyCanWithdraw):
		return fmt.Sprintf("the exchange reports this key CAN WITHDRAW; its live bots are paused. Turn withdrawals off on the exchange (or make a new key), then `quantdeck keys rotate --label %s`.", label)
	case errors.Is(refused, exchange.ErrKeyCannotTrade):
		return fmt.Sprintf("the exchange reports this key cannot trade; its live bots are paused. Enable spot trading for it, then `quantdeck keys rotate --label %s`.", label)
	case errors.Is(refused, exchange.ErrPermissionsUnknown):
		return "the exchange's last answer did not say whether this key can withdraw or trade; its live bots are paused. Check the key on the exchange; the next start checks it again."
	}
	return refused.Error()
}

// keyJSON is one key version in `keys list --json`. Never any key material.
type keyJSON struct {
	Label       string     `json:"label"`
	Exchange    string     `json:"exchange"`
	Version     int64      `json:"version"`
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at"`
	RetiredAt   *time.Time `json:"retired_at"`
	CheckedAt   *time.Time `json:"checked_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	Permissions permsJSON  `json:"permissions"`
	// Verdict is the key rule on the last check: "ok", "warn", "unsafe", or "" for retired
	// versions and service keys.
	Verdict  string   `json:"verdict"`
	Reason   string   `json:"reason,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

type permsJSON struct {
	CanTrade     bool   `json:"can_trade"`
	CanWithdraw  bool   `json:"can_withdraw"`
	IPRestricted bool   `json:"ip_restricted"`
	Checked      bool   `json:"checked"`
	Unanswered   bool   `json:"unanswered"` // the last answer did not say what the key may do
	Note         string `json:"note,omitempty"`
}

func writeKeyJSON(w io.Writer, list []vault.Credential) error {
	out := make([]keyJSON, 0, len(list))
	for _, c := range list {
		kj := keyJSON{
			Label: c.Label, Exchange: c.Exchange, Version: c.ID, Active: c.Active(),
			CreatedAt: c.CreatedAt, RetiredAt: c.RetiredAt, CheckedAt: c.CheckedAt, LastUsedAt: c.LastUsedAt,
			Permissions: permsJSON{CanTrade: c.Perms.CanTrade, CanWithdraw: c.Perms.CanWithdraw,
				IPRestricted: c.Perms.IPRestricted, Checked: c.Perms.Checked, Unanswered: c.Perms.Unanswered, Note: c.Perms.Note},
		}
		if v, ok := keyVerdict(c); ok {
			switch {
			case v.Refused != nil:
				kj.Verdict, kj.Reason = "unsafe", v.Refused.Error()
			case len(v.Warnings) > 0:
				kj.Verdict = "warn"
			default:
				kj.Verdict = "ok"
			}
			for _, x := range v.Warnings {
				kj.Warnings = append(kj.Warnings, string(x))
			}
		}
		out = append(out, kj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// since is the age of an optional time, "-" when there is none.
func since(now time.Time, t *time.Time) string {
	if t == nil {
		return "-"
	}
	return age(now.Sub(*t))
}

// age is a short human duration: now, 5m, 3h, 12d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
