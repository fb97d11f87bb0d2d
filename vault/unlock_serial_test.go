package vault

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// Parallel unlock attempts (several SSH sessions, the cockpit) run one after another: each
// wrong guess waits the delay the guesses before it earned, instead of all sharing one.
func TestParallelWrongGuessesEachPayTheirDelay(t *testing.T) {
	ctx := context.Background()
	v, _, clk, _ := createdVault(t)
	v.Seal()
	if err := v.Unlock(ctx, []byte("wrong guess number 0")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatal(err)
	}
	const n = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	attempts := make(chan int, n)
	for range n {
		wg.Go(func() {
			<-start
			var wp *WrongPassphraseError
			if err := v.Unlock(ctx, []byte("another wrong guess")); !errors.As(err, &wp) {
				t.Errorf("err = %v, want a wrong passphrase", err)
				return
			}
			attempts <- wp.Attempts
		})
	}
	close(start)
	wg.Wait()
	close(attempts)
	var got []int
	for a := range attempts {
		got = append(got, a)
	}
	slices.Sort(got)
	if want := []int{2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("attempt numbers %v, want %v: attempts were counted together", got, want)
	}
	sleeps := clk.Sleeps()
	want := []time.Duration{failureDelay(1), failureDelay(2), failureDelay(3), failureDelay(4), failureDelay(5), failureDelay(6)}
	if !slices.Equal(sleeps, want) {
		t.Fatalf("waits %v, want %v: each guess must pay its own delay", sleeps, want)
	}
	if v.Unlocked() {
		t.Fatal("unlocked by wrong guesses")
	}
	// The right passphrase still waits its turn, then opens.
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
}

// An attempt queued behind another gives up when its context ends.
func TestQueuedUnlockHonoursContext(t *testing.T) {
	v, _, _, _ := createdVault(t)
	v.unlockSem <- struct{}{} // an attempt in progress
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := v.Unlock(ctx, testPass); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	v.release()
}

// The derived key sits in the key page while unlocked; Seal zeroes it, and Close gives the
// page back with nothing left in it.
func TestKeyPageZeroedAtSealAndClose(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	page := v.page
	if page == nil || isZero(page.bytes(slotCurrent)) {
		t.Fatal("no key in the current slot while unlocked")
	}
	if !isZero(page.bytes(slotScratch)) || !isZero(page.bytes(slotNext)) {
		t.Fatal("a scratch slot still holds a key after Create")
	}
	v.Seal()
	if !isZero(page.bytes(slotCurrent)) {
		t.Fatal("Seal left the key in memory")
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if !isZero(page.bytes(slotScratch)) {
		t.Fatal("Unlock left the candidate key in the scratch slot")
	}
	mem, mapped := page.mem, page.unmap != nil
	if !mapped {
		t.Log("the key page is an ordinary buffer on this system")
	}
	if runtime.GOOS == "linux" && (!mapped || !page.locked) {
		t.Errorf("on linux the key page should be mapped and locked (mapped %v, locked %v)", mapped, page.locked)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if v.Unlocked() || v.page != nil {
		t.Fatal("Close left the vault unlocked")
	}
	// A mapped page is gone (reading it would fault); an ordinary buffer must be zero.
	if !mapped && !isZero(mem) {
		t.Fatal("Close left key bytes behind")
	}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
