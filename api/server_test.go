package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestNewRefusesUnsafeConfig(t *testing.T) {
	eng := newFakeEngine()
	cases := []struct {
		name    string
		cfg     Config
		wantErr error
		say     string // the explanation must mention this
	}{
		{"no token", Config{}, ErrNoToken, "quantdeck token"},
		{"short token", Config{Token: strings.Repeat("a", MinTokenLen-1)}, ErrWeakToken, "at least 32"},
		{"token with space", Config{Token: strings.Repeat("a", 20) + " " + strings.Repeat("b", 20)}, ErrWeakToken, "visible ASCII"},
		{"all interfaces v4", Config{Token: testToken, Addr: "0.0.0.0:7465"}, ErrRemoteNotAllowed, "QUANTDECK_API_ALLOW_REMOTE"},
		{"all interfaces empty host", Config{Token: testToken, Addr: ":7465"}, ErrRemoteNotAllowed, "Tailscale"},
		{"all interfaces v6", Config{Token: testToken, Addr: "[::]:7465"}, ErrRemoteNotAllowed, "beyond this machine"},
		{"lan address", Config{Token: testToken, Addr: "192.168.1.20:7465"}, ErrRemoteNotAllowed, "QUANTDECK_API_ADDR"},
		{"host name", Config{Token: testToken, Addr: "example.com:7465"}, ErrRemoteNotAllowed, ""},
		{"not host:port", Config{Token: testToken, Addr: "127.0.0.1"}, ErrBadAddr, ""},
		{"no engine", Config{Token: testToken}, ErrNoEngine, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.wantErr, ErrNoEngine) {
				c.cfg.Engine = eng
			}
			_, err := New(c.cfg)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("New: %v, want %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.say) {
				t.Errorf("error %q does not say %q", err, c.say)
			}
			if c.cfg.Token != "" && strings.Contains(err.Error(), c.cfg.Token) {
				t.Error("error contains the token")
			}
		})
	}
}

func TestNewAcceptsLoopbackAndWarnsForRemote(t *testing.T) {
	eng := newFakeEngine()
	srv, err := New(Config{Token: testToken, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != DefaultAddr || srv.Addr() != "127.0.0.1:7465" {
		t.Errorf("default address %q, want 127.0.0.1:7465", srv.Addr())
	}
	host, _, _ := net.SplitHostPort(srv.Addr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default address %q is not loopback", srv.Addr())
	}
	if srv.Warning() != "" {
		t.Errorf("warning on loopback: %q", srv.Warning())
	}
	for _, addr := range []string{"localhost:7465", "[::1]:7465", "127.0.0.2:1"} {
		srv, err := New(Config{Token: testToken, Engine: eng, Addr: addr})
		if err != nil || srv.Warning() != "" {
			t.Errorf("%s: err %v, warning %q", addr, err, srv.Warning())
		}
	}
	logs := &syncBuffer{}
	srv, err = New(Config{Token: testToken, Engine: eng, Addr: "0.0.0.0:7465", AllowRemote: true,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatalf("with AllowRemote: %v", err)
	}
	for _, w := range []string{srv.Warning(), logs.String()} {
		if !strings.Contains(w, "Tailscale") {
			t.Errorf("warning %q does not suggest a private tunnel", w)
		}
	}
}

// TestServeListenerRefusesWithoutToken: a local-only server can never be put on TCP.
func TestServeListenerRefusesWithoutToken(t *testing.T) {
	srv, err := NewLocal(Config{Engine: newFakeEngine()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ServeListener(context.Background(), ln); !errors.Is(err, ErrNoToken) {
		t.Fatalf("ServeListener without token: %v", err)
	}
	if err := srv.Serve(context.Background()); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Serve without token: %v", err)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	eng := newFakeEngine()
	srv, err := New(Config{Token: testToken, Engine: eng, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	waitFor(t, "the metrics subscription", func() bool { return eng.subscribers() == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := eng.subscribers(); n != 0 {
		t.Errorf("%d subscriptions left after Serve returned", n)
	}
}
