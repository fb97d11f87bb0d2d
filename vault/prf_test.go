package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

func TestHMACPRFMatchesStandardLibrary(t *testing.T) {
	for _, keyLen := range []int{0, 1, 12, 63, 64, 65, 100, 200} {
		key := []byte(strings.Repeat("k", keyLen))
		p, err := newHMACPRF(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{"", "salt\x00\x00\x00\x01", strings.Repeat("m", 200)} {
			for range 2 { // the saved states make every call independent of the last
				want := hmac.New(sha256.New, key)
				want.Write([]byte(msg))
				if got := p.mac(nil, []byte(msg)); !bytes.Equal(got, want.Sum(nil)) {
					t.Fatalf("key %d bytes, msg %q: got %x want %x", keyLen, msg, got, want.Sum(nil))
				}
			}
		}
		p.wipe()
	}
}

// No copy of the key, nor the key XORed with either HMAC pad (which is what crypto/hmac keeps),
// survives keying; after wipe nothing key-derived is left at all.
func TestHMACPRFKeepsNoCopyOfTheKey(t *testing.T) {
	for _, keyLen := range []int{12, 64, 100, 127} {
		key := []byte(strings.Repeat("P", keyLen-9) + "ASSPHRASE")
		tail := key[len(key)-9:]
		forms := [][]byte{tail, xorAll(tail, 0x36), xorAll(tail, 0x5c)}
		p, err := newHMACPRF(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, stage := range []string{"keyed", "used"} {
			if stage == "used" {
				p.mac(nil, []byte("message"))
			}
			for name, b := range prfMemory(t, p) {
				for _, f := range forms {
					if bytes.Contains(b, f) {
						t.Errorf("%d-byte key, %s: %s holds %q", keyLen, stage, name, f)
					}
				}
			}
		}
		p.wipe()
		for name, b := range prfMemory(t, p) {
			if name != "inner.x" && name != "outer.x" && bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
				t.Errorf("%d-byte key: %s not cleared by wipe: %x", keyLen, name, b)
			}
		}
	}
}

func xorAll(b []byte, c byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ c
	}
	return out
}

// prfMemory is every byte buffer the PRF holds, including the block buffers inside its SHA-256
// states (read by reflection: Reset does not clear them).
func prfMemory(t *testing.T, p *hmacPRF) map[string][]byte {
	t.Helper()
	return map[string][]byte{
		"innerState": p.innerState, "outerState": p.outerState, "pad": p.pad[:], "sum": p.sum[:],
		"inner.x": shaBuffer(t, p.inner), "outer.x": shaBuffer(t, p.outer),
	}
}

func shaBuffer(t *testing.T, h any) []byte {
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

// The AES key schedule a Fernet call builds is cleared: nothing of it is left, and what is
// left no longer encrypts like the key.
func TestZeroBlockClearsKeySchedule(t *testing.T) {
	key := []byte("fernet enc key!!")
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(block)
	mem := unsafe.Slice((*byte)(v.UnsafePointer()), v.Type().Elem().Size())
	if !bytes.ContainsFunc(mem, func(r rune) bool { return r != 0 }) {
		t.Fatal("the key schedule is all zeros before clearing")
	}
	zeroBlock(block)
	if bytes.ContainsFunc(mem, func(r rune) bool { return r != 0 }) {
		t.Fatalf("%T still holds key material after zeroBlock", block)
	}
}

func TestHoldsPointers(t *testing.T) {
	type flat struct {
		N int
		A [4]uint32
		B struct{ X [2]byte }
	}
	type withSlice struct {
		N int
		S []byte
	}
	type withPtr struct{ P *int }
	for _, c := range []struct {
		v    any
		want bool
	}{
		{flat{}, false}, {[0]*int{}, false}, {withSlice{}, true}, {withPtr{}, true},
		{[2]withPtr{}, true}, {"", true}, {map[int]int{}, true},
	} {
		if got := holdsPointers(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("holdsPointers(%T) = %v, want %v", c.v, got, c.want)
		}
	}
}
