package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

func keysHarness(t *testing.T) *harness {
	t.Helper()
	snap := testSnapshot(2, 3, 0)
	old := fixedNow.Add(-120 * 24 * time.Hour)
	checked := fixedNow.Add(-24 * time.Hour)
	v := &fakeVault{exists: true, unlocked: true, pass: "the right passphrase", creds: []vault.Credential{
		{ID: 1, Label: "main", Exchange: "binance", CreatedAt: old, CheckedAt: &checked, Perms: exchange.Permissions{CanTrade: true, IPRestricted: true, Checked: true}},
		{ID: 2, Label: "fresh", Exchange: "binance", CreatedAt: fixedNow.Add(-12 * time.Hour)},
	}}
	h := newHarness(t, snap, v)
	h.m.com.Exchange = "binance" // the keys above belong to this session's exchange
	h.keys("r")
	return h
}

func TestKeysList(t *testing.T) {
	h := keysHarness(t)
	h.wantView("Keys & rotation", "main", "120d", "trade ✓ · withdraw off ✓ · IP locked ✓ · ⚠ over 90 days old: rotate (R)", "fresh", "<1d", "not checked · active")
	h.keys("esc")
	if h.m.screen != scrDashboard {
		t.Fatal("esc did not leave the keys")
	}
}

func TestKeysAdd(t *testing.T) {
	tests := []struct {
		name    string
		perms   exchange.Permissions
		err     error
		confirm bool
		want    string
		saved   bool
	}{
		{"trade-only key is saved", exchange.Permissions{CanTrade: true, Checked: true}, nil, false, "key new added", true},
		{"withdrawals refused", exchange.Permissions{CanTrade: true, CanWithdraw: true, Checked: true}, nil, false, "this key can WITHDRAW funds, so QuantDeck refuses it", false},
		{"no trading refused", exchange.Permissions{Checked: true}, nil, false, "this key cannot trade", false},
		{"exchange refuses the key", exchange.Permissions{}, exchange.ErrAuth, false, "the exchange refused the key", false},
		{"unchecked asks first", exchange.Permissions{CanTrade: true, Note: "the testnet cannot report permissions"}, nil, true, "key new added", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := keysHarness(t)
			h.checker.perms, h.checker.err = tc.perms, tc.err
			h.keys("a", "tab") // an exchange key: on to its label
			h.wantView("Add a key", "withdrawals OFF")
			h.typeText("new")
			h.wantView("Exchange", "binance")
			h.keys("tab")
			h.typeText(" AKIA-public-key-123 ")
			h.keys("tab")
			h.typeText("s3cr3t-value-xyz")
			h.wantNotView("AKIA-public-key-123", "s3cr3t-value-xyz")
			h.wantView("21 characters", "16 characters")
			h.keys("enter")
			if tc.confirm {
				h.wantView("could not be checked", "the testnet cannot report permissions", "withdrawals are OFF")
				h.keys("y")
			}
			h.wantView(tc.want)
			creds, _ := h.vault.Credentials(context.Background())
			if saved := len(creds) == 3; saved != tc.saved {
				t.Fatalf("saved = %v, want %v", saved, tc.saved)
			}
			if tc.saved && creds[2].Perms != tc.perms {
				t.Fatalf("stored perms %+v, want %+v", creds[2].Perms, tc.perms)
			}
			if tc.saved && creds[2].Exchange != "binance" {
				t.Fatalf("stored for %q, want the session's exchange binance (the one its checker asked)", creds[2].Exchange)
			}
			if len(h.checker.got) != 1 || h.checker.got[0] != "AKIA-public-key-123" {
				t.Fatalf("checker got %q", h.checker.got)
			}
			if v := h.View(); strings.Contains(v, "s3cr3t") || strings.Contains(v, "AKIA") {
				t.Fatal("key material reached the screen")
			}
		})
	}
}

func TestKeysRotate(t *testing.T) {
	h := keysHarness(t)
	h.m.snap.Bots[0].Config.KeyLabel = "main"
	h.m.snap.Bots[1].Config.KeyLabel = "main"
	h.m.snap.Bots[2].Config.KeyLabel = "other"
	h.checker.perms = exchange.Permissions{CanTrade: true, Checked: true, IPRestricted: true}
	h.keys("down", "R") // keys are listed by label: fresh, then main
	h.wantView("Rotate main", "120d old · used by 2 bots", "signed test call", "switches to it at once")
	h.typeText("NEWKEY")
	h.keys("enter")
	h.typeText("NEWSECRET")
	h.keys("enter")
	h.wantView(`Key "main" rotated: 2 bots now sign with the new key`, "DELETE IT ON THE EXCHANGE")
	creds, _ := h.vault.Credentials(context.Background())
	if len(creds) != 3 || creds[0].Active() || !creds[2].Active() {
		t.Fatalf("rotation did not retire the old version and add the new one: %+v", creds)
	}
	// main's active version is listed before its retired one.
	v := h.View()
	active, retired := strings.Index(v, "active ·"), strings.Index(v, "retired 2026-11-28: delete it on the exchange")
	if strings.Count(v, "main") < 2 || active < 0 || retired < 0 || strings.Index(v, "› main") > retired {
		t.Fatalf("the list does not show main's active version before its retired one:\n%s", v)
	}
	h.keys("esc")
	h.wantNotView("DELETE IT ON THE EXCHANGE")
	if h.m.screen != scrKeys {
		t.Fatal("the first esc should only dismiss the reminder")
	}
}

