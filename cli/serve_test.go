package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
)

// lockedBuffer is an output sink safe for the goroutines of a running serve.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveEnv is an Env whose settings come from vars only; removed variables disappear from it.
type serveEnv struct {
	*Env
	mu     sync.Mutex
	vars   map[string]string
	stdout *lockedBuffer
	stderr *lockedBuffer
}

func newServeEnv(t *testing.T, vars map[string]string) *serveEnv {
	t.Helper()
	se := &serveEnv{vars: vars, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	if _, ok := vars[config.EnvHome]; !ok {
		vars[config.EnvHome] = filepath.Join(t.TempDir(), "home")
	}
	se.Env = &Env{
		Stdin: strings.NewReader(""), Stdout: se.stdout, Stderr: se.stderr,
		IsTerminal: func(any) bool { return false },
		Source: &config.Source{
			Getenv: se.get,
			Environ: func() []string {
				se.mu.Lock()
				defer se.mu.Unlock()
				var out []string
				for k, v := range se.vars {
					out = append(out, k+"="+v)
				}
				return out
			},
			Unsetenv: func(k string) error { se.mu.Lock(); defer se.mu.Unlock(); delete(se.vars, k); return nil },
			Dir:      t.TempDir(),
		},
	}
	return se
}

func (se *serveEnv) get(k string) string {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.vars[k]
}

func TestTokenCommand(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		se := newServeEnv(t, map[string]string{})
		if err := cmdToken(context.Background(), se.Env, nil); err != nil {
			t.Fatal(err)
		}
		out := se.stdout.String()
		tok, ok := strings.CutSuffix(out, "\n")
		if !ok || strings.ContainsAny(tok, "\n =+/") {
			t.Fatalf("output %q is not one base64url line without padding", out)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q decodes to %d bytes (%v), want 32", tok, len(raw), err)
		}
		if err := api.CheckConfig("", tok, false); err != nil {
			t.Errorf("the API refuses a token from `quantdeck token`: %v", err)
		}
		if se.stderr.String() != "" {
			t.Errorf("stderr %q, want nothing", se.stderr.String())
		}
		if seen[tok] {
			t.Fatal("the same token twice")
		}
		seen[tok] = true
	}
	if err := cmdToken(context.Background(), newServeEnv(t, map[string]string{}).Env, []string{"extra"}); !errors.Is(err, ErrUsage) {
		t.Errorf("token with an argument: %v", err)
	}
	if _, err := newToken(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("newToken ignored a failing random source")
	}
}

func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		err     string
		warn    bool
	}{
		{"newline", "correct horse battery\n", 0o600, "correct horse battery", "", false},
		{"crlf", "correct horse battery\r\nsecond line", 0o600, "correct horse battery", "", false},
		{"no newline", "correct horse battery", 0o400, "correct horse battery", "", false},
		{"empty", "\n", 0o600, "", "is empty", false},
		{"too large", strings.Repeat("p", maxPassphraseFile+1), 0o600, "", "larger than", false},
		{"readable by others", "correct horse battery\n", 0o644, "correct horse battery", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if err := os.WriteFile(path, []byte(c.content), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			se := newServeEnv(t, map[string]string{})
			got, err := readPassphraseFile(se.Env, path)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
			if warned := strings.Contains(se.stderr.String(), "chmod 600"); warned != c.warn {
				t.Errorf("warning %v, want %v: %q", warned, c.warn, se.stderr.String())
			}
			if strings.Contains(se.stderr.String(), c.want) {
				t.Error("the passphrase reached stderr")
			}
		})
	}
	if _, err := readPassphraseFile(newServeEnv(t, map[string]string{}).Env, dir); err == nil {
		t.Error("a directory was accepted as the passphrase file")
	}
}

// TestServePassphraseTakesTheVariable: the variable leaves the environment whichever source
// is used.
func TestServePassphraseTakesTheVariable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte("from the file 123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", file} {
		se := newServeEnv(t, map[string]string{config.EnvVaultPassphrase: "from the env 123"})
		got, err := servePassphrase(se.Env, path)
		if err != nil {
			t.Fatal(err)
		}
		if se.get(config.EnvVaultPassphrase) != "" {
			t.Errorf("file %q: the passphrase variable is still set", path)
		}
		want := "from the env 123"
		if path != "" {
			want = "from the file 123"
		}
		if string(got) != want {
			t.Errorf("file %q: got %q, want %q", path, got, want)
		}
	}
	se := newServeEnv(t, map[string]string{})
	if got, err := servePassphrase(se.Env, ""); err != nil || got != nil {
		t.Errorf("no passphrase: %q, %v; want a sealed start", got, err)
	}
}

// TestServeRefusesBeforeOpeningAnything: bad API settings and a running instance stop serve
// before it opens the database.
func TestServeRefusesBeforeOpeningAnything(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	held, err := instance.Acquire(filepath.Join(t.TempDir(), "busy"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	cases := []struct {
		name string
		vars map[string]string
		args []string
		want error
		say  string
	}{
		{"short token", map[string]string{config.EnvHome: home, config.EnvAPIToken: "too-short"}, nil, api.ErrWeakToken, "quantdeck token"},
		{"public bind", map[string]string{config.EnvHome: home, config.EnvAPIToken: strings.Repeat("t", 40), config.EnvAPIAddr: "0.0.0.0:7465"},
			nil, api.ErrRemoteNotAllowed, "Tailscale"},
		{"already running", map[string]string{config.EnvHome: filepath.Dir(held.Path())}, nil, instance.ErrRunning, "pid"},
		{"missing passphrase file", map[string]string{config.EnvHome: home}, []string{"--passphrase-file", filepath.Join(home, "nope")}, os.ErrNotExist, "passphrase file"},
		{"stray argument", map[string]string{config.EnvHome: home}, []string{"now"}, ErrUsage, "no arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			se := newServeEnv(t, c.vars)
			err := cmdServe(context.Background(), se.Env, c.args)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.say) {
				t.Fatalf("serve: %v, want %v saying %q", err, c.want, c.say)
			}
			if _, err := os.Stat(filepath.Join(home, "quantdeck.db")); !os.IsNotExist(err) {
				t.Errorf("the database was opened: %v", err)
			}
		})
	}
}
