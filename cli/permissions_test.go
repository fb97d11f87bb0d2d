package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// fakeChecker reports fixed permissions and remembers the key it was shown.
type fakeChecker struct {
	perms exchange.Permissions
	err   error
	saw   *string
}

func (f fakeChecker) CheckPermissions(_ context.Context, apiKey, _ []byte) (exchange.Permissions, error) {
	*f.saw = string(apiKey)
	return f.perms, f.err
}

// inProcessKeyTool runs the key commands in this process with piped stdin, no terminal and
// the given checker.
func inProcessKeyTool(t *testing.T, home, stdin string, vars map[string]string, checker exchange.PermissionChecker) (*keyTool, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	vars[config.EnvHome] = home
	vars[config.EnvKDFIterations] = "600000"
	var out, errb bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Source: &config.Source{
			Getenv:   func(k string) string { return vars[k] },
			Unsetenv: func(k string) error { delete(vars, k); return nil },
			Dir:      t.TempDir(),
		},
		IsTerminal: func(any) bool { return false },
	}
	k := &keyTool{
		env:     env,
		openTTY: func() (*os.File, error) { return nil, errors.New("no terminal in tests") },
		checkerFor: func(config.Settings, string) (exchange.PermissionChecker, error) {
			return checker, nil
		},
	}
	return k, &out, &errb
}

func TestAddVetsPermissions(t *testing.T) {
	boom := errors.New("exchange said no")
	cases := []struct {
		name    string
		perms   exchange.Permissions
		err     error
		yes     bool
		wantErr string
		wantOut []string
		notOut  string
	}{
		{name: "can withdraw", perms: exchange.Permissions{CanTrade: true, CanWithdraw: true, Checked: true},
			wantErr: "refusing a key that can withdraw funds"},
		{name: "can withdraw, even unchecked with --yes", perms: exchange.Permissions{CanWithdraw: true}, yes: true,
			wantErr: "untick Enable Withdrawals"},
		{name: "cannot trade", perms: exchange.Permissions{Checked: true}, wantErr: "cannot trade"},
		{name: "checker fails", err: boom, wantErr: "checking the key with binance: exchange said no"},
		{name: "unchecked without --yes", perms: exchange.Permissions{Note: "testnet has no restrictions endpoint"},
			wantErr: "run again with --yes"},
		{name: "unchecked with --yes", perms: exchange.Permissions{CanTrade: true, Note: "testnet has no restrictions endpoint"}, yes: true,
			wantOut: []string{"unchecked", "testnet has no restrictions endpoint", "Stored key"}},
		{name: "any IP is shown with a recommendation", perms: exchange.Permissions{CanTrade: true, Checked: true},
			wantOut: []string{"trade, no withdrawals, any IP", "Recommended: restrict"}},
		{name: "IP restriction is shown", perms: exchange.Permissions{CanTrade: true, IPRestricted: true, Checked: true},
			wantOut: []string{"IP-restricted"}, notOut: "Recommended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			vars := map[string]string{config.EnvVaultPassphrase: "a passphrase long enough"}
			var saw string
			k, out, _ := inProcessKeyTool(t, home, "PERMKEY1\nPERMSECRET1\n", vars, fakeChecker{perms: c.perms, err: c.err, saw: &saw})
			args := []string{"--label", "main", "--exchange", "binance"}
			if c.yes {
				args = append(args, "--yes")
			}
			err := k.add(context.Background(), args)
			if saw != "PERMKEY1" {
				t.Errorf("checker saw key %q", saw)
			}
			if _, ok := vars[config.EnvVaultPassphrase]; ok {
				t.Error("the passphrase variable is still in the environment")
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				assertNoVault(t, home)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if c.notOut != "" && strings.Contains(out.String(), c.notOut) {
				t.Errorf("output has %q:\n%s", c.notOut, out)
			}
		})
	}
}

// assertNoVault checks that a refused first key left no vault behind.
func assertNoVault(t *testing.T, home string) {
	t.Helper()
	db, err := store.Open(context.Background(), home)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := vault.New(db).Exists(context.Background()); err != nil || ok {
		t.Fatalf("a refused key created a vault (%v, %v)", ok, err)
	}
}

func TestPermissionCheckerChoice(t *testing.T) {
	cases := []struct {
		exchange string
		wantErr  string
	}{
		{"sim", ""},
		{"kraken", "unknown exchange"},
	}
	for _, c := range cases {
		pc, err := app.PermissionChecker(config.Settings{}, c.exchange)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: err = %v, want %q", c.exchange, err, c.wantErr)
			}
			continue
		}
		p, err := pc.CheckPermissions(context.Background(), []byte("k"), []byte("s"))
		if err != nil || !p.CanTrade || p.CanWithdraw || !p.Checked {
			t.Errorf("%s: %+v, %v", c.exchange, p, err)
		}
	}
}