func TestKeysRotateRefusesRetired(t *testing.T) {
	h := keysHarness(t)
	t0 := fixedNow
	h.vault.creds[0].RetiredAt = &t0 // main, listed after fresh
	h.keys("esc", "r")               // read the list again
	h.keys("down", "R")
	h.wantView("select an active key to rotate")
}

func TestKeysChangePassphrase(t *testing.T) {
	h := keysHarness(t)
	h.keys("p")
	h.wantView("Change the vault passphrase")
	h.typeText("wrong one")
	h.keys("tab")
	h.typeText("a brand new passphrase")
	h.keys("tab")
	h.typeText("a brand new passphrase")
	h.keys("enter")
	h.wantView("the current passphrase is wrong (1 attempt in a row;", "1.0s)")
	// The current passphrase was used up by the attempt; the new one stays typed.
	h.wantView("› Current")
	if v := h.View(); strings.Count(v, strings.Repeat("•", 22)) != 2 {
		t.Fatalf("a wrong current passphrase dropped the new passphrase fields:\n%s", v)
	}
	h.wantView("enter next / continue", "esc cancel")
	h.wantNotView("enter open")

	h.keys("esc", "p")
	h.typeText("the right passphrase")
	h.keys("tab")
	h.typeText("short")
	h.keys("enter", "enter")
	h.wantView("the new passphrase is too short")
	h.keys("ctrl+u")
	h.typeText("a brand new passphrase")
	h.keys("tab")
	h.typeText("a brand new passphrasE")
	h.keys("enter")
	h.wantView("the two new passphrases differ")
	h.typeText("a brand new passphrase")
	h.keys("enter")
	h.wantView("passphrase changed: every key was re-encrypted")
	if h.vault.pass != "a brand new passphrase" {
		t.Fatal("the vault's passphrase did not change")
	}
	h.keys("p")
	h.wantNotView("•")
}

func TestKeysSaveFailure(t *testing.T) {
	h := keysHarness(t)
	h.checker.perms = exchange.Permissions{CanTrade: true, Checked: true}
	h.keys("a", "tab")
	h.typeText("main") // already exists
	h.keys("tab")
	h.typeText("k")
	h.keys("tab")
	h.typeText("s")
	h.keys("enter")
	h.wantView("could not save the key", "already exists")
}

// TestKeysBelongToTheSessionsExchange: the permission check speaks to the exchange this cockpit
// runs on, so a key is added for that exchange only, and a key of another exchange is not
// rotated here (the check would vouch for a key it never saw on its exchange).
func TestKeysBelongToTheSessionsExchange(t *testing.T) {
	h := keysHarness(t)
	h.m.com.Exchange = "sim"
	h.checker.perms = exchange.Permissions{CanTrade: true, Checked: true, Note: "simulated exchange"}

	h.keys("down", "R")
	h.wantView("main is a binance key and this cockpit runs on sim: rotate it", "with quantdeck keys rotate --label main")
	h.wantNotView("Rotate main")

	h.keys("a", "tab")
	h.wantView("Exchange", "sim", "this cockpit's")
	h.typeText("paper")
	h.keys("left", "right", "tab") // no exchange choice to cycle: tab goes to the key
	h.typeText("k")
	h.keys("tab")
	h.typeText("s")
	h.keys("enter")
	h.wantView("key paper added")
	creds, _ := h.vault.Credentials(context.Background())
	if got := creds[len(creds)-1]; got.Label != "paper" || got.Exchange != "sim" {
		t.Fatalf("added %q for %q, want paper for sim", got.Label, got.Exchange)
	}
	if len(h.checker.got) != 1 || h.checker.got[0] != "k" {
		t.Fatalf("checker got %q, want the one added key", h.checker.got)
	}
}

// TestWrongCurrentPassphraseKeepsTheNewOne: only the current passphrase is typed again after a
// wrong one; the new passphrase and its repeat stay, and are what the vault then takes.
func TestWrongCurrentPassphraseKeepsTheNewOne(t *testing.T) {
	h := keysHarness(t)
	h.keys("p")
	h.typeText("wrong one")
	h.keys("tab")
	h.typeText("a brand new passphrase")
	h.keys("tab")
	h.typeText("a brand new passphrase")
	h.keys("enter")
	h.wantView("the current passphrase is wrong", "› Current")
	if v := h.View(); strings.Count(v, strings.Repeat("•", 22)) != 2 {
		t.Fatalf("a wrong current passphrase dropped the new passphrase fields:\n%s", v)
	}
	h.typeText("the right passphrase")
	h.keys("enter", "enter", "enter")
	h.wantView("passphrase changed")
	if h.vault.pass != "a brand new passphrase" {
		t.Fatalf("the vault took %q, want the kept new passphrase", h.vault.pass)
	}
}
