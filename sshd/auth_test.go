package sshd_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/sshd"
)

func TestAuthentication(t *testing.T) {
	home := t.TempDir()
	known, knownLine := newClientKey(t, "known@laptop")
	stranger, _ := newClientKey(t, "stranger@elsewhere")
	ts := startServer(t, home, standInModel)
	authorize(t, home, knownLine)
	host := ts.hostKey(t)

	answerAll := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return []string{"hunter2"}, nil
	})
	tests := []struct {
		name   string
		auth   []gossh.AuthMethod
		wantOK bool
	}{
		{"authorized key", []gossh.AuthMethod{gossh.PublicKeys(known)}, true},
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(stranger)}, false},
		{"password", []gossh.AuthMethod{gossh.Password("hunter2")}, false},
		{"keyboard-interactive", []gossh.AuthMethod{answerAll}, false},
		{"no credentials", nil, false},
		{"unknown key then password", []gossh.AuthMethod{gossh.PublicKeys(stranger), gossh.Password("hunter2")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := dial(ts.addr, host, tt.auth...)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("login refused: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("login accepted, want refused")
			}
			if !isAuthError(err) {
				t.Fatalf("err = %v, want an authentication failure", err)
			}
		})
	}
	if !strings.Contains(ts.logs.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Error("the refused key's fingerprint was not logged, so the user cannot tell which key to add")
	}
	if strings.Contains(ts.logs.String(), "hunter2") {
		t.Error("a password reached the log")
	}
}

func TestServerOffersOnlyPublicKey(t *testing.T) {
	ts := startServer(t, t.TempDir(), standInModel)
	probe := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		t.Error("server started a keyboard-interactive challenge")
		return nil, nil
	})
	_, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User: "trader",
		Auth: []gossh.AuthMethod{probe, gossh.PasswordCallback(func() (string, error) {
			t.Error("server accepted a password attempt")
			return "x", nil
		})},
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey(t)),
		BannerCallback:  func(string) error { return nil },
	})
	if err == nil {
		t.Fatal("login without a key succeeded")
	}
	// The client only tries methods the server offers; the callbacks above fail the test if
	// password or keyboard-interactive were offered. Only "none" was attempted.
	if !strings.Contains(err.Error(), "attempted methods [none]") {
		t.Fatalf("handshake error = %v, want only the none method attempted", err)
	}
}

func TestAuthorizedKeysReReadOnEachLogin(t *testing.T) {
	home := t.TempDir()
	ts := startServer(t, home, standInModel)
	host := ts.hostKey(t)
	signer, line := newClientKey(t, "late@laptop")

	if _, err := dial(ts.addr, host, gossh.PublicKeys(signer)); !isAuthError(err) {
		t.Fatalf("before the key is added: err = %v, want refused", err)
	}
	authorize(t, home, line)
	c, err := dial(ts.addr, host, gossh.PublicKeys(signer))
	if err != nil {
		t.Fatalf("after adding the key without a restart: %v", err)
	}
	c.Close()

	// Removing the key takes effect at once too.
	path := filepath.Join(home, sshd.AuthorizedKeysFile)
	if err := os.WriteFile(path, []byte("# nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(ts.addr, host, gossh.PublicKeys(signer)); !isAuthError(err) {
		t.Fatalf("after removing the key: err = %v, want refused", err)
	}

	// A file others can read while the server runs stops every login until it is fixed.
	authorize(t, home, line)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(ts.addr, host, gossh.PublicKeys(signer)); !isAuthError(err) {
		t.Fatalf("with authorized_keys at 0644: err = %v, want refused", err)
	}
	if !strings.Contains(ts.logs.String(), "chmod 600") {
		t.Error("the log does not say how to fix the exposed authorized_keys")
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = dial(ts.addr, host, gossh.PublicKeys(signer))
	if err != nil {
		t.Fatalf("after chmod 600: %v", err)
	}
	c.Close()
}

func TestHostKeyPersistsAcrossRestarts(t *testing.T) {
	home := t.TempDir()
	signer, line := newClientKey(t, "me@laptop")
	first := startServer(t, home, standInModel)
	authorize(t, home, line)
	pinned := first.hostKey(t)
	c, err := dial(first.addr, pinned, gossh.PublicKeys(signer))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	first.stop(t)

	second := startServer(t, home, standInModel)
	// The client still trusts only the key it saw the first time.
	c, err = dial(second.addr, pinned, gossh.PublicKeys(signer))
	if err != nil {
		t.Fatalf("after a restart the pinned host key no longer matches: %v", err)
	}
	c.Close()
}

func TestUnauthenticatedConnectionsTimeOut(t *testing.T) {
	ts := startServer(t, t.TempDir(), standInModel, func(s *sshd.Server) { s.SetHandshakeTimeout(200 * time.Millisecond) })
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Say nothing; the server must hang up on its own.
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept a silent unauthenticated connection open for 10s")
		}
		return
	}
}

func TestConnectionLimit(t *testing.T) {
	home := t.TempDir()
	signer, line := newClientKey(t, "me@laptop")
	ts := startServer(t, home, standInModel, func(s *sshd.Server) { s.SetMaxConns(1) })
	authorize(t, home, line)

	held, err := net.Dial("tcp", ts.addr) // silent, unauthenticated, holding the only slot
	if err != nil {
		t.Fatal(err)
	}
	greeting := make([]byte, 8)
	if _, err := held.Read(greeting); err != nil { // the server has accepted it
		t.Fatal(err)
	}
	if _, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer)); err == nil {
		t.Fatal("a connection over the limit was served")
	}
	held.Close()

	// The slot frees up once the held connection is gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := dial(ts.addr, ts.hostKey(t), gossh.PublicKeys(signer))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot never freed up: %v", err)
		}
		<-time.After(10 * time.Millisecond) // polling with a deadline
	}
}
