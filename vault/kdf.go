package vault

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"time"
)

const (
	// MinIterations is the fewest PBKDF2 iterations a vault may be created with (OWASP's 2023
	// figure for PBKDF2-HMAC-SHA256). WithMinIterations lowers it for tests only.
	MinIterations = 600_000
	// MinPassphraseLen is the fewest characters a passphrase may have.
	MinPassphraseLen = 12
	// DefaultKDFTime is how long one key derivation should take on this machine.
	DefaultKDFTime = 500 * time.Millisecond
	// kdfCheckEvery is how many iterations run between context checks.
	kdfCheckEvery = 16384
)

// pbkdf2SHA256 derives keyLen bytes with PBKDF2-HMAC-SHA256 (RFC 8018). It takes the password
// as bytes (the standard library's takes a string, which could not be zeroed), keys its own
// HMAC so that no copy of the password outlives the call (see hmacPRF), and stops early when
// ctx is cancelled.
func pbkdf2SHA256(ctx context.Context, password, salt []byte, iter, keyLen int) ([]byte, error) {
	if iter < 1 || keyLen < 1 {
		return nil, errors.New("pbkdf2: iterations and key length must be positive")
	}
	prf, err := newHMACPRF(password)
	if err != nil {
		return nil, err
	}
	defer prf.wipe()
	n := (keyLen + sha256.Size - 1) / sha256.Size
	out := make([]byte, 0, n*sha256.Size)
	first := make([]byte, len(salt)+4)
	copy(first, salt)
	u := make([]byte, 0, sha256.Size)
	t := make([]byte, sha256.Size)
	for block := 1; block <= n; block++ {
		binary.BigEndian.PutUint32(first[len(salt):], uint32(block))
		u = prf.mac(u[:0], first)
		copy(t, u)
		for i := 2; i <= iter; i++ {
			if i%kdfCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					clear(t)
					clear(u)
					clear(out)
					return nil, err
				}
			}
			u = prf.mac(u[:0], u)
			subtle.XORBytes(t, t, u)
		}
		out = append(out, t...)
	}
	clear(t)
	clear(u)
	return out[:keyLen], nil
}

// Calibrate returns the PBKDF2 iteration count that makes one derivation take about target on
// this machine, never fewer than MinIterations.
func Calibrate(target time.Duration) int {
	salt := make([]byte, 16)
	pass := []byte("calibration passphrase")
	n := 20_000
	var elapsed time.Duration
	for {
		start := time.Now()
		_, _ = pbkdf2SHA256(context.Background(), pass, salt, n, fernetKeyLen)
		elapsed = time.Since(start)
		if elapsed >= 40*time.Millisecond || n >= 1<<26 {
			break
		}
		n *= 2
	}
	iters := int(float64(n) * float64(target) / float64(elapsed))
	iters = (iters + 9_999) / 10_000 * 10_000
	return max(iters, MinIterations)
}
