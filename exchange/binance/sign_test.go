package binance

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"reflect"
	"strings"
	"testing"
)

func TestSignatureKnownAnswer(t *testing.T) {
	// The example from Binance's "SIGNED endpoint security" documentation.
	secret := []byte("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
	payload := []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
	const want = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
	var sp signerPool
	for i := range 3 { // reuse of pooled states must not change the answer
		if got := string(sp.appendSignature(nil, secret, payload)); got != want {
			t.Fatalf("round %d: signature = %s, want %s", i, got, want)
		}
	}
}

func TestSignatureMatchesStdlibHMAC(t *testing.T) {
	tests := []struct {
		name            string
		secret, payload string
	}{
		{"empty key", "", "a=1"},
		{"short key", "k", "symbol=BTCUSDT&timestamp=1"},
		{"exactly one block", strings.Repeat("s", hmacBlock), "x"},
		{"longer than a block", strings.Repeat("long-secret-", 20), "symbol=ETHUSDT&side=SELL"},
		{"long payload", "secret", strings.Repeat("q=1&", 500)},
	}
	var sp signerPool
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := hmac.New(sha256.New, []byte(tt.secret))
			m.Write([]byte(tt.payload))
			want := hex.EncodeToString(m.Sum(nil))
			got := string(sp.appendSignature([]byte("prefix="), []byte(tt.secret), []byte(tt.payload)))
			if got != "prefix="+want {
				t.Fatalf("got %s, want prefix=%s", got, want)
			}
		})
	}
}

func TestSignerWipesSecretDerivedState(t *testing.T) {
	s := &signer{inner: sha256.New(), outer: sha256.New()}
	s.appendHMAC(nil, []byte(strings.Repeat("z", 100)), []byte("a=1"))
	var zero [hmacBlock]byte
	if s.ipad != zero || s.opad != zero {
		t.Fatal("pads not zeroed after signing")
	}
	if s.k0 != [sha256.Size]byte{} || s.sum != [sha256.Size]byte{} {
		t.Fatal("hashed key or sums not zeroed after signing")
	}
}

// A secret longer than a block is hashed first; Reset does not clear a SHA-256 state's block
// buffer, so the tail of the secret must not survive in the pooled hash states.
func TestSignerLeavesNoSecretInHashBuffers(t *testing.T) {
	for _, n := range []int{65, 100, 127} {
		secret := []byte(strings.Repeat("S", n-7) + "SECRET!")
		s := &signer{inner: sha256.New(), outer: sha256.New()}
		s.appendHMAC(nil, secret, []byte("a=1"))
		for name, h := range map[string]hash.Hash{"inner": s.inner, "outer": s.outer} {
			if buf := hashBuffer(t, h); bytes.Contains(buf, []byte("SECRET!")) {
				t.Errorf("%d-byte secret: the %s hash still buffers its tail: %q", n, name, buf)
			}
		}
	}
}

// hashBuffer reads the block buffer of a crypto/sha256 state, which Reset leaves as it was.
func hashBuffer(t *testing.T, h hash.Hash) []byte {
	t.Helper()
	v := reflect.ValueOf(h)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("unexpected SHA-256 state type %T", h)
	}
	x := v.Elem().FieldByName("x")
	if !x.IsValid() || x.Kind() != reflect.Array {
		t.Fatalf("SHA-256 state %T has no block buffer field x: update this test for the Go release", h)
	}
	out := make([]byte, x.Len())
	for i := range out {
		out[i] = byte(x.Index(i).Uint())
	}
	return out
}

func BenchmarkSign(b *testing.B) {
	secret := []byte("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
	payload := []byte("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100000&price=64123.45&newClientOrderId=qd-0123456789abcdef&newOrderRespType=FULL&recvWindow=5000&timestamp=1764370000000")
	var sp signerPool
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = sp.appendSignature(dst[:0], secret, payload)
	}
}

func BenchmarkSignStdlibHMAC(b *testing.B) {
	secret := []byte("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
	payload := []byte("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100000&price=64123.45&newClientOrderId=qd-0123456789abcdef&newOrderRespType=FULL&recvWindow=5000&timestamp=1764370000000")
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, secret)
		m.Write(payload)
		dst = hex.AppendEncode(dst[:0], m.Sum(nil))
	}
}
