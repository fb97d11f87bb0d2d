package vault

import (
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/fernet/fernet-go"
)

// Every secret and the verifier are Fernet tokens (https://github.com/fernet/spec), made and
// opened by fernet-go: version 0x80, 8-byte timestamp, 16-byte IV, AES-128-CBC ciphertext,
// HMAC-SHA256 over all of that, base64url with padding. Stored secrets do not expire, so no
// TTL is ever applied.

const (
	fernetKeyLen  = 32
	fernetVersion = 0x80
	// tokenOverhead is version, timestamp, IV and MAC: a token is this plus whole AES blocks.
	tokenOverhead = 1 + 8 + aes.BlockSize + sha256.Size
)

var (
	errTokenMalformed = errors.New("token is malformed")
	errTokenAuth      = errors.New("token failed authentication")
)

// sealToken encrypts plaintext under key as a Fernet token stamped with now, with a random IV
// (fernet-go draws it from crypto/rand).
func sealToken(key *fernet.Key, plaintext []byte, now time.Time) (tok string, err error) {
	secretDo(func() {
		var b []byte
		if b, err = fernet.EncryptAndSignAtTime(plaintext, key, now); err == nil {
			tok = string(b)
		}
	})
	return tok, err
}

// openToken verifies token under key and returns its plaintext, which the caller zeroes after
// use. fernet-go says only "valid or not"; the shape is checked here first so that a token
// that is not a Fernet token at all (errTokenMalformed: a damaged row) is told apart from one
// made under another key (errTokenAuth: a wrong passphrase). The shape check also refuses
// trailing bytes that fernet-go's lenient base64 decoding would skip.
func openToken(key *fernet.Key, token string) ([]byte, error) {
	raw, err := base64.URLEncoding.DecodeString(token)
	if err != nil || len(raw) < tokenOverhead+aes.BlockSize || raw[0] != fernetVersion ||
		(len(raw)-tokenOverhead)%aes.BlockSize != 0 {
		return nil, errTokenMalformed
	}
	var pt []byte
	secretDo(func() {
		pt = fernet.VerifyAndDecrypt([]byte(token), 0, []*fernet.Key{key})
	})
	if pt == nil {
		// The MAC or, for a token made with this key, the padding is wrong. Only someone
		// holding the key can make a token whose MAC verifies, so this is the key.
		return nil, errTokenAuth
	}
	return pt, nil
}
