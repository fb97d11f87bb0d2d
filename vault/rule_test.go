package vault

import (
	"context"
	"errors"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

// The vault enforces the exchange permission rule on add and rotate, whatever front end asked.
func TestVaultEnforcesThePermissionRule(t *testing.T) {
	tests := []struct {
		name  string
		perms exchange.Permissions
		want  error
	}{
		{"can withdraw", exchange.Permissions{CanTrade: true, CanWithdraw: true, IPRestricted: true, Checked: true}, exchange.ErrKeyCanWithdraw},
		{"cannot trade", exchange.Permissions{IPRestricted: true, Checked: true}, exchange.ErrKeyCannotTrade},
		{"any IP is only a warning", exchange.Permissions{CanTrade: true, Checked: true}, nil},
		{"unchecked is only a warning", exchange.Permissions{CanTrade: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			v, _, _, _ := createdVault(t)
			_, err := v.AddCredential(ctx, "k", "binance", []byte("KEY1"), []byte("SECRET1"), tt.perms)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("add: err = %v, want %v", err, tt.want)
			}
			if _, err := v.AddCredential(ctx, "r", "binance", []byte("KEY2"), []byte("SECRET2"), simPerms); err != nil {
				t.Fatal(err)
			}
			_, err = v.RotateCredential(ctx, "r", []byte("KEY3"), []byte("SECRET3"), tt.perms)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("rotate: err = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				if got := secretsOf(t, v); got["r"] != "KEY2/SECRET2" || len(got) != 1 {
					t.Fatalf("a refused key changed the vault: %v", got)
				}
			}
		})
	}
}

// The rule is for exchange keys: a credential of another kind is stored without one.
func TestRuleAppliesToExchangeKindsOnly(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "ai", "anthropic", []byte("APIKEY"), []byte("-"), exchange.Permissions{}); err != nil {
		t.Fatalf("non-exchange credential: %v", err)
	}
	if _, err := v.AddCredential(ctx, "bn", "binance", []byte("APIKEY"), []byte("S"), exchange.Permissions{Checked: true}); !errors.Is(err, exchange.ErrKeyCannotTrade) {
		t.Fatalf("exchange credential: %v", err)
	}
}

// A re-check's result is stored with the active version, whatever it says.
func TestRecordCheck(t *testing.T) {
	ctx := context.Background()
	v, _, clk, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "k", "binance", []byte("KEY1"), []byte("SECRET1"), simPerms); err != nil {
		t.Fatal(err)
	}
	clk.Advance(3 * 3600e9)
	now := clk.Now()
	bad := exchange.Permissions{CanTrade: true, CanWithdraw: true, Checked: true, Note: "withdrawals are enabled"}
	if err := v.RecordCheck(ctx, "k", bad); err != nil {
		t.Fatal(err)
	}
	list, err := v.Credentials(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	if c := list[0]; c.Perms != bad || c.CheckedAt == nil || !c.CheckedAt.Equal(now) {
		t.Fatalf("stored %+v checked %v, want %+v at %v", c.Perms, c.CheckedAt, bad, now)
	}
	if err := v.RecordCheck(ctx, "none", bad); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("unknown label: %v", err)
	}
}
