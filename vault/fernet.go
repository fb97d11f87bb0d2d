package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"reflect"
	"time"
	"unsafe"
)

// The Fernet token layer (https://github.com/fernet/spec): version 0x80, 8-byte big-endian Unix
// timestamp, 16-byte IV, AES-128-CBC ciphertext with PKCS#7 padding, HMAC-SHA256 over all of
// that; the whole token base64url-encoded with padding. The 32-byte key is the signing key
// followed by the encryption key.

const (
	fernetVersion = 0x80
	fernetKeyLen  = 32
	// maxClockSkew is how far in the future a token's timestamp may be when a TTL is checked.
	maxClockSkew = 60 * time.Second
	headerLen    = 1 + 8 + aes.BlockSize
	minTokenLen  = headerLen + aes.BlockSize + sha256.Size
)

var (
	errTokenMalformed = errors.New("token is malformed")
	errTokenAuth      = errors.New("token failed authentication")
	errTokenExpired   = errors.New("token is expired or from the future")
)

// fernetEncrypt seals plaintext under key with the given IV and timestamp.
func fernetEncrypt(key, plaintext []byte, iv [aes.BlockSize]byte, now time.Time) (string, error) {
	mac, block, err := fernetKeys(key)
	if err != nil {
		return "", err
	}
	defer wipeKeys(mac, block)
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	ctLen := len(plaintext) + pad
	tok := make([]byte, headerLen+ctLen, headerLen+ctLen+sha256.Size)
	tok[0] = fernetVersion
	binary.BigEndian.PutUint64(tok[1:9], uint64(now.Unix()))
	copy(tok[9:headerLen], iv[:])
	ct := tok[headerLen:]
	copy(ct, plaintext)
	for i := len(plaintext); i < ctLen; i++ {
		ct[i] = byte(pad)
	}
	// CBC by hand: cipher.NewCBCEncrypter would copy the AES key schedule into an object
	// nothing can clear.
	prev := iv[:]
	for i := 0; i < ctLen; i += aes.BlockSize {
		b := ct[i : i+aes.BlockSize]
		subtle.XORBytes(b, b, prev)
		block.Encrypt(b, b)
		prev = b
	}
	tok = mac.mac(tok, tok)
	return base64.URLEncoding.EncodeToString(tok), nil
}

// fernetDecrypt verifies a token and returns its plaintext in a fresh buffer the caller should
// zero after use. With ttl > 0 the token must be younger than ttl and not more than
// maxClockSkew in the future; with ttl <= 0 its timestamp is not checked (stored secrets do not
// expire). The MAC is checked before anything is decrypted.
func fernetDecrypt(key []byte, token string, ttl time.Duration, now time.Time) ([]byte, error) {
	mac, block, err := fernetKeys(key)
	if err != nil {
		return nil, err
	}
	defer wipeKeys(mac, block)
	tok, err := base64.URLEncoding.DecodeString(token)
	if err != nil || len(tok) < minTokenLen || tok[0] != fernetVersion {
		return nil, errTokenMalformed
	}
	body, sum := tok[:len(tok)-sha256.Size], tok[len(tok)-sha256.Size:]
	var want [sha256.Size]byte
	if !hmac.Equal(mac.mac(want[:0], body), sum) {
		return nil, errTokenAuth
	}
	if ttl > 0 {
		ts := time.Unix(int64(binary.BigEndian.Uint64(tok[1:9])), 0)
		if now.After(ts.Add(ttl)) || ts.After(now.Add(maxClockSkew)) {
			return nil, errTokenExpired
		}
	}
	ct := body[headerLen:]
	if len(ct)%aes.BlockSize != 0 {
		return nil, errTokenMalformed
	}
	out := make([]byte, len(ct))
	prev := body[9:headerLen]
	for i := 0; i < len(ct); i += aes.BlockSize {
		b := out[i : i+aes.BlockSize]
		block.Decrypt(b, ct[i:i+aes.BlockSize])
		subtle.XORBytes(b, b, prev)
		prev = ct[i : i+aes.BlockSize]
	}
	pad := int(out[len(out)-1])
	if pad < 1 || pad > aes.BlockSize {
		clear(out)
		return nil, errTokenMalformed
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			clear(out)
			return nil, errTokenMalformed
		}
	}
	clear(out[len(out)-pad:])
	return out[:len(out)-pad], nil
}

// fernetKeys splits a Fernet key into its HMAC and AES halves, keyed for one token. Release
// them with wipeKeys, so no copy of the vault key outlives the call (after Seal, none is left).
func fernetKeys(key []byte) (*hmacPRF, cipher.Block, error) {
	if len(key) != fernetKeyLen {
		return nil, nil, errors.New("fernet: key must be 32 bytes")
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, nil, err
	}
	mac, err := newHMACPRF(key[:16])
	if err != nil {
		zeroBlock(block)
		return nil, nil, err
	}
	return mac, block, nil
}

func wipeKeys(mac *hmacPRF, block cipher.Block) {
	mac.wipe()
	zeroBlock(block)
}

// zeroBlock overwrites the AES key schedule inside block, from which the key is easily
// recovered; crypto/aes offers no way to clear it. block must not be used afterwards. Only a
// pointer-free state is cleared (as crypto/aes's is wherever the standard library implements
// AES itself); overwriting pointers behind the garbage collector's back would not be safe.
func zeroBlock(block cipher.Block) {
	v := reflect.ValueOf(block)
	if v.Kind() != reflect.Pointer || v.IsNil() || holdsPointers(v.Type().Elem()) {
		return
	}
	clear(unsafe.Slice((*byte)(v.UnsafePointer()), v.Type().Elem().Size()))
}

func holdsPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && holdsPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}
