package vault

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCreateUnlockSeal(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	clk := newFakeClock()
	v := newTestVault(t, db, clk)
	if ok, err := v.Exists(ctx); err != nil || ok {
		t.Fatalf("Exists before Create = %v, %v", ok, err)
	}
	if err := v.Unlock(ctx, testPass); !errors.Is(err, ErrNoVault) {
		t.Fatalf("Unlock without a vault: %v, want ErrNoVault", err)
	}
	if err := v.Create(ctx, testPass, testIter); err != nil {
		t.Fatal(err)
	}
	if !v.Unlocked() {
		t.Fatal("not unlocked after Create")
	}
	if ok, _ := v.Exists(ctx); !ok {
		t.Fatal("Exists false after Create")
	}
	if err := v.Create(ctx, testPass, testIter); !errors.Is(err, ErrVaultExists) {
		t.Fatalf("second Create: %v, want ErrVaultExists", err)
	}
	v.Seal()
	if v.Unlocked() {
		t.Fatal("still unlocked after Seal")
	}
	// A fresh Vault on the same database (a new process) opens it with the passphrase.
	v2 := newTestVault(t, db, clk)
	if err := v2.Unlock(ctx, testPass); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if n, err := v2.Iterations(ctx); err != nil || n != testIter {
		t.Fatalf("Iterations = %d, %v", n, err)
	}
}

func TestCreateRefusesWeakSettings(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	cases := []struct {
		name string
		v    *Vault
		pass string
		iter int
		want error
	}{
		{"empty passphrase", New(db, WithMinIterations(testIter)), "", testIter, ErrPassphraseTooShort},
		{"11 characters", New(db, WithMinIterations(testIter)), "abcdefghijk", testIter, ErrPassphraseTooShort},
		{"11 runes, 22 bytes", New(db, WithMinIterations(testIter)), "ééééééééééé", testIter, ErrPassphraseTooShort},
		{"below the production floor", New(db), "long enough passphrase", MinIterations - 1, ErrTooFewIterations},
		{"below the test floor", New(db, WithMinIterations(testIter)), "long enough passphrase", testIter - 1, ErrTooFewIterations},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.Create(ctx, []byte(c.pass), c.iter)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if ok, _ := c.v.Exists(ctx); ok {
				t.Fatal("a vault was created anyway")
			}
		})
	}
	if err := CheckPassphrase([]byte("twelve chars")); err != nil {
		t.Errorf("12 characters refused: %v", err)
	}
}

func TestWrongPassphraseDelaysGrowAndPersist(t *testing.T) {
	ctx := context.Background()
	v, db, clk, _ := createdVault(t)
	v.Seal()
	wrong := []byte("not the passphrase")
	var delays []time.Duration
	for i := 1; i <= 4; i++ {
		// A new Vault each time: the count survives restarts of the program.
		err := newTestVault(t, db, clk).Unlock(ctx, wrong)
		var wpe *WrongPassphraseError
		if !errors.As(err, &wpe) || !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("attempt %d: err = %v, want *WrongPassphraseError", i, err)
		}
		if err.Error() != "vault: wrong passphrase" {
			t.Fatalf("message %q says more than it should", err)
		}
		if wpe.Attempts != i {
			t.Fatalf("attempt %d: Attempts = %d", i, wpe.Attempts)
		}
		delays = append(delays, wpe.Delay)
	}
	for i := 1; i < len(delays); i++ {
		if delays[i] <= delays[i-1] {
			t.Fatalf("delays do not grow: %v", delays)
		}
	}
	// Each attempt after the first waited for the delay the previous failure announced.
	sleeps := clk.Sleeps()
	if len(sleeps) != 3 || sleeps[0] != delays[0] || sleeps[2] != delays[2] {
		t.Fatalf("sleeps = %v, want the announced delays %v", sleeps, delays[:3])
	}
	d, n, err := v.PendingDelay(ctx)
	if err != nil || n != 4 || d != delays[3] {
		t.Fatalf("PendingDelay = %v, %d, %v; want %v, 4", d, n, err, delays[3])
	}
	// Time already passed counts towards the delay.
	clk.Advance(delays[3])
	if d, _, _ := v.PendingDelay(ctx); d != 0 {
		t.Fatalf("PendingDelay after waiting = %v", d)
	}
	if err := v.Unlock(ctx, testPass); err != nil {
		t.Fatal(err)
	}
	if len(clk.Sleeps()) != 3 {
		t.Fatal("slept although the delay had passed")
	}
	if _, n, _ := v.PendingDelay(ctx); n != 0 {
		t.Fatalf("failure count %d not reset by a correct passphrase", n)
	}
	if failureDelay(100) != time.Minute {
		t.Fatalf("delay not capped: %v", failureDelay(100))
	}
}

func TestUnlockWaitIsContextAware(t *testing.T) {
	v, db, _, _ := createdVault(t)
	v.Seal()
	v2 := New(db, WithMinIterations(testIter)) // the real sleep
	if err := v2.Unlock(context.Background(), []byte("wrong passphrase!")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := v2.Unlock(ctx, testPass)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 400*time.Millisecond {
		t.Fatal("cancelled wait did not return promptly")
	}
}

// Unlock checks the verifier only: it works with no credentials table at all, so a wrong
// passphrase cannot have decrypted any credential.
func TestUnlockTouchesNoCredential(t *testing.T) {
	ctx := context.Background()
	v, db, clk, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("KEY123"), []byte("SECRET456"), simPerms); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE credentials RENAME TO hidden`); err != nil {
		t.Fatal(err)
	}
	v2 := newTestVault(t, db, clk)
	if err := v2.Unlock(ctx, []byte("some wrong passphrase")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := v2.Unlock(ctx, testPass); err != nil {
		t.Fatalf("right passphrase: %v", err)
	}
}

func TestEditedVaultRow(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		sql  string
		want error
	}{
		{"verifier not a token", `UPDATE vault SET verifier = 'hello'`, ErrDamaged},
		{"verifier truncated", `UPDATE vault SET verifier = substr(verifier, 1, 60)`, ErrDamaged},
		{"verifier byte changed", `UPDATE vault SET verifier = substr(verifier, 1, 30) || (CASE substr(verifier, 31, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(verifier, 32)`, ErrWrongPassphrase},
		{"salt changed", `UPDATE vault SET salt = zeroblob(16)`, ErrWrongPassphrase},
		{"iterations changed", `UPDATE vault SET iterations = iterations + 1`, ErrWrongPassphrase},
		{"failure time garbled", `UPDATE vault SET failed_unlocks = 1, last_failed_at = 'yesterday'`, ErrDamaged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, db, clk, _ := createdVault(t)
			v.Seal()
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			err := newTestVault(t, db, clk).Unlock(ctx, testPass)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), string(testPass)) {
				t.Fatal("error shows the passphrase")
			}
		})
	}
}
