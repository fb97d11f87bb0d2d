package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
)

// TestProgramUnlocksAndFollowsTheEngine runs the cockpit in a real Bubble Tea program: unlock,
// OnUnlock, the engine subscription, throttled renders of streamed snapshots, quitting.
func TestProgramUnlocksAndFollowsTheEngine(t *testing.T) {
	snap := testSnapshot(4, 2, 5)
	stopAll(&snap)
	eng := newFakeEngine(snap)
	v := &fakeVault{exists: true, pass: "the right passphrase"}
	resumed := make(chan struct{}, 1)
	m := New(Options{
		Engine: eng, Vault: v, Renderer: asciiRenderer(), Exchange: "sim", Version: "test",
		OnUnlock: func(context.Context) error { resumed <- struct{}{}; return nil },
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	wait := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	wait("Unlock the vault")
	tm.Type("the right passphrase")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	select {
	case <-resumed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnUnlock did not run after the right passphrase")
	}
	wait("BTCUSDT")

	next := snap
	next.Prices = append([]engine.PriceView(nil), snap.Prices...)
	next.Prices[0].Last = decimal.MustNew(7123456, 2)
	eng.events <- engine.SnapshotEvent{Snapshot: next}
	wait("71,234.56")
	eng.events <- engine.KillSwitchEvent{Engaged: true}
	wait("KILL SWITCH ENGAGED")

	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if !bytes.Equal(v.lastPass, make([]byte, len(v.lastPass))) {
		t.Fatal("the passphrase was not zeroed after unlocking")
	}
}
