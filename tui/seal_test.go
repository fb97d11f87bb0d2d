package tui

import (
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/tui/credentials"
)

// A vault sealed elsewhere (`quantdeck seal`, another SSH session) takes an open cockpit back to
// the unlock screen at the next clock tick, and unlocking again returns to the dashboard without
// a second engine subscription.
func TestSealedVaultReturnsToUnlock(t *testing.T) {
	h := newHarness(t, testSnapshot(2, 2, 5), &fakeVault{exists: true, unlocked: true, pass: "the right passphrase"})
	if h.m.screen != scrDashboard {
		t.Fatalf("screen = %v, want the dashboard", h.m.screen)
	}
	subs := countCalls(h.eng, "Subscribe")
	h.keys("o") // the order ticket is open when the seal happens
	h.vault.mu.Lock()
	h.vault.unlocked = false
	h.vault.mu.Unlock()
	h.fire(clockMsg{})
	if h.m.screen != scrUnlock {
		t.Fatalf("screen = %v after a seal, want the unlock screen", h.m.screen)
	}
	if view := h.m.View(); !strings.Contains(view, "Unlock the vault") {
		t.Fatalf("the unlock screen is not shown:\n%s", view)
	}
	h.keys("x") // keys go to the passphrase field, not to the dashboard's stop binding
	if countCalls(h.eng, "StopBot") != 0 {
		t.Fatal("a dashboard key acted while the vault was sealed")
	}
	h.keys("backspace")
	h.typeText(h.vault.pass)
	h.keys("enter")
	if h.m.screen != scrDashboard {
		t.Fatalf("screen = %v after unlocking again, want the dashboard", h.m.screen)
	}
	if got := countCalls(h.eng, "Subscribe"); got != subs {
		t.Errorf("engine subscriptions %d -> %d: unlocking again subscribed twice", subs, got)
	}
}

// TestSealWipesHalfTypedSecrets: a seal in the middle of the add-key or passphrase wizard
// zeroes what was typed there; nothing secret stays in memory until the keys screen reopens.
func TestSealWipesHalfTypedSecrets(t *testing.T) {
	h := keysHarness(t)
	h.keys("a", "tab")
	h.typeText("label")
	h.keys("tab")
	h.typeText("AKIA-half-typed")
	h.keys("tab")
	h.typeText("secret-half-typed")
	h.vault.mu.Lock()
	h.vault.unlocked = false
	h.vault.mu.Unlock()
	h.fire(clockMsg{})
	if h.m.screen != scrUnlock {
		t.Fatalf("screen = %v after a seal, want the unlock screen", h.m.screen)
	}
	if _, ok := h.m.cur.(*credentials.Screen); ok || h.m.under != nil {
		t.Fatal("the keys wizard survived the seal")
	}
}

func countCalls(f *fakeEngine, prefix string) int {
	n := 0
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}
