package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/config"
)

// cockpitEnv is an environment without a terminal, with its variables in a map.
func cockpitEnv(t *testing.T, vars map[string]string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		IsTerminal: func(any) bool { return false },
		Source: &config.Source{
			Getenv:   func(k string) string { return vars[k] },
			Environ:  func() []string { return nil },
			Unsetenv: func(k string) error { delete(vars, k); return nil },
			Dir:      t.TempDir(),
		},
	}
	return env, &stdout, &stderr
}

func TestCockpitCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "", "flag provided but not defined"},
		{"no terminal", nil, 1, "", "the cockpit needs an interactive terminal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{config.EnvHome: t.TempDir(), config.EnvVaultPassphrase: "a passphrase for scripts"}
			env, stdout, stderr := cockpitEnv(t, vars)
			if code := Run(context.Background(), env, tc.args); code != tc.wantCode {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Fatalf("stdout lacks %q:\n%s", tc.wantStdout, stdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Fatalf("stderr lacks %q:\n%s", tc.wantStderr, stderr)
			}
			if strings.Contains(stdout.String()+stderr.String(), "a passphrase for scripts") {
				t.Fatal("the passphrase was printed")
			}
		})
	}
	t.Run("help explains tmux and signals", func(t *testing.T) {
		env, stdout, _ := cockpitEnv(t, map[string]string{})
		if err := cmdCockpit(context.Background(), env, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("cmdCockpit -h = %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{"tmux new -A -s quantdeck quantdeck", "SIGTERM and SIGHUP stop it cleanly"} {
			if !strings.Contains(stdout.String(), want) {
				t.Fatalf("help lacks %q:\n%s", want, stdout)
			}
		}
	})
	t.Run("the passphrase variable is taken even when the cockpit cannot start", func(t *testing.T) {
		vars := map[string]string{config.EnvHome: t.TempDir(), config.EnvVaultPassphrase: "a passphrase for scripts"}
		env, _, _ := cockpitEnv(t, vars)
		Run(context.Background(), env, nil)
		if _, ok := vars[config.EnvVaultPassphrase]; ok {
			t.Fatal("QUANTDECK_VAULT_PASSPHRASE is still in the environment")
		}
	})
}

func TestStoppedNote(t *testing.T) {
	for _, tc := range []struct {
		running int
		want    string
	}{
		{0, ""},
		{1, "QuantDeck stopped; 1 bot was running and resumes at the next start."},
		{3, "QuantDeck stopped; 3 bots were running and resume at the next start."},
	} {
		if got := stoppedNote(tc.running); got != tc.want {
			t.Errorf("stoppedNote(%d) = %q, want %q", tc.running, got, tc.want)
		}
	}
}
