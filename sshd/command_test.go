package sshd_test

import (
	"testing"

	"github.com/quantdeck/quantdeck/sshd"
)

func TestSSHCommand(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:2222", "ssh -p 2222 localhost"},
		{"[::1]:2222", "ssh -p 2222 localhost"},
		{"0.0.0.0:2200", "ssh -p 2200 localhost"},
		{":2222", "ssh -p 2222 localhost"},
		{"[::]:2222", "ssh -p 2222 localhost"},
		{"100.64.0.7:2222", "ssh -p 2222 100.64.0.7"},
		{"[fd7a::1]:2222", "ssh -p 2222 fd7a::1"},
		{"box.tailnet.ts.net:22", "ssh box.tailnet.ts.net"},
		{"evil;rm -rf:2222", `ssh -p 2222 'evil;rm -rf'`},
		{"no-port", "ssh no-port"},
	}
	for _, tt := range tests {
		if got := sshd.SSHCommand(tt.addr); got != tt.want {
			t.Errorf("SSHCommand(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
