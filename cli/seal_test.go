package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
)

// sealEnv is an in-process environment whose QUANTDECK_HOME is home.
func sealEnv(home string, vars ...string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	m := map[string]string{config.EnvHome: home}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Source: &config.Source{
			Getenv:   func(k string) string { return m[k] },
			Environ:  func() []string { return nil },
			Unsetenv: func(k string) error { delete(m, k); return nil },
			Dir:      home,
		},
		IsTerminal: func(any) bool { return false },
	}, &out, &errb
}

// fakeServe serves h on home's control socket, as a running serve does, until the test ends.
func fakeServe(t *testing.T, home string, h http.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- instance.ServeControl(ctx, home, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("control socket: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(instance.SocketPath(home)); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("control socket did not appear")
		}
		select {
		case err := <-done:
			t.Fatalf("control socket stopped: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestSeal(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		serve     http.HandlerFunc // nil: no serve running
		wantCode  int
		wantOut   string
		wantErr   string
		wantSeals int32
	}{
		{
			name:     "nothing running",
			wantCode: 1,
			wantErr:  "no 'quantdeck serve' is running",
		},
		{
			name: "running serve seals",
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"vault":"sealed","ssh_addr":"127.0.0.1:2299"}`))
			},
			wantCode:  0,
			wantOut:   "ssh -p 2299 localhost",
			wantSeals: 1,
		},
		{
			name: "running serve refuses",
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				_, _ = w.Write([]byte(`{"error":"seal: stopping live bot alpha failed; try again"}`))
			},
			wantCode:  1,
			wantErr:   "stopping live bot alpha failed",
			wantSeals: 1,
		},
		{name: "help", args: []string{"-h"}, wantCode: 0, wantOut: "drop its derived vault key"},
		{name: "stray argument", args: []string{"now"}, wantCode: 2, wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			var seals atomic.Int32
			if tt.serve != nil {
				mux := http.NewServeMux()
				mux.HandleFunc("POST /v1/seal", func(w http.ResponseWriter, r *http.Request) {
					seals.Add(1)
					tt.serve(w, r)
				})
				fakeServe(t, home, mux)
			}
			env, out, errb := sealEnv(home)
			code := Run(context.Background(), env, append([]string{"seal"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errb)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errb, tt.wantErr)
			}
			if got := seals.Load(); got != tt.wantSeals {
				t.Errorf("the running serve was asked to seal %d times, want %d", got, tt.wantSeals)
			}
		})
	}
}

// TestSealNamesWhereServeListens runs serve --ssh on port 0 (the kernel picks the port) and
// seals it from a shell whose settings name another address: seal must print the address the
// running serve really listens on, and that address must answer SSH.
func TestSealNamesWhereServeListens(t *testing.T) {
	vars := serveVars(t)
	vars[config.EnvSSHAddr] = "127.0.0.1:0"
	se := newServeEnv(t, vars)
	rs := startServe(t, se, "--ssh")
	home := se.get(config.EnvHome)
	var cmd string
	deadline := time.Now().Add(20 * time.Second)
	for {
		env, out, errb := sealEnv(home, config.EnvSSHAddr+"=127.0.0.1:2222")
		if code := Run(context.Background(), env, []string{"seal"}); code != 0 {
			t.Fatalf("seal: exit %d\n%s%s", code, out, errb)
		}
		_, cmd, _ = strings.Cut(out.String(), "Unlock again from the cockpit: ")
		if cmd != "" || time.Now().After(deadline) {
			break // the SSH listener may still be starting when the API answers
		}
		time.Sleep(20 * time.Millisecond)
	}
	f := strings.Fields(cmd)
	if len(f) != 4 || f[0] != "ssh" || f[1] != "-p" || f[3] != "localhost" || f[2] == "2222" || f[2] == "0" {
		t.Fatalf("seal printed %q, want ssh -p <the port serve bound> localhost", cmd)
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+f[2], 5*time.Second)
	if err != nil {
		t.Fatalf("nothing listens where seal points: %v", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	banner := make([]byte, 8)
	if _, err := io.ReadFull(conn, banner); err != nil || string(banner) != "SSH-2.0-" {
		t.Fatalf("%s answers %q (%v), not SSH", f[2], banner, err)
	}
	if err := rs.stop(); err != nil {
		t.Fatal(err)
	}
}

func TestSealWithoutSSHSaysHowToUnlock(t *testing.T) {
	home := t.TempDir()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/seal", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"vault":"sealed"}`))
	})
	fakeServe(t, home, mux)
	env, out, errb := sealEnv(home, config.EnvSSHAddr+"=127.0.0.1:2222")
	if code := Run(context.Background(), env, []string{"seal"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	if strings.Contains(out.String(), "ssh -p") || !strings.Contains(out.String(), "does not host the cockpit over SSH") {
		t.Fatalf("seal of a serve without SSH printed:\n%s", out)
	}
}
