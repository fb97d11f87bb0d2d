package sshd_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/sshd"
)

func newServer(home string) (*sshd.Server, error) {
	return sshd.New(sshd.Config{Addr: "127.0.0.1:0", Home: home, NewModel: standInModel})
}

func TestNewCreatesPrivateFiles(t *testing.T) {
	home := filepath.Join(t.TempDir(), "qd")
	srv, err := newServer(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{sshd.AuthorizedKeysFile, sshd.HostKeyFile} {
		fi, err := os.Stat(filepath.Join(home, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %04o, want 0600", name, got)
		}
	}
	fi, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("home mode = %04o, want 0700", got)
	}
	keys, err := os.ReadFile(srv.AuthorizedKeysPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(keys)), "\n") {
		if !strings.HasPrefix(line, "#") {
			t.Errorf("new authorized_keys has a non-comment line %q", line)
		}
	}
	if !strings.Contains(string(keys), "ssh-ed25519") || !strings.Contains(string(keys), "0600") {
		t.Errorf("authorized_keys lacks instructions:\n%s", keys)
	}
	if !strings.HasPrefix(srv.Fingerprint(), "SHA256:") {
		t.Errorf("Fingerprint() = %q, want SHA256:...", srv.Fingerprint())
	}
	if !strings.HasPrefix(srv.HostKey(), "ssh-ed25519 ") {
		t.Errorf("HostKey() = %q, want an ssh-ed25519 key", srv.HostKey())
	}
	tmp, _ := filepath.Glob(filepath.Join(home, ".*tmp*"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func TestHostKeyAndAuthorizedKeysPersist(t *testing.T) {
	home := t.TempDir()
	first, err := newServer(home)
	if err != nil {
		t.Fatal(err)
	}
	_, line := newClientKey(t, "me@laptop")
	authorize(t, home, line)
	second, err := newServer(home)
	if err != nil {
		t.Fatal(err)
	}
	if first.Fingerprint() != second.Fingerprint() {
		t.Errorf("host key changed across restarts: %s then %s", first.Fingerprint(), second.Fingerprint())
	}
	keys, err := os.ReadFile(second.AuthorizedKeysPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(keys), line) {
		t.Error("a restart rewrote authorized_keys and lost the key")
	}
}

func TestNewRefusesExposedFiles(t *testing.T) {
	tests := []struct {
		name  string
		file  string // relative to home; "" is home itself
		mode  os.FileMode
		wantE error
	}{
		{"authorized_keys readable by others", sshd.AuthorizedKeysFile, 0o644, sshd.ErrExposed},
		{"authorized_keys readable by group", sshd.AuthorizedKeysFile, 0o640, sshd.ErrExposed},
		{"authorized_keys writable by others", sshd.AuthorizedKeysFile, 0o602, sshd.ErrExposed},
		{"host key readable by others", sshd.HostKeyFile, 0o604, sshd.ErrExposed},
		{"host key readable by group", sshd.HostKeyFile, 0o640, sshd.ErrExposed},
		{"home writable by others", "", 0o777, sshd.ErrExposed},
		{"home writable by group", "", 0o770, sshd.ErrExposed},
		{"authorized_keys read-only is fine", sshd.AuthorizedKeysFile, 0o400, nil},
		{"home readable by others is fine", "", 0o755, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			if _, err := newServer(home); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(home, tt.file), tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := newServer(home)
			if !errors.Is(err, tt.wantE) || (tt.wantE == nil && err != nil) {
				t.Fatalf("New with %s at %04o: err = %v, want %v", tt.file, tt.mode, err, tt.wantE)
			}
			if err != nil && !strings.Contains(err.Error(), "chmod") {
				t.Errorf("error %q does not say how to fix it", err)
			}
		})
	}
}

func TestNewRefusesCorruptHostKey(t *testing.T) {
	home := t.TempDir()
	secret := "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END OPENSSH PRIVATE KEY-----\n"
	if err := os.WriteFile(filepath.Join(home, sshd.HostKeyFile), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := newServer(home)
	if err == nil {
		t.Fatal("New accepted a corrupt host key")
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error quotes key material: %v", err)
	}
}

func TestNewChecksAddress(t *testing.T) {
	tests := []struct {
		addr        string
		allowRemote bool
		want        error
		wantAnyErr  bool
	}{
		{addr: "127.0.0.1:2222"},
		{addr: "[::1]:2222"},
		{addr: "localhost:2222"},
		{addr: ""}, // the default, 127.0.0.1:2222
		{addr: "0.0.0.0:2222", want: sshd.ErrRemoteRefused},
		{addr: ":2222", want: sshd.ErrRemoteRefused},
		{addr: "[::]:2222", want: sshd.ErrRemoteRefused},
		{addr: "192.168.1.10:2222", want: sshd.ErrRemoteRefused},
		{addr: "0.0.0.0:2222", allowRemote: true},
		{addr: "no-port", wantAnyErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			srv, err := sshd.New(sshd.Config{Addr: tt.addr, AllowRemote: tt.allowRemote, Home: t.TempDir(), NewModel: standInModel})
			switch {
			case tt.wantAnyErr:
				if err == nil {
					t.Fatal("New accepted an address without a port")
				}
			case tt.want != nil:
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if !strings.Contains(err.Error(), "QUANTDECK_API_ALLOW_REMOTE") || !strings.Contains(err.Error(), "Tailscale") {
					t.Errorf("error %q does not name the setting and suggest a tunnel", err)
				}
			case err != nil:
				t.Fatalf("New(%q) = %v", tt.addr, err)
			case tt.addr == "" && srv.Addr() != sshd.DefaultAddr:
				t.Errorf("default address = %q, want %q", srv.Addr(), sshd.DefaultAddr)
			}
		})
	}
}

func TestNewNeedsHomeAndFactory(t *testing.T) {
	if _, err := sshd.New(sshd.Config{NewModel: standInModel}); err == nil {
		t.Error("New without Home succeeded")
	}
	if _, err := sshd.New(sshd.Config{Home: t.TempDir()}); err == nil {
		t.Error("New without NewModel succeeded")
	}
}
