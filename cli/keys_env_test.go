package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
)

// Both passphrase variables leave the environment as a keys or vault command starts, whatever
// happens next: no failure path leaves one for a child process to inherit.
func TestPassphraseVariablesLeaveTheEnvironment(t *testing.T) {
	home := newHome(t)
	ctx := context.Background()
	vars := map[string]string{config.EnvVaultPassphrase: pass1}
	k, _, errb := inProcessKeyTool(t, home, "ENVKEY0001\nENVSECRET0001\n", vars, app.SimChecker{})
	if err := k.keys(ctx, []string{"add", "--label", "main"}); err != nil {
		t.Fatalf("creating the vault: %v\n%s", err, errb)
	}
	cases := []struct {
		name    string
		args    []string
		keys    bool // a keys command, else a vault command
		wantErr string
	}{
		{"passwd with a wrong current passphrase", []string{"passwd"}, false, "wrong passphrase"},
		{"add with a label that exists", []string{"add", "--label", "main"}, true, "already exists"},
		{"usage error", []string{"rotate"}, true, "--label is required"},
		{"list, which needs no passphrase", []string{"list"}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{config.EnvVaultPassphrase: "not the passphrase", config.EnvNewVaultPassphrase: pass2}
			k, _, _ := inProcessKeyTool(t, home, "", vars, app.SimChecker{})
			var err error
			if c.keys {
				err = k.keys(ctx, c.args)
			} else {
				err = k.vault(ctx, c.args)
			}
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			for _, name := range []string{config.EnvVaultPassphrase, config.EnvNewVaultPassphrase} {
				if _, ok := vars[name]; ok {
					t.Errorf("%s is still in the environment", name)
				}
			}
			if _, err := execSQL(home, `UPDATE vault SET failed_unlocks = 0, last_failed_at = NULL`); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The held values are still what the command reads, once each.
func TestHoldPassphrasesKeepsValuesForOneTake(t *testing.T) {
	vars := map[string]string{config.EnvVaultPassphrase: pass1, "OTHER": "x"}
	src := &config.Source{
		Getenv:   func(k string) string { return vars[k] },
		Unsetenv: func(k string) error { delete(vars, k); return nil },
	}
	holdPassphrases(src)
	if _, ok := vars[config.EnvVaultPassphrase]; ok {
		t.Fatal("not removed from the environment")
	}
	if src.Getenv("OTHER") != "x" {
		t.Fatal("other variables changed")
	}
	p, ok := src.TakePassphrase(config.EnvVaultPassphrase)
	if !ok || string(p) != pass1 {
		t.Fatalf("first take: %q, %v", p, ok)
	}
	if p, ok := src.TakePassphrase(config.EnvVaultPassphrase); ok {
		t.Fatalf("second take returned %q", p)
	}
	if _, ok := src.TakePassphrase(config.EnvNewVaultPassphrase); ok {
		t.Fatal("an unset variable was returned")
	}
}
