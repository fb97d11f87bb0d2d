package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

func TestUnlockCreatesAVault(t *testing.T) {
	v := &fakeVault{}
	h := newHarness(t, testSnapshot(2, 1, 0), v)
	h.wantView("Create the vault", "at least 12 characters", "0 of 12 characters at least")

	h.typeText("zqxjv")
	h.keys("enter")
	h.wantView("too short: use at least 12 characters (5 typed)")
	h.wantNotView("zqxjv") // the passphrase is never echoed

	h.keys("ctrl+u")
	h.typeText("correct horse battery")
	h.wantView("✓ long enough", "•••••")
	h.keys("enter")
	h.wantView("type it again to be sure")
	h.typeText("correct horse batterY")
	h.keys("enter")
	h.wantView("the two passphrases differ: type it again")
	if v.exists {
		t.Fatal("a vault was created from two different passphrases")
	}

	h.typeText("correct horse battery")
	h.keys("enter")
	h.typeText("correct horse battery")
	h.keys("enter")
	if !v.exists || v.pass != "correct horse battery" {
		t.Fatalf("vault not created with the passphrase (exists=%v)", v.exists)
	}
	if h.resumed != 1 {
		t.Fatalf("OnUnlock ran %d times, want once", h.resumed)
	}
	if h.m.screen != scrDashboard || !h.waiting {
		t.Fatalf("after creating the vault: screen %v, subscribed %v; want the dashboard reading events", h.m.screen, h.waiting)
	}
}

func TestUnlockWrongPassphraseShowsTheDelay(t *testing.T) {
	v := &fakeVault{exists: true, pass: "the right passphrase"}
	h := newHarness(t, testSnapshot(2, 1, 0), v)
	h.wantView("Unlock the vault")

	h.typeText("not the passphrase")
	h.keys("enter")
	h.wantView("✗ wrong passphrase", "1 wrong attempt in a row.", "The next try waits 0.5s.")
	if !bytes.Equal(v.lastPass, make([]byte, len(v.lastPass))) {
		t.Fatal("the passphrase buffer handed to Unlock was not zeroed afterwards")
	}
	if h.m.screen != scrUnlock || h.resumed != 0 {
		t.Fatal("a wrong passphrase left the unlock screen")
	}

	h.typeText("still wrong")
	h.keys("enter")
	h.wantView("2 wrong attempts in a row.", "The next try waits 1.0s.")
	h.clk.Advance(400 * time.Millisecond)
	h.fire("unlockTickMsg")
	h.send(spinMsg{})
	h.wantView("The next try waits 0.6s.")

	// The next attempt shows the wait while the vault imposes it.
	h.typeText("the right passphrase")

	h.keys("enter")
	if h.m.screen != scrDashboard || h.resumed != 1 {
		t.Fatalf("right passphrase: screen %v, resumed %d", h.m.screen, h.resumed)
	}
}

func TestUnlockEdgeCases(t *testing.T) {
	t.Run("empty passphrase", func(t *testing.T) {
		h := newHarness(t, testSnapshot(1, 0, 0), &fakeVault{exists: true, pass: "x"})
		h.keys("enter")
		h.wantView("type the vault passphrase, then enter")
	})
	t.Run("ctrl+c leaves cleanly", func(t *testing.T) {
		h := newHarness(t, testSnapshot(1, 0, 0), &fakeVault{exists: true, pass: "x"})
		h.typeText("half typed")
		h.keys("ctrl+c")
		if !h.quit {
			t.Fatal("ctrl+c did not quit from the unlock screen")
		}
	})
	t.Run("an unlocked vault skips the screen", func(t *testing.T) {
		h := newHarness(t, testSnapshot(1, 0, 0), &fakeVault{exists: true, unlocked: true})
		if h.m.screen != scrDashboard || h.resumed != 0 {
			t.Fatalf("attaching to an open vault: screen %v, OnUnlock ran %d times (want dashboard, 0)", h.m.screen, h.resumed)
		}
	})
	t.Run("esc on the repeat step goes back", func(t *testing.T) {
		h := newHarness(t, testSnapshot(1, 0, 0), &fakeVault{})
		h.typeText("twelve chars long")
		h.keys("enter", "esc")
		h.wantView("long enough")
		h.wantNotView("type it again to be sure")
	})
	t.Run("engine resume failure is shown", func(t *testing.T) {
		v := &fakeVault{exists: true, pass: "the right passphrase"}
		h := newHarness(t, engine.Snapshot{}, v)
		h.m.com.OnUnlock = func(ctx context.Context) error { return errBoom }
		h.typeText("the right passphrase")
		h.keys("enter")
		h.wantView("the engine did not resume: boom")
	})
}

func TestUnlockNoticesAnotherSession(t *testing.T) {
	v := &fakeVault{exists: true, pass: "the right passphrase"}
	h := newHarness(t, testSnapshot(2, 1, 0), v)
	h.fire("unlockPollMsg")
	if h.m.screen != scrUnlock {
		t.Fatal("a poll of a locked vault left the unlock screen")
	}
	v.mu.Lock()
	v.unlocked = true // another SSH session typed the passphrase
	v.mu.Unlock()
	h.fire("unlockPollMsg")
	if h.m.screen != scrDashboard || h.resumed != 0 {
		t.Fatalf("screen %v, OnUnlock ran %d times; want the dashboard without resuming again", h.m.screen, h.resumed)
	}
	subscribed := 0
	for _, c := range h.eng.Calls() {
		if c == "Subscribe" {
			subscribed++
		}
	}
	h.send(common.UnlockedMsg{}) // what a late poll result ends in
	if n := len(h.eng.Calls()); subscribed != 1 || n != subscribed {
		t.Fatalf("subscribed %d times (calls %v), want exactly once", subscribed, h.eng.Calls())
	}
}
