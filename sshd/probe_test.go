package sshd_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/sshd"
)

func TestProbeAndAttachHint(t *testing.T) {
	ts := startServer(t, t.TempDir(), standInModel)

	other, err := net.Listen("tcp", "127.0.0.1:0") // an SSH server that is not QuantDeck
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	_, port, _ := net.SplitHostPort(ts.addr)

	tests := []struct {
		name, addr string
		want       bool
	}{
		{"quantdeck", ts.addr, true},
		{"wildcard host probes loopback", "0.0.0.0:" + port, true},
		{"empty host probes loopback", ":" + port, true},
		{"another ssh server", other.Addr().String(), false},
		{"nothing listening", closedAddr, false},
		{"not an address", "nonsense", false},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sshd.Probe(ctx, tt.addr); got != tt.want {
				t.Fatalf("Probe(%q) = %v, want %v", tt.addr, got, tt.want)
			}
			hint := sshd.AttachHint(ctx, tt.addr)
			if tt.want != strings.Contains(hint, "attach with: ssh -p ") {
				t.Errorf("AttachHint(%q) = %q", tt.addr, hint)
			}
			if !tt.want && !strings.Contains(hint, "quantdeck serve --ssh") {
				t.Errorf("AttachHint(%q) = %q does not say how to get the cockpit", tt.addr, hint)
			}
		})
	}
}
