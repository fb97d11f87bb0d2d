package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
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
	if len(key) != fernetKeyLen {
		return "", errors.New("fernet: key must be 32 bytes")
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return "", err
	}
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
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(ct, ct)
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(tok)
	tok = mac.Sum(tok)
	return base64.URLEncoding.EncodeToString(tok), nil
}

// fernetDecrypt verifies a token and returns its plaintext in a fresh buffer the caller should
// zero after use. With ttl > 0 the token must be younger than ttl and not more than
// maxClockSkew in the future; with ttl <= 0 its timestamp is not checked (stored secrets do not
// expire). The MAC is checked before anything is decrypted.
func fernetDecrypt(key []byte, token string, ttl time.Duration, now time.Time) ([]byte, error) {
	if len(key) != fernetKeyLen {
		return nil, errors.New("fernet: key must be 32 bytes")
	}
	tok, err := base64.URLEncoding.DecodeString(token)
	if err != nil || len(tok) < minTokenLen || tok[0] != fernetVersion {
		return nil, errTokenMalformed
	}
	body, sum := tok[:len(tok)-sha256.Size], tok[len(tok)-sha256.Size:]
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sum) {
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
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, body[9:headerLen]).CryptBlocks(out, ct)
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
