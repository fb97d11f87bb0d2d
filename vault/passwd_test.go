package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

var newPass = []byte("another long passphrase")

// secretsOf decrypts every active credential through the lender.
func secretsOf(t *testing.T, v *Vault) map[string]string {
	t.Helper()
	ctx := context.Background()
	list, err := v.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range list {
		if !c.Active() {
			continue
		}
		err := v.Lender(c.Label).Use(ctx, func(k, s []byte) error {
			out[c.Label] = string(k) + "/" + string(s)
			return nil
		})
		if err != nil {
			t.Fatalf("using %s: %v", c.Label, err)
		}
	}
	return out
}

func addSome(t *testing.T, v *Vault, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		label := fmt.Sprintf("k%d", i)
		k, s := fmt.Sprintf("KEY%d", i), fmt.Sprintf("SECRET%d", i)
		if _, err := v.AddCredential(context.Background(), label, "sim", []byte(k), []byte(s), exchange.Permissions{CanTrade: true, Checked: true}); err != nil {
			t.Fatal(err)
		}
		want[label] = k + "/" + s
	}
	return want
}

func TestChangePassphrase(t *testing.T) {
	ctx := context.Background()
	v, db, clk, _ := createdVault(t)
	want := addSome(t, v, 3)
	if _, err := v.RotateCredential(ctx, "k0", []byte("KEYR"), []byte("SECRETR"), simPerms); err != nil {
		t.Fatal(err)
	}
	want["k0"] = "KEYR/SECRETR"
	var oldSalt []byte
	_ = db.QueryRow(`SELECT salt FROM vault`).Scan(&oldSalt)
	if err := v.ChangePassphrase(ctx, testPass, newPass, 2*testIter); err != nil {
		t.Fatal(err)
	}
	if !v.Unlocked() {
		t.Fatal("locked after ChangePassphrase")
	}
	var salt []byte
	var iter int
	_ = db.QueryRow(`SELECT salt, iterations FROM vault`).Scan(&salt, &iter)
	if string(salt) == string(oldSalt) || iter != 2*testIter {
		t.Fatalf("salt not renewed or iterations %d not stored", iter)
	}
	fresh := newTestVault(t, db, clk)
	if err := fresh.Unlock(ctx, testPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase after change: %v", err)
	}
	clk.Advance(failureDelay(1))
	if err := fresh.Unlock(ctx, newPass); err != nil {
		t.Fatal(err)
	}
	if got := secretsOf(t, fresh); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after change got %v, want %v", got, want)
	}
	// Retired versions were re-encrypted too: the next change reads every row.
	if err := fresh.ChangePassphrase(ctx, newPass, testPass, testIter); err != nil {
		t.Fatalf("second change (reads retired rows): %v", err)
	}
}

func TestChangePassphraseRefusals(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	cases := []struct {
		name     string
		old, new []byte
		iter     int
		want     string
	}{
		{"wrong old passphrase", []byte("not it at all"), newPass, testIter, "wrong passphrase"},
		{"short new passphrase", testPass, []byte("short"), testIter, "too short"},
		{"same passphrase", testPass, testPass, testIter, "same as the current"},
		{"too few iterations", testPass, newPass, testIter - 1, "too few"},
	}
	for _, c := range cases {
		if err := v.ChangePassphrase(ctx, c.old, c.new, c.iter); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// A failure in the middle of re-encryption rolls everything back: the old passphrase still
// opens the vault and every secret is intact.
func TestChangePassphraseFailsHalfWayAndLosesNothing(t *testing.T) {
	ctx := context.Background()
	v, db, clk, _ := createdVault(t)
	want := addSome(t, v, 4)
	var thirdID int64
	if err := db.QueryRow(`SELECT id FROM credentials ORDER BY id LIMIT 1 OFFSET 2`).Scan(&thirdID); err != nil {
		t.Fatal(err)
	}
	// Rows 1 and 2 are re-encrypted, then the update of row 3 fails.
	_, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER fail_midway BEFORE UPDATE OF api_key ON credentials
		WHEN OLD.id = %d BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`, thirdID))
	if err != nil {
		t.Fatal(err)
	}
	err = v.ChangePassphrase(ctx, testPass, newPass, testIter)
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v, want a failure that says nothing was changed", err)
	}
	if _, err := db.Exec(`DROP TRIGGER fail_midway`); err != nil {
		t.Fatal(err)
	}
	fresh := newTestVault(t, db, clk)
	if err := fresh.Unlock(ctx, newPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("new passphrase after a failed change: %v", err)
	}
	clk.Advance(failureDelay(1))
	if err := fresh.Unlock(ctx, testPass); err != nil {
		t.Fatalf("old passphrase after a failed change: %v", err)
	}
	if got := secretsOf(t, fresh); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after failed change got %v, want %v", got, want)
	}
	// The original Vault kept its old key too.
	if got := secretsOf(t, v); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("original vault after failed change got %v", got)
	}
}
