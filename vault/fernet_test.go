package vault

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fernet/fernet-go"
)

type fernetVector struct {
	Desc   string `json:"desc"`
	Token  string `json:"token"`
	Now    string `json:"now"`
	TTL    int    `json:"ttl_sec"`
	IV     []byte `json:"-"`
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

func (fv fernetVector) key(t *testing.T) []byte {
	t.Helper()
	k, err := base64.URLEncoding.DecodeString(fv.Secret)
	if err != nil || len(k) != 32 {
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

func TestFernetGenerateVectors(t *testing.T) {
	for _, fv := range loadFernetVectors(t, "generate.json") {
		var iv [aes.BlockSize]byte
		for i, b := range fv.IVInts {
			iv[i] = byte(b)
		}
		got, err := fernetEncrypt(fv.key(t), []byte(fv.Src), iv, fv.now(t))
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
		got, err := fernetDecrypt(fv.key(t), fv.Token, time.Duration(fv.TTL)*time.Second, fv.now(t))
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if string(got) != fv.Src {
			t.Errorf("verify: got %q, want %q", got, fv.Src)
		}
	}
}

// Each invalid vector is refused for its own reason: a token whose MAC is right (all but the
// first) must fail on the check the spec names, proving that check runs and is not masked by
// an earlier one failing by accident.
func TestFernetInvalidVectors(t *testing.T) {
	want := map[string]error{
		"incorrect mac":  errTokenAuth,
		"too short":      errTokenMalformed,
		"invalid base64": errTokenMalformed,
		"payload size not multiple of block size": errTokenMalformed,
		"payload padding error":                   errTokenMalformed,
		"far-future TS (unacceptable clock skew)": errTokenExpired,
		"expired TTL":                         errTokenExpired,
		"incorrect IV (causes padding error)": errTokenMalformed,
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
			got, err := fernetDecrypt(fv.key(t), fv.Token, time.Duration(fv.TTL)*time.Second, fv.now(t))
			if !errors.Is(err, wantErr) {
				t.Fatalf("err = %v (plaintext %q), want %v", err, got, wantErr)
			}
		})
	}
}

func TestFernetAnyFlippedByteRejected(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	var iv [aes.BlockSize]byte
	tok, err := fernetEncrypt(key, []byte("an API secret of some length"), iv, time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.URLEncoding.DecodeString(tok)
	for i := range raw {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(raw)
			bad[i] ^= mask
			pt, err := fernetDecrypt(key, base64.URLEncoding.EncodeToString(bad), 0, time.Now())
			if err == nil {
				t.Fatalf("byte %d ^ %#x accepted, plaintext %q", i, mask, pt)
			}
			// Past the version byte, the MAC check must be what refuses it: nothing is
			// decrypted or unpadded before the token is authenticated.
			if i > 0 && !errors.Is(err, errTokenAuth) {
				t.Fatalf("byte %d ^ %#x: err = %v, want the MAC check to refuse it", i, mask, err)
			}
		}
	}
	if _, err := fernetDecrypt(key, tok[:len(tok)-4], 0, time.Now()); err == nil {
		t.Fatal("truncated token accepted")
	}
	wrong := bytes.Repeat([]byte{8}, 32)
	if _, err := fernetDecrypt(wrong, tok, 0, time.Now()); !errors.Is(err, errTokenAuth) {
		t.Fatalf("wrong key: err = %v, want errTokenAuth", err)
	}
}

// Tokens interoperate with an independent Fernet implementation in both directions, so a vault
// can be audited with other tools.
func TestFernetInteroperates(t *testing.T) {
	raw := bytes.Repeat([]byte{0x42}, 32)
	k, err := fernet.DecodeKey(base64.URLEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "x", "sixteen bytes!!!", "a longer secret that spans several AES blocks"} {
		var iv [aes.BlockSize]byte
		iv[3] = 9
		ours, err := fernetEncrypt(raw, []byte(msg), iv, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := fernet.VerifyAndDecrypt([]byte(ours), 0, []*fernet.Key{k}); string(got) != msg || got == nil {
			t.Errorf("fernet-go could not read our token for %q: got %q", msg, got)
		}
		theirs, err := fernet.EncryptAndSign([]byte(msg), k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fernetDecrypt(raw, string(theirs), 0, time.Now())
		if err != nil || string(got) != msg {
			t.Errorf("could not read fernet-go's token for %q: %q, %v", msg, got, err)
		}
	}
}

func FuzzFernetDecrypt(f *testing.F) {
	key := bytes.Repeat([]byte{1}, 32)
	var iv [aes.BlockSize]byte
	tok, _ := fernetEncrypt(key, []byte("seed"), iv, time.Unix(0, 0))
	f.Add(tok, []byte("plain"))
	f.Add("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", []byte{})
	f.Add("%%%", []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, token string, plain []byte) {
		if pt, err := fernetDecrypt(key, token, time.Minute, time.Unix(0, 0)); err == nil {
			// Only the token made under key may verify (base64 may spell it differently).
			got, _ := base64.URLEncoding.DecodeString(token)
			want, _ := base64.URLEncoding.DecodeString(tok)
			if !bytes.Equal(got, want) {
				t.Fatalf("forged token accepted: %q -> %q", token, pt)
			}
		}
		sealed, err := fernetEncrypt(key, plain, iv, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		back, err := fernetDecrypt(key, sealed, 0, time.Now())
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("round trip of %q: %q, %v", plain, back, err)
		}
	})
}

func BenchmarkFernetDecrypt(b *testing.B) {
	key := bytes.Repeat([]byte{1}, 32)
	var iv [aes.BlockSize]byte
	tok, _ := fernetEncrypt(key, bytes.Repeat([]byte("s"), 64), iv, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		pt, err := fernetDecrypt(key, tok, 0, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		clear(pt)
	}
}
