package vault

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

var simPerms = exchange.Permissions{CanTrade: true, Checked: true}

func TestCredentialLifecycle(t *testing.T) {
	ctx := context.Background()
	v, _, clk, _ := createdVault(t)
	c, err := v.AddCredential(ctx, "main", "binance", []byte("KEY-ONE"), []byte("SECRET-ONE"), exchange.Permissions{CanTrade: true, IPRestricted: true, Checked: true, Note: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || !c.Active() || c.CheckedAt == nil || c.Exchange != "binance" {
		t.Fatalf("added %+v", c)
	}
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("K2"), []byte("S2"), simPerms); !errors.Is(err, ErrLabelExists) {
		t.Fatalf("duplicate label: %v", err)
	}
	clk.Advance(time.Hour)
	if _, err := v.RotateCredential(ctx, "main", []byte("KEY-ONE"), []byte("SECRET-X"), simPerms); err == nil || !strings.Contains(err.Error(), "same as the current") {
		t.Fatalf("rotating to the same key: %v", err)
	}
	r, err := v.RotateCredential(ctx, "main", []byte("KEY-TWO"), []byte("SECRET-TWO"), exchange.Permissions{CanTrade: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Exchange != "binance" || r.CheckedAt != nil || r.ID == c.ID {
		t.Fatalf("rotated %+v", r)
	}
	if _, err := v.RotateCredential(ctx, "nope", []byte("K"), []byte("S"), simPerms); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("rotating an unknown label: %v", err)
	}
	list, err := v.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d versions, want 2", len(list))
	}
	old, cur := list[0], list[1]
	if old.ID != c.ID || old.Active() || !old.RetiredAt.Equal(clk.Now()) || !old.Perms.IPRestricted || old.Perms.Note != "ok" {
		t.Fatalf("old version %+v", old)
	}
	if cur.ID != r.ID || !cur.Active() || cur.Perms.Checked {
		t.Fatalf("current version %+v", cur)
	}
	if err := v.RemoveCredential(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveCredential(ctx, "main"); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("second remove: %v", err)
	}
	if list, _ := v.Credentials(ctx); len(list) != 0 {
		t.Fatalf("%d versions left after remove", len(list))
	}
}

func TestCredentialInputRefused(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	long := strings.Repeat("k", 1025)
	cases := []struct {
		name, label, key, secret, want string
	}{
		{"empty label", "", "K", "S", "label"},
		{"label with space", "my key", "K", "S", "letters, digits"},
		{"label too long", strings.Repeat("a", 65), "K", "S", "1 to 64"},
		{"empty key", "a", "", "S", "API key is empty"},
		{"empty secret", "a", "K", "", "API secret is empty"},
		{"key with a space", "a", "AB CD", "S", "API key contains spaces"},
		{"secret with a tab", "a", "K", "S\tS", "API secret contains spaces"},
		{"key with a control byte", "a", "K\x01", "S", "not printable"},
		{"key too long", "a", long, "S", "longer than 1024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.AddCredential(ctx, c.label, "sim", []byte(c.key), []byte(c.secret), simPerms)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to say %q", err, c.want)
			}
			if strings.Contains(err.Error(), "AB CD") {
				t.Fatal("error shows the key")
			}
		})
	}
	if list, _ := v.Credentials(ctx); len(list) != 0 {
		t.Fatalf("stored %d credentials from bad input", len(list))
	}
}

func TestLockedVaultRefusesKeyOperations(t *testing.T) {
	ctx := context.Background()
	v, _, _, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("K"), []byte("S"), simPerms); err != nil {
		t.Fatal(err)
	}
	v.Seal()
	if _, err := v.AddCredential(ctx, "b", "sim", []byte("K"), []byte("S"), simPerms); !errors.Is(err, ErrLocked) {
		t.Errorf("add: %v", err)
	}
	if _, err := v.RotateCredential(ctx, "main", []byte("K2"), []byte("S"), simPerms); !errors.Is(err, ErrLocked) {
		t.Errorf("rotate: %v", err)
	}
	if err := v.RemoveCredential(ctx, "main"); !errors.Is(err, ErrLocked) {
		t.Errorf("remove: %v", err)
	}
	err := v.Lender("main").Use(ctx, func(k, s []byte) error { t.Error("fn called while locked"); return nil })
	if !errors.Is(err, ErrLocked) {
		t.Errorf("use: %v", err)
	}
	if list, err := v.Credentials(ctx); err != nil || len(list) != 1 {
		t.Errorf("listing needs no passphrase: %d, %v", len(list), err)
	}
}

