package vault

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"golang.org/x/crypto/pbkdf2"
)

const (
	// MinIterations is the fewest PBKDF2 iterations a vault may be created with (OWASP's 2023
	// figure for PBKDF2-HMAC-SHA256). WithMinIterations lowers it for tests only.
	MinIterations = 600_000
	// MinPassphraseLen is the fewest characters a passphrase may have.
	MinPassphraseLen = 12
	// DefaultKDFTime is how long one key derivation should take on this machine.
	DefaultKDFTime = 500 * time.Millisecond
)

// deriveInto writes PBKDF2-HMAC-SHA256(passphrase, salt, iter, 32) into dst, a slot of the
// locked key page. The derivation runs under secretDo, which (with runtime/secret) erases the
// library's copies: x/crypto takes the passphrase as bytes but the standard library it wraps
// turns it into a string, and HMAC keeps it XORed with its pads. ctx is checked before the
// derivation starts; once started it runs to its end (about DefaultKDFTime).
func deriveInto(ctx context.Context, dst, passphrase, salt []byte, iter int) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if iter < 1 {
		return fmt.Errorf("vault: %d PBKDF2 iterations", iter)
	}
	secretDo(func() {
		defer func() {
			// x/crypto panics where the standard library returns an error (FIPS 140-only
			// mode refusing the parameters).
			if r := recover(); r != nil {
				err = fmt.Errorf("vault: deriving the key: %v", r)
			}
		}()
		out := pbkdf2.Key(passphrase, salt, iter, len(dst), sha256.New)
		copy(dst, out)
		clear(out)
	})
	return err
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
		clear(pbkdf2.Key(pass, salt, n, fernetKeyLen, sha256.New))
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
