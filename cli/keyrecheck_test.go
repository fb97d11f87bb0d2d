package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
	"github.com/quantdeck/quantdeck/logging"
)

// fakeAfter stands in for time.After in the re-check loop: each send on fire is one interval
// passing; asked counts the intervals the loop waited for.
type fakeAfter struct {
	fire  chan time.Time
	asked chan time.Duration
}

func newFakeAfter() *fakeAfter {
	return &fakeAfter{fire: make(chan time.Time), asked: make(chan time.Duration, 16)}
}

func (f *fakeAfter) after(d time.Duration) <-chan time.Time {
	f.asked <- d
	return f.fire
}

// A live key whose owner turns withdrawals on while QuantDeck runs is found at the next
// periodic check: its running live bot pauses (its orders are cancelled at the exchange), the
// cockpit gets an error event, the log says why, `keys list` marks the key, and the bot cannot
// be started again. A restart checks again before resuming; once the key is safe again and
// rotated or re-checked, the user can start the bot.
func TestUnsafeKeyFoundWhileRunningPausesLiveBots(t *testing.T) {
	r := newLiveRig(t)
	// The host's periodic loop, driven by a fake clock.
	fa := newFakeAfter()
	r.keyCheckAfter = fa.after
	r.st.KeyCheckInterval = 3 * time.Hour
	r.open()
	r.addCheckedKey()
	r.startGrid()
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	events := r.rt.Engine.Subscribe(ctx)

	if d := <-fa.asked; d != 3*time.Hour {
		t.Fatalf("the loop waits %v, want the configured 3h", d)
	}
	// One interval with the key still trade-only: nothing changes.
	fa.fire <- time.Now()
	<-fa.asked
	if st := r.bot("grid").State; st != engine.BotRunning {
		t.Fatalf("a safe key's bot is %s after a re-check", st)
	}

	withdraw := fake.TradeOnly()
	withdraw.Withdraw = true
	if err := r.srv.SetPermissions(liveKey, withdraw); err != nil {
		t.Fatal(err)
	}
	fa.fire <- time.Now()
	<-fa.asked // the loop finished that check and waits for the next interval
	if b := r.bot("grid"); b.State != engine.BotPaused || !strings.Contains(b.Reason, "CAN WITHDRAW") {
		t.Fatalf("grid is %s (%q), want paused for the key", b.State, b.Reason)
	}
	r.waitFor("the paused grid's orders to be cancelled at the exchange", func() bool { return len(r.fakeOpen()) == 0 })
	r.waitForError(events, liveLabel)
	// Once the pause has finished, starting the bot is refused because of the key.
	var startErr error
	r.waitFor("starting the grid to be refused for its key", func() bool {
		startErr = r.rt.Engine.StartBot(r.ctx, "grid")
		return startErr == nil || !strings.Contains(startErr.Error(), "still pausing")
	})
	if startErr == nil || !strings.Contains(startErr.Error(), "can withdraw") {
		t.Fatalf("starting the grid with an unsafe key: %v", startErr)
	}
	cancel()

	logText, err := os.ReadFile(filepath.Join(r.st.Home, logging.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logText), "a live key is unsafe") || !strings.Contains(string(logText), `"label":"main"`) {
		t.Fatalf("the log does not name the unsafe key:\n%s", logText)
	}
	list := mustQD(t, 0, r.st.Home, "", nil, "keys", "list")
	if !strings.Contains(list.stdout, "UNSAFE") || !strings.Contains(list.stdout, "CAN WITHDRAW") {
		t.Fatalf("keys list does not mark the key:\n%s", list)
	}
	var keys []keyJSON
	if err := json.Unmarshal([]byte(mustQD(t, 0, r.st.Home, "", nil, "keys", "list", "--json").stdout), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Verdict != "unsafe" || !keys[0].Permissions.CanWithdraw || keys[0].CheckedAt == nil {
		t.Fatalf("keys list --json: %+v", keys)
	}

	// A restart re-checks before resuming: the bot stays paused and nothing is placed.
	placed := len(r.srv.NewOrderIDs())
	r.closeRuntime()
	r.open()
	if err := r.rt.Vault.Unlock(r.ctx, []byte(livePass)); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.Resume(r.ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if b := r.bot("grid"); b.State != engine.BotPaused {
		t.Fatalf("after a restart the grid is %s, want paused", b.State)
	}
	if n := len(r.srv.NewOrderIDs()); n != placed {
		t.Fatalf("%d orders placed with an unsafe key after the restart", n-placed)
	}

	// The owner turns withdrawals off again; the next start's check clears the mark, and the
	// user may start the bot.
	if err := r.srv.SetPermissions(liveKey, fake.TradeOnly()); err != nil {
		t.Fatal(err)
	}
	if unsafe := r.rt.RecheckKeys(r.ctx); len(unsafe) != 0 {
		t.Fatalf("a safe key found unsafe: %v", unsafe)
	}
	if err := r.rt.Engine.StartBot(r.ctx, "grid"); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the grid's buys back on the exchange", func() bool { return r.openAt("BUY@59000", "BUY@59500") })
	assertNowhere(t, r.st.Home, nil, liveKey, liveSecret)
}

// A key that can no longer trade is unsafe too (an answer without the withdraw flag is refused
// by the Binance decoder: see exchange/binance's tests).
func TestKeyThatCannotTradeIsUnsafe(t *testing.T) {
	r := newLiveRig(t)
	r.open()
	r.addCheckedKey()
	if err := r.srv.SetPermissions(liveKey, fake.Permissions{Reading: true}); err != nil {
		t.Fatal(err)
	}
	if unsafe := r.rt.RecheckKeys(r.ctx); len(unsafe) != 1 || unsafe[0] != liveLabel {
		t.Fatalf("unsafe = %v, want the key that cannot trade", unsafe)
	}
	creds, err := r.rt.Vault.Credentials(r.ctx)
	if err != nil || len(creds) != 1 || creds[0].Perms.CanTrade {
		t.Fatalf("stored check: %+v %v", creds, err)
	}
}

// unansweredChecker is an exchange whose permission answer leaves out what the key may do.
type unansweredChecker struct{}

func (unansweredChecker) CheckPermissions(context.Context, []byte, []byte) (exchange.Permissions, error) {
	return exchange.Permissions{}, fmt.Errorf("binance: enableWithdrawals is missing: %w", exchange.ErrPermissionsUnknown)
}

// A re-check whose answer does not say whether the key can withdraw is stored as such: the
// key is UNSAFE in `keys list` (and --json), its bots are paused, and starting them is refused
// until an answer says what the key may do.
func TestKeyWithUnansweredPermissionsIsMarkedUnsafe(t *testing.T) {
	r := newLiveRig(t)
	r.open()
	r.addCheckedKey()
	r.startGrid()
	clear := r.rt.Checker
	r.rt.Checker = unansweredChecker{}
	if unsafe := r.rt.RecheckKeys(r.ctx); len(unsafe) != 1 || unsafe[0] != liveLabel {
		t.Fatalf("unsafe = %v, want the key whose answer says nothing", unsafe)
	}
	if b := r.bot("grid"); b.State != engine.BotPaused {
		t.Fatalf("grid is %s, want paused", b.State)
	}
	list := mustQD(t, 0, r.st.Home, "", nil, "keys", "list")
	if !strings.Contains(list.stdout, "UNSAFE") || !strings.Contains(list.stdout, "UNKNOWN") || !strings.Contains(list.stdout, "did not say") {
		t.Fatalf("keys list does not mark the key:\n%s", list)
	}
	var keys []keyJSON
	if err := json.Unmarshal([]byte(mustQD(t, 0, r.st.Home, "", nil, "keys", "list", "--json").stdout), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Verdict != "unsafe" || !keys[0].Permissions.Unanswered {
		t.Fatalf("keys list --json: %+v", keys)
	}
	var startErr error
	r.waitFor("starting the grid to be refused for its key", func() bool {
		startErr = r.rt.Engine.StartBot(r.ctx, "grid")
		return startErr == nil || !strings.Contains(startErr.Error(), "still pausing")
	})
	if startErr == nil {
		t.Fatal("a bot started on a key whose permissions are unknown")
	}
	// A clear answer clears the mark, and the bot may start again.
	r.rt.Checker = clear
	if unsafe := r.rt.RecheckKeys(r.ctx); len(unsafe) != 0 {
		t.Fatalf("a clear answer still found unsafe: %v", unsafe)
	}
	if err := r.rt.Engine.StartBot(r.ctx, "grid"); err != nil {
		t.Fatalf("starting the grid once the key is clear: %v", err)
	}
}

// waitForError waits for an error event from the engine that names label.
func (r *liveRig) waitForError(events <-chan engine.Event, label string) {
	r.t.Helper()
	deadline := time.After(liveWait)
	for {
		select {
		case ev := <-events:
			if e, ok := ev.(engine.ErrorEvent); ok && strings.Contains(e.Err, label) {
				return
			}
		case <-deadline:
			r.t.Fatalf("no error event names key %s", label)
		}
	}
}

// A key that gained withdrawal rights while QuantDeck was down is found by the check at the
// next start, before any bot resumes: the bot that was running stays paused and places nothing.
func TestUnsafeKeyFoundAtStartKeepsBotsPaused(t *testing.T) {
	r := newLiveRig(t)
	r.open()
	r.addCheckedKey()
	r.startGrid()
	r.closeRuntime()
	withdraw := fake.TradeOnly()
	withdraw.Withdraw = true
	if err := r.srv.SetPermissions(liveKey, withdraw); err != nil {
		t.Fatal(err)
	}
	placed := len(r.srv.NewOrderIDs())
	r.open()
	if err := r.rt.Vault.Unlock(r.ctx, []byte(livePass)); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.Resume(r.ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if b := r.bot("grid"); b.State != engine.BotPaused || !strings.Contains(b.Reason, "CAN WITHDRAW") {
		t.Fatalf("after a start with an unsafe key the grid is %s (%q), want paused for the key", b.State, b.Reason)
	}
	if n := len(r.srv.NewOrderIDs()); n != placed {
		t.Fatalf("%d orders placed with an unsafe key", n-placed)
	}
}
