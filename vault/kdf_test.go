package vault

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type pbkdf2Vector struct {
	Source     string `json:"source"`
	Password   string `json:"password"`
	PassHex    string `json:"password_hex"`
	Salt       string `json:"salt"`
	SaltHex    string `json:"salt_hex"`
	Iterations int    `json:"iterations"`
	DKLen      int    `json:"dkLen"`
	DKHex      string `json:"dk_hex"`
}

func decodeOr(t *testing.T, hx, plain string) []byte {
	t.Helper()
	if hx == "" {
		return []byte(plain)
	}
	b, err := hex.DecodeString(hx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Published PBKDF2-HMAC-SHA256 known answers (RFC 7914 §11 and others; sources in the file).
func TestPBKDF2KnownAnswers(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "pbkdf2", "pbkdf2_hmac_sha256.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Vectors []pbkdf2Vector }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 5 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	for i, v := range file.Vectors {
		t.Run(fmt.Sprintf("%d_%d_iter", i, v.Iterations), func(t *testing.T) {
			t.Parallel()
			pass := decodeOr(t, v.PassHex, v.Password)
			salt := decodeOr(t, v.SaltHex, v.Salt)
			got := make([]byte, v.DKLen)
			if err := deriveInto(context.Background(), got, pass, salt, v.Iterations); err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != v.DKHex {
				t.Errorf("%s:\n got %x\nwant %s", v.Source, got, v.DKHex)
			}
		})
	}
}

// The derivation agrees with the standard library's on varied shapes.
func TestDeriveMatchesStandardLibrary(t *testing.T) {
	cases := []struct {
		pass, salt string
		iter, n    int
	}{
		{"", "", 1, 32}, {"p", "s", 3, 1}, {"long passphrase here", "sixteen byte slt", 5000, 32},
		{"x", "y", 17, 65}, {"unicode ✓ pass", "salt", 16385, 32},
	}
	for _, c := range cases {
		got := make([]byte, c.n)
		if err := deriveInto(context.Background(), got, []byte(c.pass), []byte(c.salt), c.iter); err != nil {
			t.Fatal(err)
		}
		want, err := pbkdf2.Key(sha256.New, c.pass, []byte(c.salt), c.iter, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v: got %x want %x", c, got, want)
		}
	}
	if err := deriveInto(context.Background(), make([]byte, 32), []byte("p"), nil, 0); err == nil {
		t.Error("0 iterations accepted")
	}
}

// A derivation asked for after its context ended does not start, and leaves dst untouched.
func TestDeriveRefusesEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := make([]byte, 32)
	if err := deriveInto(ctx, dst, []byte("p"), []byte("s"), 1000); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !bytes.Equal(dst, make([]byte, 32)) {
		t.Fatal("dst was written")
	}
}

func TestCalibrateNeverBelowFloor(t *testing.T) {
	for _, target := range []time.Duration{time.Microsecond, 50 * time.Millisecond} {
		if n := Calibrate(target); n < MinIterations || n%10_000 != 0 {
			t.Errorf("Calibrate(%v) = %d, want a multiple of 10000 >= %d", target, n, MinIterations)
		}
	}
}

func BenchmarkPBKDF2MinIterations(b *testing.B) {
	salt := make([]byte, 16)
	dst := make([]byte, 32)
	for b.Loop() {
		if err := deriveInto(context.Background(), dst, testPass, salt, MinIterations); err != nil {
			b.Fatal(err)
		}
	}
}
