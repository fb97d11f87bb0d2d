package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/logging"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// quantdeckBin is the binary built once for the subprocess tests.
var quantdeckBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quantdeck-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	quantdeckBin = filepath.Join(dir, "quantdeck")
	build := exec.Command("go", "build", "-o", quantdeckBin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building quantdeck: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	pass1 = "first vault passphrase"
	pass2 = "second vault passphrase"
)

type cliResult struct {
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// qd runs the binary with a private home, the KDF floor, stdin piped and no controlling
// terminal (a new session), so nothing can prompt.
func qd(t *testing.T, home, stdin string, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, quantdeckBin, args...)
	cmd.Dir = filepath.Dir(home) // no .env there
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Dir(home),
		"QUANTDECK_HOME=" + home,
		"QUANTDECK_KDF_ITERATIONS=600000",
	}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err := cmd.Run()
	r := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running quantdeck %v: %v", args, err)
	}
	return r
}

func withPass(p string) []string { return []string{"QUANTDECK_VAULT_PASSPHRASE=" + p} }

func newHome(t *testing.T) string { return filepath.Join(t.TempDir(), "home") }

// mustQD runs and fails the test unless the exit code is want.
func mustQD(t *testing.T, want int, home, stdin string, env []string, args ...string) cliResult {
	t.Helper()
	r := qd(t, home, stdin, env, args...)
	if r.code != want {
		t.Fatalf("quantdeck %v: want exit %d, got %s", args, want, r)
	}
	return r
}

func TestKeysEndToEnd(t *testing.T) {
	home := newHome(t)
	key1, sec1 := "E2EKEY0000000000000000000000000001", "E2ESECRET000000000000000000000001"
	key2, sec2 := "E2EKEY0000000000000000000000000002", "E2ESECRET000000000000000000000002"
	var outs []cliResult

	r := mustQD(t, 0, home, "", nil, "keys", "list")
	if !strings.Contains(r.stdout, "No keys stored") {
		t.Fatalf("empty list: %s", r)
	}
	r = mustQD(t, 0, home, key1+"\n"+sec1+"\n", withPass(pass1), "keys", "add", "--label", "main", "--exchange", "sim")
	if !strings.Contains(r.stderr, "No vault yet") || !strings.Contains(r.stdout, `Stored key "main" for sim`) {
		t.Fatalf("first add: %s", r)
	}
	outs = append(outs, r)
	for _, name := range []string{"", store.FileName, logging.FileName} {
		fi, err := os.Stat(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if name == "" {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", filepath.Join(home, name), fi.Mode().Perm(), want)
		}
	}
	// A second key with CRLF line ends, as pasted from some terminals.
	r = mustQD(t, 0, home, "OTHERKEY1\r\nOTHERSECRET1\r\n", withPass(pass1), "keys", "add", "--label", "spare")
	outs = append(outs, r)

	r = mustQD(t, 0, home, key2+"\n"+sec2+"\n", withPass(pass1), "keys", "rotate", "--label", "main")
	if !strings.Contains(r.stdout, "delete the old API key on sim") {
		t.Fatalf("rotate does not tell the user to delete the old key: %s", r)
	}
	outs = append(outs, r)

	r = mustQD(t, 0, home, "", nil, "keys", "list")
	outs = append(outs, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "LABEL") {
		t.Fatalf("list: %s", r)
	}
	for _, want := range []string{"main", "sim", "retired", "active", "trade,no-withdraw,any-ip", "spare"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}

	r = mustQD(t, 0, home, "", append(withPass(pass1), "QUANTDECK_NEW_VAULT_PASSPHRASE="+pass2), "vault", "passwd")
	if !strings.Contains(r.stdout, "passphrase changed") {
		t.Fatalf("passwd: %s", r)
	}
	outs = append(outs, r)

	// The old passphrase no longer opens the vault; the new one does and every key survived.
	r = mustQD(t, 1, home, "K3\nS3\n", withPass(pass1), "keys", "rotate", "--label", "main")
	if strings.TrimSpace(r.stderr) != "quantdeck: vault: wrong passphrase" {
		t.Fatalf("old passphrase after passwd: %s", r)
	}
	outs = append(outs, r)
	r = mustQD(t, 1, home, key2+"\nWHATEVER\n", withPass(pass2), "keys", "rotate", "--label", "main")
	if !strings.Contains(r.stderr, "waiting") || !strings.Contains(r.stderr, "same as the current one") {
		t.Fatalf("new passphrase should open the vault (and wait after the wrong one): %s", r)
	}
	outs = append(outs, r)
	assertLent(t, home, pass2, map[string]string{"main": key2 + "/" + sec2, "spare": "OTHERKEY1/OTHERSECRET1"})

	r = mustQD(t, 0, home, "", withPass(pass2), "keys", "remove", "--label", "spare", "--yes")
	outs = append(outs, r)
	r = mustQD(t, 0, home, "", nil, "keys", "list")
	if strings.Contains(r.stdout, "spare") {
		t.Fatalf("removed key still listed: %s", r)
	}
	outs = append(outs, r)

	// A full live session: a Binance key checked by the exchange, a live bot, serve trading
	// with it and answering the API. Then nothing secret may be anywhere.
	live, token := liveSession(t, home, pass2)
	outs = append(outs, live...)

	assertNowhere(t, home, outs, key1, sec1, key2, sec2, "OTHERKEY1", "OTHERSECRET1", pass1, pass2,
		sessionKey, sessionSecret, token)
}

// assertLent opens the vault in-process and checks what each label's lender hands out.
func assertLent(t *testing.T, home, pass string, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, home)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := vault.New(db)
	if err := v.Unlock(ctx, []byte(pass)); err != nil {
		t.Fatalf("unlocking with %q: %v", pass, err)
	}
	for label, kv := range want {
		var got string
		if err := v.Lender(label).Use(ctx, func(k, s []byte) error { got = string(k) + "/" + string(s); return nil }); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if got != kv {
			t.Errorf("%s holds %q, want %q", label, got, kv)
		}
	}
}

