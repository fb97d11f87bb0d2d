package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Signed calls keep working while the passphrase changes underneath them: each Use sees either
// the old key with the old tokens or the new key with the new ones, never a mix.
func TestLenderDuringPassphraseChange(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	want := addSome(t, v, 3)
	stop := make(chan struct{})
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for label, kv := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := v.Lender(label)
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				var got string
				if err := l.Use(ctx, func(k, s []byte) error { got = string(k) + "/" + string(s); return nil }); err != nil {
					errs <- err
					return
				}
				if got != kv {
					errs <- &mismatch{label, got}
					return
				}
			}
		}()
	}
	pass := [][]byte{testPass, newPass}
	for i := range 4 {
		if err := v.ChangePassphrase(ctx, pass[i%2], pass[(i+1)%2], testIter); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	for range want {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

type mismatch struct{ label, got string }

func (m *mismatch) Error() string { return m.label + " lent " + m.got }

func TestCreateCalibratesWhenAskedTo(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	v := New(db)
	if err := v.Create(ctx, testPass, 0); err != nil {
		t.Fatal(err)
	}
	n, err := v.Iterations(ctx)
	if err != nil || n < MinIterations {
		t.Fatalf("calibrated to %d iterations (%v), want at least %d", n, err, MinIterations)
	}
}

// Two processes on one database: after one changes the passphrase, the other's key is stale.
// It must not store tokens nobody could decrypt, and it says why instead of "damaged".
func TestStaleKeyAfterPassphraseChangeElsewhere(t *testing.T) {
	ctx := context.Background()
	first, db, clk, _ := createdVault(t)
	want := addSome(t, first, 1)
	other := newTestVault(t, db, clk)
	if err := other.ChangePassphrase(ctx, testPass, newPass, testIter); err != nil {
		t.Fatal(err)
	}
	if _, err := first.AddCredential(ctx, "late", "sim", []byte("LATEKEY"), []byte("LATESECRET"), simPerms); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "another QuantDeck process") {
		t.Fatalf("add with a stale key: %v", err)
	}
	if _, err := first.RotateCredential(ctx, "k0", []byte("NEWKEY"), []byte("NEWSECRET"), simPerms); !errors.Is(err, ErrLocked) {
		t.Fatalf("rotate with a stale key: %v", err)
	}
	err := first.Lender("k0").Use(ctx, func(_, _ []byte) error { t.Error("lent with a stale key"); return nil })
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("use with a stale key: %v", err)
	}
	if first.Unlocked() {
		t.Fatal("a stale key stays in memory")
	}
	if err := first.Unlock(ctx, newPass); err != nil {
		t.Fatal(err)
	}
	if got := secretsOf(t, first); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