func TestLenderLendsActiveVersionAndZeroes(t *testing.T) {
	ctx := context.Background()
	v, _, clk, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("KEY-ONE"), []byte("SECRET-ONE"), simPerms); err != nil {
		t.Fatal(err)
	}
	l := v.Lender("main")
	var kept [][]byte
	use := func() (string, string) {
		var k, s string
		err := l.Use(ctx, func(apiKey, apiSecret []byte) error {
			k, s = string(apiKey), string(apiSecret)
			kept = append(kept, apiKey, apiSecret)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return k, s
	}
	if k, s := use(); k != "KEY-ONE" || s != "SECRET-ONE" {
		t.Fatalf("lent %q %q", k, s)
	}
	if _, err := v.RotateCredential(ctx, "main", []byte("KEY-TWO"), []byte("SECRET-TWO"), simPerms); err != nil {
		t.Fatal(err)
	}
	if k, s := use(); k != "KEY-TWO" || s != "SECRET-TWO" {
		t.Fatalf("after rotation lent %q %q", k, s)
	}
	for i, b := range kept {
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Fatalf("buffer %d not zeroed after Use: %q", i, b)
		}
	}
	fnErr := errors.New("signed call failed")
	if err := l.Use(ctx, func(_, _ []byte) error { return fnErr }); !errors.Is(err, fnErr) {
		t.Fatalf("fn error not returned: %v", err)
	}
	err := v.Lender("ghost").Use(ctx, func(_, _ []byte) error { return nil })
	if !errors.Is(err, ErrNoCredential) || !errors.Is(err, exchange.ErrNoCredentials) {
		t.Fatalf("unknown label: %v", err)
	}
	_ = clk
}

func TestLenderRecordsUseAtMostOncePerMinute(t *testing.T) {
	ctx := context.Background()
	v, _, clk, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("K"), []byte("S"), simPerms); err != nil {
		t.Fatal(err)
	}
	l := v.Lender("main")
	nop := func(_, _ []byte) error { return nil }
	lastUsed := func() time.Time {
		list, err := v.Credentials(ctx)
		if err != nil || list[0].LastUsedAt == nil {
			t.Fatalf("no last use recorded: %v", err)
		}
		return *list[0].LastUsedAt
	}
	first := clk.Now()
	if err := l.Use(ctx, nop); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	_ = l.Use(ctx, nop)
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("recorded again within a minute: %v", got)
	}
	clk.Advance(31 * time.Second)
	_ = l.Use(ctx, nop)
	if got := lastUsed(); !got.Equal(clk.Now()) {
		t.Fatalf("last use %v, want %v", got, clk.Now())
	}
}

func TestEditedCredentialIsDetected(t *testing.T) {
	ctx := context.Background()
	v, db, _, _ := createdVault(t)
	if _, err := v.AddCredential(ctx, "main", "sim", []byte("KEY-ONE"), []byte("SECRET-ONE"), simPerms); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE credentials SET api_secret = substr(api_secret, 1, 40) || 'AAAA' || substr(api_secret, 45)`); err != nil {
		t.Fatal(err)
	}
	called := false
	err := v.Lender("main").Use(ctx, func(_, _ []byte) error { called = true; return nil })
	if !errors.Is(err, ErrDamaged) || called {
		t.Fatalf("edited secret: err %v, fn called %v", err, called)
	}
}

// fileContains reports whether any of the database's files holds needle.
func dbFilesContain(t *testing.T, dir string, needles ...string) string {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, store.FileName+suffix))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				return store.FileName + suffix + " holds " + n
			}
		}
	}
	return ""
}

func TestNoPlaintextOnDisk(t *testing.T) {
	ctx := context.Background()
	v, db, _, dir := createdVault(t)
	secrets := []string{"PLAINKEY-AAAAAAAAAAAAAAAA", "PLAINSECRET-BBBBBBBBBBBB", "PLAINKEY-CCCCCCCCCCCCCCCC", "PLAINSECRET-DDDDDDDDDDDD", string(testPass)}
	if _, err := v.AddCredential(ctx, "main", "sim", []byte(secrets[0]), []byte(secrets[1]), simPerms); err != nil {
		t.Fatal(err)
	}
	if _, err := v.RotateCredential(ctx, "main", []byte(secrets[2]), []byte(secrets[3]), simPerms); err != nil {
		t.Fatal(err)
	}
	if err := v.ChangePassphrase(ctx, testPass, []byte("a brand new passphrase"), testIter); err != nil {
		t.Fatal(err)
	}
	if where := dbFilesContain(t, dir, secrets...); where != "" {
		t.Fatal(where)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if where := dbFilesContain(t, dir, secrets...); where != "" {
		t.Fatal(where)
	}
}

func BenchmarkLenderUse(b *testing.B) {
	ctx := context.Background()
	v, _, _, _ := createdVault(b)
	if _, err := v.AddCredential(ctx, "main", "sim", bytes.Repeat([]byte("k"), 64), bytes.Repeat([]byte("s"), 64), simPerms); err != nil {
		b.Fatal(err)
	}
	l := v.Lender("main")
	nop := func(_, _ []byte) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Use(ctx, nop); err != nil {
			b.Fatal(err)
		}
	}
}
