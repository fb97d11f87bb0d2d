package vault

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestServiceKeyAddUseRotate(t *testing.T) {
	v, db, _, _ := createdVault(t)
	ctx := context.Background()
	key1 := []byte("sk-ant-api03-first-key-AAAA")
	c, err := v.AddServiceKey(ctx, "claude", "anthropic", key1)
	if err != nil {
		t.Fatalf("AddServiceKey: %v", err)
	}
	if c.Exchange != "anthropic" || !c.Active() {
		t.Fatalf("credential = %+v", c)
	}
	var got []byte
	if err := v.ServiceKey("claude").Use(ctx, func(k []byte) error { got = k; return nil }); err != nil {
		t.Fatalf("Use: %v", err)
	}
	if len(got) != len(key1) || strings.Trim(string(got), "\x00") != "" {
		t.Fatalf("the lent key was not zeroed after Use: %q", got)
	}
	var seen string
	_ = v.ServiceKey("claude").Use(ctx, func(k []byte) error { seen = string(k); return nil })
	if seen != string(key1) {
		t.Fatalf("Use lent %q, want the stored key", seen)
	}
	// The stored row holds no plaintext.
	var rowKey string
	if err := db.QueryRow(`SELECT api_key FROM credentials WHERE label = 'claude'`).Scan(&rowKey); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rowKey, "first-key") {
		t.Fatal("the key is stored in plaintext")
	}

	if _, err := v.RotateServiceKey(ctx, "claude", key1); err == nil {
		t.Fatal("rotating to the same key was accepted")
	}
	key2 := []byte("sk-ant-api03-second-key-BBBB")
	if _, err := v.RotateServiceKey(ctx, "claude", key2); err != nil {
		t.Fatalf("RotateServiceKey: %v", err)
	}
	_ = v.ServiceKey("claude").Use(ctx, func(k []byte) error { seen = string(k); return nil })
	if seen != string(key2) {
		t.Fatalf("after rotation Use lent %q, want the new key", seen)
	}
	list, err := v.Credentials(ctx)
	if err != nil || len(list) != 2 || list[0].Active() || !list[1].Active() {
		t.Fatalf("Credentials = %+v, %v; want one retired and one active version", list, err)
	}
}

func TestServiceKeyAndExchangeKeyStayApart(t *testing.T) {
	v, _, _, _ := createdVault(t)
	ctx := context.Background()
	if _, err := v.AddCredential(ctx, "binance-main", "binance", []byte("EXCHANGEKEY"), []byte("EXCHANGESECRET"), exchange.Permissions{}); err != nil {
		t.Fatal(err)
	}
	called := false
	err := v.ServiceKey("binance-main").Use(ctx, func([]byte) error { called = true; return nil })
	if !errors.Is(err, ErrNotService) || called {
		t.Fatalf("lending an exchange key as a service key: err %v, called %v; want ErrNotService and no call", err, called)
	}
	if _, err := v.RotateServiceKey(ctx, "binance-main", []byte("NEWKEY")); !errors.Is(err, ErrNotService) {
		t.Fatalf("rotating an exchange key as a service key: %v, want ErrNotService", err)
	}
	cases := []struct {
		name, label, service string
		key                  []byte
	}{
		{"not a service", "x", "binance", []byte("k")},
		{"empty key", "x", "anthropic", nil},
		{"bad label", "a b", "anthropic", []byte("k")},
		{"label taken", "binance-main", "anthropic", []byte("k")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v.AddServiceKey(ctx, tc.label, tc.service, tc.key); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestServiceKeyNeedsUnlockedVault(t *testing.T) {
	v, _, _, _ := createdVault(t)
	ctx := context.Background()
	if _, err := v.AddServiceKey(ctx, "claude", "anthropic", []byte("sk-ant-x")); err != nil {
		t.Fatal(err)
	}
	v.Seal()
	if err := v.ServiceKey("claude").Use(ctx, func([]byte) error { return nil }); !errors.Is(err, ErrLocked) {
		t.Fatalf("Use on a sealed vault: %v, want ErrLocked", err)
	}
	if err := v.ServiceKey("nope").Use(ctx, func([]byte) error { return nil }); !errors.Is(err, ErrLocked) {
		t.Fatalf("Use of a missing label on a sealed vault: %v, want ErrLocked", err)
	}
}

func TestServiceKeySurvivesPassphraseChange(t *testing.T) {
	v, _, _, _ := createdVault(t)
	ctx := context.Background()
	if _, err := v.AddServiceKey(ctx, "claude", "anthropic", []byte("sk-ant-keep")); err != nil {
		t.Fatal(err)
	}
	if err := v.ChangePassphrase(ctx, testPass, []byte("another long passphrase"), testIter); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	var seen string
	if err := v.ServiceKey("claude").Use(ctx, func(k []byte) error { seen = string(k); return nil }); err != nil || seen != "sk-ant-keep" {
		t.Fatalf("after a passphrase change: %q, %v", seen, err)
	}
}

func TestExchangeLenderRefusesAServiceKey(t *testing.T) {
	v, _, _, _ := createdVault(t)
	ctx := context.Background()
	if _, err := v.AddServiceKey(ctx, "claude", "anthropic", []byte("sk-ant-never-to-an-exchange")); err != nil {
		t.Fatal(err)
	}
	called := false
	err := v.Lender("claude").Use(ctx, func(_, _ []byte) error { called = true; return nil })
	if !errors.Is(err, ErrNotService) || called {
		t.Fatalf("exchange lender of a service key: %v, called %v; want ErrNotService and no call", err, called)
	}
}

func TestServiceKeyRecordsItsLastUse(t *testing.T) {
	v, _, clk, _ := createdVault(t)
	ctx := context.Background()
	if _, err := v.AddServiceKey(ctx, "claude", "anthropic", []byte("sk-ant-api03-used-key-CCCC")); err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		list, err := v.Credentials(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("Credentials = %+v, %v", list, err)
		}
		return list[0].LastUsedAt
	}
	if got := lastUsed(); got != nil {
		t.Fatalf("a key never lent has a last use: %v", got)
	}
	l := v.ServiceKey("claude")
	clk.Advance(time.Hour)
	if err := l.Use(ctx, func([]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); got == nil || !got.Equal(clk.Now()) {
		t.Fatalf("last use %v, want %v", got, clk.Now())
	}
}