func TestKeysRefuseBadInputAndLoseNothing(t *testing.T) {
	home := newHome(t)
	mustQD(t, 0, home, "GOODKEY\nGOODSECRET\n", withPass(pass1), "keys", "add", "--label", "main")
	before := mustQD(t, 0, home, "", nil, "keys", "list").stdout
	cases := []struct {
		name  string
		stdin string
		env   []string
		args  []string
		code  int
		want  string
	}{
		{"empty key line", "\nSECRET\n", withPass(pass1), []string{"keys", "add", "--label", "b"}, 1, "API key is empty"},
		{"empty secret line", "KEY\n\n", withPass(pass1), []string{"keys", "add", "--label", "b"}, 1, "API secret is empty"},
		{"key with spaces", "AB CD\nSECRET\n", withPass(pass1), []string{"keys", "add", "--label", "b"}, 1, "API key contains spaces"},
		{"secret line missing", "KEY\n", withPass(pass1), []string{"keys", "add", "--label", "b"}, 1, "no API secret on standard input"},
		{"nothing on stdin", "", withPass(pass1), []string{"keys", "add", "--label", "b"}, 1, "no API key on standard input"},
		{"unknown exchange", "CASEKEY1\nCASESECRET1\n", withPass(pass1), []string{"keys", "add", "--label", "b", "--exchange", "kraken"}, 1, `unknown exchange "kraken"`},
		{"existing label", "CASEKEY1\nCASESECRET1\n", withPass(pass1), []string{"keys", "add", "--label", "main"}, 1, "already exists"},
		{"label with a space", "CASEKEY1\nCASESECRET1\n", withPass(pass1), []string{"keys", "add", "--label", "my key"}, 1, "letters, digits"},
		{"no label", "CASEKEY1\nCASESECRET1\n", withPass(pass1), []string{"keys", "add"}, 2, "--label is required"},
		{"key on the command line", "", withPass(pass1), []string{"keys", "add", "--label", "b", "ARGVKEY0123456789", "ARGVSECRET0123456789"}, 2, "standard input"},
		{"new key on the rotate command line", "", withPass(pass1), []string{"keys", "rotate", "--label", "main", "ARGVKEY0123456789"}, 2, "never go on the command line"},
		{"passphrase on the passwd command line", "", withPass(pass1), []string{"vault", "passwd", "ARGVSECRET0123456789"}, 2, "never go on the command line"},
		{"secret after the label to remove", "", withPass(pass1), []string{"keys", "remove", "--label", "main", "--yes", "ARGVSECRET0123456789"}, 2, "never go on the command line"},
		{"wrong passphrase", "CASEKEY1\nCASESECRET1\n", withPass("not the passphrase"), []string{"keys", "add", "--label", "b"}, 1, "vault: wrong passphrase"},
		{"no passphrase and no terminal", "CASEKEY1\nCASESECRET1\n", nil, []string{"keys", "add", "--label", "b"}, 1, "set QUANTDECK_VAULT_PASSPHRASE"},
		{"rotate unknown label", "CASEKEY1\nCASESECRET1\n", withPass(pass1), []string{"keys", "rotate", "--label", "ghost"}, 1, "no active key"},
		{"rotate to the same key", "GOODKEY\nS\n", withPass(pass1), []string{"keys", "rotate", "--label", "main"}, 1, "same as the current one"},
		{"remove without --yes or a terminal", "", withPass(pass1), []string{"keys", "remove", "--label", "main"}, 2, "--yes"},
		{"unknown keys command", "", nil, []string{"keys", "frobnicate"}, 2, "unknown keys command"},
		{"passwd without the new passphrase", "", withPass(pass1), []string{"vault", "passwd"}, 1, "QUANTDECK_NEW_VAULT_PASSPHRASE"},
		{"passwd to a short passphrase", "", append(withPass(pass1), "QUANTDECK_NEW_VAULT_PASSPHRASE=short"), []string{"vault", "passwd"}, 1, "too short"},
		{"kdf iterations under the floor", "CASEKEY1\nCASESECRET1\n", append(withPass(pass1), "QUANTDECK_KDF_ITERATIONS=1000"), []string{"keys", "add", "--label", "b"}, 1, "at least 600000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := qd(t, home, c.stdin, c.env, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("want exit %d and %q, got %s", c.code, c.want, r)
			}
			for _, a := range c.args {
				if strings.HasPrefix(a, "ARGV") && strings.Contains(r.stdout+r.stderr, a) {
					t.Errorf("output repeats the argument %q", a)
				}
			}
			if c.stdin != "" {
				for _, line := range strings.Split(strings.TrimSpace(c.stdin), "\n") {
					if len(line) >= 5 && strings.Contains(r.stdout+r.stderr, line) {
						t.Errorf("output repeats input %q", line)
					}
				}
			}
			// The delay a wrong passphrase imposes must not slow the other cases.
			if _, err := execSQL(home, `UPDATE vault SET failed_unlocks = 0, last_failed_at = NULL`); err != nil {
				t.Fatal(err)
			}
			if after := mustQD(t, 0, home, "", nil, "keys", "list").stdout; after != before {
				t.Fatalf("keys changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}
	assertLent(t, home, pass1, map[string]string{"main": "GOODKEY/GOODSECRET"})
}

func execSQL(home, query string) (int64, error) {
	db, err := store.Open(context.Background(), home)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	res, err := db.Exec(query)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func TestFirstAddRefusesShortPassphrase(t *testing.T) {
	home := newHome(t)
	r := mustQD(t, 1, home, "CASEKEY1\nCASESECRET1\n", withPass("short pass"), "keys", "add", "--label", "main")
	if !strings.Contains(r.stderr, "too short: use at least 12 characters") {
		t.Fatalf("%s", r)
	}
	if n, err := execSQL(home, `SELECT 1 FROM vault`); err != nil || n != 0 {
		t.Fatalf("a vault was created: %d, %v", n, err)
	}
	mustQD(t, 0, home, "CASEKEY1\nCASESECRET1\n", withPass("exactly12chr"), "keys", "add", "--label", "main")
}

func TestStoreProblemsAreExplained(t *testing.T) {
	t.Run("not a database", func(t *testing.T) {
		home := newHome(t)
		if err := os.MkdirAll(home, 0o700); err != nil {
			t.Fatal(err)
		}
		junk := []byte("this is a text file, not SQLite\n")
		path := filepath.Join(home, store.FileName)
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		r := mustQD(t, 1, home, "CASEKEY1\nCASESECRET1\n", withPass(pass1), "keys", "add", "--label", "main")
		if !strings.Contains(r.stderr, "not a QuantDeck database") {
			t.Fatalf("%s", r)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
			t.Fatal("the file was modified")
		}
	})
	t.Run("readable by others", func(t *testing.T) {
		home := newHome(t)
		mustQD(t, 0, home, "", nil, "keys", "list")
		path := filepath.Join(home, store.FileName)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		r := mustQD(t, 1, home, "", nil, "keys", "list")
		if !strings.Contains(r.stderr, "readable by other users") || !strings.Contains(r.stderr, "chmod 600") {
			t.Fatalf("%s", r)
		}
	})
	t.Run("edited vault row", func(t *testing.T) {
		home := newHome(t)
		mustQD(t, 0, home, "CASEKEY1\nCASESECRET1\n", withPass(pass1), "keys", "add", "--label", "main")
		if _, err := execSQL(home, `UPDATE vault SET verifier = 'gAAAA'`); err != nil {
			t.Fatal(err)
		}
		r := mustQD(t, 1, home, "K2\nS2\n", withPass(pass1), "keys", "rotate", "--label", "main")
		if !strings.Contains(r.stderr, "integrity check") {
			t.Fatalf("%s", r)
		}
	})
}

// vault passwd fails in the middle of re-encryption: the old passphrase still opens the vault
// and every key and secret is intact.
func TestVaultPasswdFailsHalfWay(t *testing.T) {
	home := newHome(t)
	want := map[string]string{}
	for i := range 3 {
		label, k, s := fmt.Sprintf("k%d", i), fmt.Sprintf("HALFKEY%d", i), fmt.Sprintf("HALFSECRET%d", i)
		mustQD(t, 0, home, k+"\n"+s+"\n", withPass(pass1), "keys", "add", "--label", label)
		want[label] = k + "/" + s
	}
	if _, err := execSQL(home, `CREATE TRIGGER fail_midway BEFORE UPDATE OF api_key ON credentials
		WHEN OLD.label = 'k2' BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END`); err != nil {
		t.Fatal(err)
	}
	r := mustQD(t, 1, home, "", append(withPass(pass1), "QUANTDECK_NEW_VAULT_PASSPHRASE="+pass2), "vault", "passwd")
	if !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("%s", r)
	}
	if _, err := execSQL(home, `DROP TRIGGER fail_midway`); err != nil {
		t.Fatal(err)
	}
	assertLent(t, home, pass1, want)
	r = mustQD(t, 1, home, "", withPass(pass2), "keys", "remove", "--label", "k0", "--yes")
	if !strings.Contains(r.stderr, "wrong passphrase") {
		t.Fatalf("the new passphrase works after a failed passwd: %s", r)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	home := newHome(t)
	for _, args := range [][]string{
		{"keys", "-h"}, {"keys", "add", "-h"}, {"keys", "list", "-h"}, {"keys", "rotate", "-h"},
		{"keys", "remove", "-h"}, {"vault", "-h"}, {"vault", "passwd", "-h"},
	} {
		r := qd(t, home, "", nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: quantdeck") {
			t.Errorf("%v: %s", args, r)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if len(line) > 80 {
				t.Errorf("%v: line wider than 80 columns: %q", args, line)
			}
		}
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Error("-h touched the data directory")
	}
}
