package cli

import (
	"bytes"
	"context"
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
				w.WriteHeader(http.StatusNoContent)
			},
			wantCode:  0,
			wantOut:   "ssh -p 2222 localhost",
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
