package sshd_test

import (
	"strings"
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
		{"box:22;reboot", "ssh -p '22;reboot' box"},
		{"-oProxyCommand=x:2222", "ssh -p 2222 -- '-oProxyCommand=x'"},
		{"-p:22", "ssh -- '-p'"},
		{"it's:2222", `ssh -p 2222 'it'\''s'`},
	}
	for _, tt := range tests {
		if got := sshd.SSHCommand(tt.addr); got != tt.want {
			t.Errorf("SSHCommand(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// FuzzSSHCommand checks that whatever the configured address, the printed command is ssh
// followed by words a POSIX shell takes literally.
func FuzzSSHCommand(f *testing.F) {
	for _, s := range []string{"127.0.0.1:2222", "[::1]:22", "a b:1", "x:$(id)", "'`;|&:9", "-o:2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		cmd := sshd.SSHCommand(addr)
		words, ok := shellWords(cmd)
		if !ok || len(words) < 2 || words[0] != "ssh" {
			t.Fatalf("SSHCommand(%q) = %q: not ssh with literal words", addr, cmd)
		}
		// ssh reads options until "--" or the first word that is not an option or its value.
		for i := 1; i < len(words)-1; i++ {
			switch w := words[i]; {
			case w == "--":
				if i != len(words)-2 {
					t.Fatalf("SSHCommand(%q) = %q: words after the host", addr, cmd)
				}
				return
			case w == "-p":
				i++ // its value
			default:
				t.Fatalf("SSHCommand(%q) = %q: unexpected word %q before the host", addr, cmd, w)
			}
		}
		if host := words[len(words)-1]; strings.HasPrefix(host, "-") {
			t.Fatalf("SSHCommand(%q) = %q: the host would be read as an option", addr, cmd)
		}
	})
}

// shellWords splits s like a POSIX shell that sees only plain words, single quotes and \'
// (an escaped quote); ok is false when s holds anything else a shell would interpret.
func shellWords(s string) (words []string, ok bool) {
	var cur strings.Builder
	inWord, quoted, escaped := false, false, false
	for _, r := range s {
		switch {
		case quoted:
			if r == '\'' {
				quoted = false
			} else {
				cur.WriteRune(r)
			}
		case escaped:
			if r != '\'' {
				return nil, false
			}
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%[]", r):
			cur.WriteRune(r)
			inWord = true
		default:
			return nil, false
		}
	}
	if quoted || escaped {
		return nil, false
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}
