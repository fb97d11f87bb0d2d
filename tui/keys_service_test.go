package tui

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// The Anthropic key is added and rotated through the keys screen against a real vault in a
// temporary directory: one masked field, no exchange permission check, and the key never on
// screen or in the log.

const (
	anthropicKey1 = "sk-ant-api03-FIRSTkeyMaterial0123456789abcdefghijklmnop"
	anthropicKey2 = "sk-ant-api03-SECONDkeyMaterialZYXWVUTSRQPONMLKJIHGFEDC"
)

// realVaultHarness opens the keys screen on a real, unlocked vault; log collects what the
// vault logs.
func realVaultHarness(t *testing.T) (h *harness, v *vault.Vault, log *bytes.Buffer) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log = &bytes.Buffer{}
	// The vault's clock stays at fixedNow (when keys are stored); the cockpit's moves.
	v = vault.New(db, vault.WithMinIterations(1000), vault.WithClock(clock.NewFake(fixedNow)), vault.WithLogger(slog.New(slog.NewTextHandler(log, nil))))
	if err := v.Create(ctx, []byte("a long test passphrase"), 1000); err != nil {
		t.Fatal(err)
	}
	h = newHarnessOn(t, testSnapshot(2, 3, 0), v, nil)
	h.m.com.Exchange = "binance"
	h.everyView = func(view string) {
		for _, secret := range []string{"sk-ant", "FIRSTkey", "SECONDkey", "0123456789abcdef", "ZYXWVUTS"} {
			if strings.Contains(view, secret) {
				t.Fatalf("a frame shows key material %q:\n%s", secret, view)
			}
		}
	}
	h.keys("r")
	return h, v, log
}

// usedKey is what the vault lends for label: the key the Claude client would send.
func usedKey(t *testing.T, v *vault.Vault, label string) string {
	t.Helper()
	var got string
	if err := v.ServiceKey(label).Use(context.Background(), func(k []byte) error { got = string(k); return nil }); err != nil {
		t.Fatalf("lending %s: %v", label, err)
	}
	return got
}

func TestKeysAddAndRotateTheAnthropicKey(t *testing.T) {
	h, v, log := realVaultHarness(t)
	h.wantView("No keys yet", "Anthropic API key")

	h.keys("a")
	h.wantView("› Kind", "[exchange]", "API secret")
	h.keys("right")
	h.wantView("[anthropic]", "the Anthropic API key for the optional Claude analysis", "no exchange permissions to check")
	h.wantNotView("API secret", "Exchange   ")
	h.keys("tab")
	h.wantView("› Label             claude") // suggested, the label the README uses
	h.keys("tab")
	h.wantView("› API key")
	// Typed key by key, then a paste with the spaces a copy often carries.
	h.typeText(" ")
	for _, r := range anthropicKey1[:10] {
		h.typeText(string(r))
	}
	h.typeText(anthropicKey1[10:] + " ")
	h.keys("tab", "tab", "down") // focus stays on the one secret
	h.wantView("› API key", "57 characters")
	h.keys("enter")
	h.wantView("key claude added for the Claude analysis", "claude", "anthropic (AI)", "API key for the Claude analysis · no exchange permissions", "active")
	h.wantNotView("trade ✓", "withdraw", "not checked")
	if len(h.checker.got) != 0 {
		t.Fatalf("the exchange was asked about the Anthropic key: %d checks", len(h.checker.got))
	}
	if got := usedKey(t, v, "claude"); got != anthropicKey1 {
		t.Fatalf("the vault lends %d bytes, want the pasted key without its spaces", len(got))
	}

	h.clk.Advance(24 * time.Hour)
	h.keys("R")
	h.wantView("Rotate claude", "Anthropic API key · 1d old", "the old key is retired: you revoke", "› New API key")
	h.wantNotView("API secret", "signed test call")
	h.typeText(anthropicKey2)
	h.keys("tab") // one field: tab stays on it
	h.keys("enter")
	h.wantView(`Key "claude" rotated: the Claude analysis uses the new key`, "REVOKE IT in the Anthropic console")
	h.keys("esc")
	h.wantView("retired 2026-11-28: revoke it in the Anthropic console")
	if got := usedKey(t, v, "claude"); got != anthropicKey2 {
		t.Fatal("after the rotation the vault does not lend the new key")
	}
	creds, err := v.Credentials(context.Background())
	if err != nil || len(creds) != 2 || creds[0].Active() || !creds[1].Active() {
		t.Fatalf("want the old version retired and the new one active: %+v %v", creds, err)
	}
	if len(h.checker.got) != 0 {
		t.Fatal("the rotation asked the exchange about the Anthropic key")
	}
	for _, secret := range []string{"sk-ant", "FIRSTkey", "SECONDkey"} {
		if strings.Contains(log.String(), secret) {
			t.Fatalf("the log holds key material %q", secret)
		}
	}
}

// TestAnthropicKeyWizardRefusals: the same key again and an empty key are refused with words,
// not the vault's internals, and nothing is stored.
func TestAnthropicKeyWizardRefusals(t *testing.T) {
	h, v, _ := realVaultHarness(t)
	h.keys("a", "right", "tab", "tab", "enter")
	h.wantView("paste the Anthropic API key")
	h.typeText(anthropicKey1)
	h.keys("enter")
	h.wantView("key claude added")
	h.keys("R")
	h.typeText(anthropicKey1)
	h.keys("enter")
	h.wantView("could not save the key", "the same as the current one")
	h.wantNotView("vault:")
	if creds, _ := v.Credentials(context.Background()); len(creds) != 1 {
		t.Fatalf("a refused rotation stored something: %d versions", len(creds))
	}
}
