package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func testKey(t testing.TB) gossh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func authLine(k gossh.PublicKey) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

func TestParseAuthorizedKeys(t *testing.T) {
	a, b := testKey(t), testKey(t)
	tests := []struct {
		name         string
		content      string
		wantComments []string
		wantProblems int
	}{
		{"instructions only", authorizedKeysHelp, nil, 0},
		{"one key", authLine(a) + " me@laptop\n", []string{"me@laptop"}, 0},
		{"crlf and blanks", "\r\n" + authLine(a) + " one\r\n\r\n  " + authLine(b) + " two\r\n", []string{"one", "two"}, 0},
		{"garbage line skipped, rest kept", "not a key\n" + authLine(b) + " two\n", []string{"two"}, 1},
		{"options refused", `from="10.0.0.0/8" ` + authLine(a) + " one\n" + authLine(b) + " two\n", []string{"two"}, 1},
		{"restrict refused", "restrict " + authLine(a) + "\n", nil, 1},
		{"commented key ignored", "# " + authLine(a) + "\n", nil, 0},
		{"truncated key", authLine(a)[:30] + "\n", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, problems := parseAuthorizedKeys([]byte(tt.content))
			var comments []string
			for _, k := range keys {
				comments = append(comments, k.comment)
			}
			if fmt.Sprint(comments) != fmt.Sprint(tt.wantComments) {
				t.Errorf("keys = %v, want %v", comments, tt.wantComments)
			}
			if len(problems) != tt.wantProblems {
				t.Errorf("problems = %q, want %d", problems, tt.wantProblems)
			}
			for _, p := range problems {
				if !strings.HasPrefix(p, "line ") || strings.Contains(p, "AAAA") {
					t.Errorf("problem %q should name a line and never quote it", p)
				}
			}
		})
	}
}

func TestFindKey(t *testing.T) {
	a, b, c := testKey(t), testKey(t), testKey(t)
	keys, _ := parseAuthorizedKeys([]byte(authLine(a) + " a\n" + authLine(b) + " b\n"))
	if k, ok := findKey(keys, b); !ok || k.comment != "b" {
		t.Errorf("findKey(b) = %v, %v; want b", k.comment, ok)
	}
	if _, ok := findKey(keys, c); ok {
		t.Error("findKey found a key that is not listed")
	}
}

func TestLoadAuthorizedKeysRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), AuthorizedKeysFile)
	if err := os.WriteFile(path, []byte(strings.Repeat("#", maxAuthorizedKeysSize+10)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadAuthorizedKeys(path); err == nil {
		t.Fatal("a file over the size limit was accepted")
	}
}

func FuzzParseAuthorizedKeys(f *testing.F) {
	k := testKey(f)
	f.Add([]byte(authorizedKeysHelp))
	f.Add([]byte(authLine(k) + " me@laptop\n"))
	f.Add([]byte(`command="x" ` + authLine(k) + "\n# c\n\n"))
	f.Add([]byte("ssh-rsa AAAA\x00\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, problems := parseAuthorizedKeys(data)
		for _, key := range keys {
			if key.key == nil {
				t.Fatal("nil key returned")
			}
			if _, isCert := key.key.(*gossh.Certificate); isCert {
				t.Fatal("a certificate was accepted as a plain key")
			}
		}
		for _, p := range problems {
			if !strings.HasPrefix(p, "line ") {
				t.Fatalf("problem %q does not name its line", p)
			}
		}
	})
}

func BenchmarkAuthorize(b *testing.B) {
	path := filepath.Join(b.TempDir(), AuthorizedKeysFile)
	var sb strings.Builder
	sb.WriteString(authorizedKeysHelp)
	var last gossh.PublicKey
	for i := range 20 {
		last = testKey(b)
		fmt.Fprintf(&sb, "%s key%d\n", authLine(last), i)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		keys, _, err := loadAuthorizedKeys(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := findKey(keys, last); !ok {
			b.Fatal("key not found")
		}
	}
}
