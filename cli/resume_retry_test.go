package cli

import (
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine"
)

// A restart while the exchange briefly refuses every signed call must not leave live bots
// stopped: the first resume fails and says why, and the runtime keeps trying until the journal
// is reconciled and the bots run again, with nobody calling Resume by hand.
func TestResumeRetriesInTheBackground(t *testing.T) {
	r := newLiveRig(t)
	r.open()
	r.addCheckedKey()
	r.startGrid()
	r.closeRuntime()

	r.resumeWait = 100 * time.Millisecond
	r.open()
	if err := r.rt.Vault.Unlock(r.ctx, []byte(livePass)); err != nil {
		t.Fatal(err)
	}
	const refusals = 6 // the first resume's lookups and the first retry's
	r.srv.ClockSkewNext(refusals)
	sent := len(r.srv.NewOrderIDs())
	if err := r.rt.Resume(r.ctx); err == nil {
		t.Fatal("resume succeeded although the exchange refused every lookup")
	}
	if s := r.bot("grid").State; s == engine.BotRunning {
		t.Fatalf("grid is %s before its orders are reconciled", s)
	}
	r.waitFor("the grid to run again without a manual resume", func() bool {
		return r.bot("grid").State == engine.BotRunning
	})
	if m := r.mismatch(); m != "" {
		t.Fatalf("after the background resume the journal disagrees with the exchange:\n%s", m)
	}
	if n := len(r.srv.NewOrderIDs()); n < sent {
		t.Fatalf("order ids went backwards: %d -> %d", sent, n)
	}
	r.noDuplicateSends()
}
