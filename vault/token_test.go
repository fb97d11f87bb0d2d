package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fernet/fernet-go"
)

// The Fernet spec's vectors (github.com/fernet/spec), run through the token layer the vault
// uses, which is fernet-go.

type fernetVector struct {
	Desc   string `json:"desc"`
	Token  string `json:"token"`
	Now    string `json:"now"`
	TTL    int    `json:"ttl_sec"`
	IVInts []int  `json:"iv"`
	Src    string `json:"src"`
	Secret string `json:"secret"`
}

func loadFernetVectors(t *testing.T, name string) []fernetVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fernet", name))
	if err != nil {
		t.Fatal(err)
	}
	var vs []fernetVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	return vs
}

func (fv fernetVector) key(t *testing.T) *fernet.Key {
	t.Helper()
	k, err := fernet.DecodeKey(fv.Secret)
	if err != nil {
		t.Fatalf("bad vector secret: %v", err)
	}
	return k
}

func (fv fernetVector) now(t *testing.T) time.Time {
	t.Helper()
	n, err := time.Parse(time.RFC3339, fv.Now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ttlAsOf turns the vector's TTL, meant to be checked at the vector's "now", into the TTL that
// gives the same verdict when fernet-go checks it against the real clock: the token is as much
// older now as the real clock is past the vector's now.
func (fv fernetVector) ttlAsOf(t *testing.T) time.Duration {
	return time.Duration(fv.TTL)*time.Second + time.Since(fv.now(t))
}

// ivReader makes crypto/rand.Reader, from which fernet-go draws each token's IV, yield iv once,
// for the length of the test. Tests using it must not run in parallel.
func ivReader(t *testing.T, iv []byte) {
	t.Helper()
	orig := rand.Reader
	rand.Reader = bytes.NewReader(iv)
	t.Cleanup(func() { rand.Reader = orig })
}

func TestFernetGenerateVectors(t *testing.T) {
	for _, fv := range loadFernetVectors(t, "generate.json") {
		iv := make([]byte, len(fv.IVInts))
		for i, b := range fv.IVInts {
			iv[i] = byte(b)
		}
		ivReader(t, iv)
		got, err := sealToken(fv.key(t), []byte(fv.Src), fv.now(t))
		if err != nil {
			t.Fatal(err)
		}
		if got != fv.Token {
			t.Errorf("generate %q:\n got %s\nwant %s", fv.Src, got, fv.Token)
		}
	}
}

func TestFernetVerifyVectors(t *testing.T) {
	for _, fv := range loadFernetVectors(t, "verify.json") {
		got, err := openToken(fv.key(t), fv.Token)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if string(got) != fv.Src {
			t.Errorf("verify: got %q, want %q", got, fv.Src)
		}
		// The same token within its TTL, as fernet-go checks it.
		if got := fernet.VerifyAndDecrypt([]byte(fv.Token), fv.ttlAsOf(t), []*fernet.Key{fv.key(t)}); string(got) != fv.Src {
			t.Errorf("verify with TTL: got %q, want %q", got, fv.Src)
		}
	}
}

// Each invalid vector is refused. Those that are not Fernet tokens at all are refused as
// malformed (a damaged row); those with a bad MAC, or whose MAC is right but whose padding is
// not (only the key holder could make one), as failing authentication. The two about time are
// about TTLs, which the vault never applies (stored secrets do not expire): the expired one is
// refused by fernet-go's TTL check, and both are accepted without a TTL, as the vault opens them.
func TestFernetInvalidVectors(t *testing.T) {
	want := map[string]error{
		"incorrect mac":  errTokenAuth,
		"too short":      errTokenMalformed,
		"invalid base64": errTokenMalformed,
		"payload size not multiple of block size": errTokenMalformed,
		"payload padding error":                   errTokenAuth,
		"far-future TS (unacceptable clock skew)": nil,
		"expired TTL":                         nil,
		"incorrect IV (causes padding error)": errTokenAuth,
	}
	vs := loadFernetVectors(t, "invalid.json")
	if len(vs) != len(want) {
		t.Fatalf("%d invalid vectors, want %d", len(vs), len(want))
	}
	for _, fv := range vs {
		t.Run(fv.Desc, func(t *testing.T) {
			wantErr, ok := want[fv.Desc]
			if !ok {
				t.Fatalf("no expected error for %q", fv.Desc)
			}
			got, err := openToken(fv.key(t), fv.Token)
			if wantErr == nil {
				if err != nil || got == nil {
					t.Fatalf("without a TTL: err = %v", err)
				}
				if fv.Desc == "expired TTL" {
					if pt := fernet.VerifyAndDecrypt([]byte(fv.Token), fv.ttlAsOf(t), []*fernet.Key{fv.key(t)}); pt != nil {
						t.Fatalf("fernet-go accepted an expired token: %q", pt)
					}
				}
				return
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("err = %v (plaintext %q), want %v", err, got, wantErr)
			}
		})
	}
}

func TestFernetAnyFlippedByteRejected(t *testing.T) {
	key := (*fernet.Key)(bytes.Repeat([]byte{7}, 32))
	tok, err := sealToken(key, []byte("an API secret of some length"), time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.URLEncoding.DecodeString(tok)
	for i := range raw {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(raw)
			bad[i] ^= mask
			pt, err := openToken(key, base64.URLEncoding.EncodeToString(bad))
			if err == nil {
				t.Fatalf("byte %d ^ %#x accepted, plaintext %q", i, mask, pt)
			}
			if i > 0 && !errors.Is(err, errTokenAuth) {
				t.Fatalf("byte %d ^ %#x: err = %v, want the MAC check to refuse it", i, mask, err)
			}
		}
	}
	for _, bad := range []string{tok[:len(tok)-4], tok + "AAAA", tok + "!!"} {
		if _, err := openToken(key, bad); !errors.Is(err, errTokenMalformed) {
			t.Fatalf("altered length: err = %v, want errTokenMalformed", err)
		}
	}
	wrong := (*fernet.Key)(bytes.Repeat([]byte{8}, 32))
	if _, err := openToken(wrong, tok); !errors.Is(err, errTokenAuth) {
		t.Fatalf("wrong key: err = %v, want errTokenAuth", err)
	}
	ts := binary.BigEndian.Uint64(raw[1:9])
	if ts != 1e9 {
		t.Fatalf("token timestamp %d, want the time it was sealed at", ts)
	}
}

func FuzzOpenToken(f *testing.F) {
	key := (*fernet.Key)(bytes.Repeat([]byte{1}, 32))
	tok, _ := sealToken(key, []byte("seed"), time.Unix(0, 0))
	f.Add(tok, []byte("plain"))
	f.Add("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", []byte{})
	f.Add("%%%", []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, token string, plain []byte) {
		if pt, err := openToken(key, token); err == nil {
			// Only the token made under key may verify (base64 may spell it differently).
			got, _ := base64.URLEncoding.DecodeString(token)
			want, _ := base64.URLEncoding.DecodeString(tok)
			if !bytes.Equal(got, want) {
				t.Fatalf("forged token accepted: %q -> %q", token, pt)
			}
		}
		sealed, err := sealToken(key, plain, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		back, err := openToken(key, sealed)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("round trip of %q: %q, %v", plain, back, err)
		}
	})
}

func BenchmarkOpenToken(b *testing.B) {
	key := (*fernet.Key)(bytes.Repeat([]byte{1}, 32))
	tok, _ := sealToken(key, bytes.Repeat([]byte("s"), 64), time.Now())
	b.ReportAllocs()
	for b.Loop() {
		pt, err := openToken(key, tok)
		if err != nil {
			b.Fatal(err)
		}
		clear(pt)
	}
}
