package vault

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// verifierText is the fixed plaintext of the verifier token.
const verifierText = "quantdeck vault verifier v1"

const timeLayout = time.RFC3339Nano

// Vault is the encrypted key store in one SQLite database. It is safe for concurrent use.
// While unlocked it holds the 32-byte derived key in memory; Seal drops it.
type Vault struct {
	db      *sql.DB
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	log     *slog.Logger
	rand    io.Reader
	minIter int

	mu   sync.RWMutex
	key  []byte // nil while locked
	salt []byte // the salt key was derived with: tells a stale key from the current one
}

// Option configures a Vault.
type Option func(*Vault)

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(v *Vault) { v.now = now } }

// WithLogger sets where the vault logs what happens to keys (never key material).
func WithLogger(l *slog.Logger) Option { return func(v *Vault) { v.log = l } }

// WithSleep replaces the context-aware wait used for the delay after wrong passphrases (tests).
func WithSleep(sleep func(context.Context, time.Duration) error) Option {
	return func(v *Vault) { v.sleep = sleep }
}

// WithMinIterations lowers the PBKDF2 iteration floor. Only tests should use it, to keep key
// derivations fast; production callers never get fewer than MinIterations.
func WithMinIterations(n int) Option { return func(v *Vault) { v.minIter = max(n, 1) } }

// New returns a locked Vault on db, whose schema the store's migrations created.
func New(db *sql.DB, opts ...Option) *Vault {
	v := &Vault{
		db:      db,
		now:     time.Now,
		sleep:   sleepCtx,
		log:     slog.New(slog.DiscardHandler),
		rand:    rand.Reader,
		minIter: MinIterations,
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Exists reports whether the database holds a vault.
func (v *Vault) Exists(ctx context.Context) (bool, error) {
	var n int
	if err := v.db.QueryRowContext(ctx, "SELECT count(*) FROM vault").Scan(&n); err != nil {
		return false, fmt.Errorf("vault: reading the vault: %w", err)
	}
	return n > 0, nil
}

// CheckPassphrase says why a new passphrase is refused, or returns nil.
func CheckPassphrase(p []byte) error {
	if utf8.RuneCount(p) < MinPassphraseLen {
		return fmt.Errorf("vault: %w", ErrPassphraseTooShort)
	}
	return nil
}

func (v *Vault) iterations(n int) (int, error) {
	if n == 0 {
		return max(Calibrate(DefaultKDFTime), v.minIter), nil
	}
	if n < v.minIter {
		return 0, fmt.Errorf("vault: %d iterations: %w", n, ErrTooFewIterations)
	}
	return n, nil
}

// newKey draws a fresh salt and derives the key for passphrase, returning both with a new
// verifier token.
func (v *Vault) newKey(ctx context.Context, passphrase []byte, iterations int) (salt, key []byte, verifier string, err error) {
	salt = make([]byte, 16)
	if _, err := io.ReadFull(v.rand, salt); err != nil {
		return nil, nil, "", fmt.Errorf("vault: drawing a salt: %w", err)
	}
	key, err = pbkdf2SHA256(ctx, passphrase, salt, iterations, fernetKeyLen)
	if err != nil {
		return nil, nil, "", fmt.Errorf("vault: deriving the key: %w", err)
	}
	verifier, err = v.seal(key, []byte(verifierText))
	if err != nil {
		clear(key)
		return nil, nil, "", err
	}
	return salt, key, verifier, nil
}

// seal encrypts plaintext under key as a Fernet token with a random IV.
func (v *Vault) seal(key, plaintext []byte) (string, error) {
	var iv [aes.BlockSize]byte
	if _, err := io.ReadFull(v.rand, iv[:]); err != nil {
		return "", fmt.Errorf("vault: drawing an IV: %w", err)
	}
	tok, err := fernetEncrypt(key, plaintext, iv, v.now())
	if err != nil {
		return "", fmt.Errorf("vault: encrypting: %w", err)
	}
	return tok, nil
}

// Create makes a new vault protected by passphrase and leaves it unlocked. iterations 0 means
// calibrate to about DefaultKDFTime on this machine; fewer than MinIterations is refused.
func (v *Vault) Create(ctx context.Context, passphrase []byte, iterations int) error {
	if err := CheckPassphrase(passphrase); err != nil {
		return err
	}
	if ok, err := v.Exists(ctx); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("vault: %w", ErrVaultExists)
	}
	iterations, err := v.iterations(iterations)
	if err != nil {
		return err
	}
	salt, key, verifier, err := v.newKey(ctx, passphrase, iterations)
	if err != nil {
		return err
	}
	now := v.now().UTC().Format(timeLayout)
	_, err = v.db.ExecContext(ctx,
		`INSERT INTO vault (id, salt, iterations, verifier, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)`,
		salt, iterations, verifier, now, now)
	if err != nil {
		clear(key)
		if ok, e2 := v.Exists(ctx); e2 == nil && ok {
			return fmt.Errorf("vault: %w", ErrVaultExists)
		}
		return fmt.Errorf("vault: saving the new vault: %w", err)
	}
	v.setKey(key, salt)
	v.log.InfoContext(ctx, "vault created", "iterations", iterations)
	return nil
}

func (v *Vault) setKey(key, salt []byte) {
	v.mu.Lock()
	clear(v.key)
	v.key, v.salt = key, salt
	v.mu.Unlock()
}

// Unlocked reports whether the derived key is in memory.
func (v *Vault) Unlocked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.key != nil
}

// Seal zeroes the derived key and forgets it; the vault is locked until the next Unlock.
func (v *Vault) Seal() { v.setKey(nil, nil) }

// Unlock derives the key from passphrase and checks it against the verifier token; no
// credential is touched. After wrong passphrases each new attempt first waits a growing delay
// (stored in the database, so restarting the program does not reset it); the wait ends early
// with ctx's error when ctx is cancelled.
func (v *Vault) Unlock(ctx context.Context, passphrase []byte) error {
	key, salt, err := v.verify(ctx, passphrase)
	if err != nil {
		return err
	}
	v.setKey(key, salt)
	return nil
}

type vaultRow struct {
	salt       []byte
	iterations int
	verifier   string
	failed     int
	lastFailed time.Time
}

func (v *Vault) loadRow(ctx context.Context) (vaultRow, error) {
	var r vaultRow
	var last sql.NullString
	err := v.db.QueryRowContext(ctx,
		`SELECT salt, iterations, verifier, failed_unlocks, last_failed_at FROM vault WHERE id = 1`).
		Scan(&r.salt, &r.iterations, &r.verifier, &r.failed, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("vault: %w", ErrNoVault)
	}
	if err != nil {
		return r, fmt.Errorf("vault: reading the vault: %w", err)
	}
	if last.Valid {
		if r.lastFailed, err = time.Parse(timeLayout, last.String); err != nil {
			return r, fmt.Errorf("vault: last_failed_at: %w", ErrDamaged)
		}
	}
	return r, nil
}

// verify checks passphrase with the throttle and returns the derived key and
// the salt it was derived with.
func (v *Vault) verify(ctx context.Context, passphrase []byte) (key, salt []byte, err error) {
	r, err := v.loadRow(ctx)
	if err != nil {
		return nil, nil, err
	}
	if wait := failureDelay(r.failed) - v.now().Sub(r.lastFailed); r.failed > 0 && wait > 0 {
		if err := v.sleep(ctx, wait); err != nil {
			return nil, nil, fmt.Errorf("vault: waiting after wrong passphrases: %w", err)
		}
	}
	key, err = pbkdf2SHA256(ctx, passphrase, r.salt, r.iterations, fernetKeyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("vault: deriving the key: %w", err)
	}
	pt, err := fernetDecrypt(key, r.verifier, 0, v.now())
	switch {
	case errors.Is(err, errTokenAuth):
		clear(key)
		return nil, nil, v.recordFailure(ctx)
	case err != nil:
		clear(key)
		return nil, nil, fmt.Errorf("vault: verifier: %w", ErrDamaged)
	}
	ok := string(pt) == verifierText
	clear(pt)
	if !ok {
		clear(key)
		return nil, nil, fmt.Errorf("vault: verifier: %w", ErrDamaged)
	}
	if r.failed > 0 {
		if _, err := v.db.ExecContext(ctx, `UPDATE vault SET failed_unlocks = 0, last_failed_at = NULL WHERE id = 1`); err != nil {
			clear(key)
			return nil, nil, fmt.Errorf("vault: resetting the failure count: %w", err)
		}
	}
	return key, r.salt, nil
}

func (v *Vault) recordFailure(ctx context.Context) error {
	var n int
	err := v.db.QueryRowContext(ctx,
		`UPDATE vault SET failed_unlocks = failed_unlocks + 1, last_failed_at = ? WHERE id = 1 RETURNING failed_unlocks`,
		v.now().UTC().Format(timeLayout)).Scan(&n)
	if err != nil {
		return fmt.Errorf("vault: recording a wrong passphrase: %w", err)
	}
	d := failureDelay(n)
	v.log.WarnContext(ctx, "wrong vault passphrase", "attempts", n, "next_delay", d.String())
	return &WrongPassphraseError{Attempts: n, Delay: d}
}

// failureDelay is the wait before the next attempt after n consecutive wrong passphrases:
// 0.5 s, doubling, at most a minute.
func failureDelay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := 500 * time.Millisecond
	for i := 1; i < n && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// PendingDelay says how long the next Unlock will wait because of earlier wrong passphrases,
// and how many there were, so a caller can tell the user before the wait starts.
func (v *Vault) PendingDelay(ctx context.Context) (time.Duration, int, error) {
	r, err := v.loadRow(ctx)
	if err != nil || r.failed == 0 {
		return 0, 0, err
	}
	return max(failureDelay(r.failed)-v.now().Sub(r.lastFailed), 0), r.failed, nil
}

// errStale explains a key that no longer matches the stored vault.
var errStale = fmt.Errorf("vault: %w (the passphrase was changed by another QuantDeck process)", ErrLocked)

// checkCurrent fails with errStale unless the stored vault still has salt, i.e. the in-memory
// key still opens it. Run inside the writing transaction, it keeps a process whose passphrase
// was changed elsewhere from storing tokens nobody could decrypt any more.
func checkCurrent(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, salt []byte) error {
	var stored []byte
	if err := q.QueryRowContext(ctx, `SELECT salt FROM vault WHERE id = 1`).Scan(&stored); err != nil {
		return fmt.Errorf("vault: reading the vault: %w", err)
	}
	if !bytes.Equal(stored, salt) {
		return errStale
	}
	return nil
}

// Iterations returns the stored PBKDF2 iteration count.
func (v *Vault) Iterations(ctx context.Context) (int, error) {
	r, err := v.loadRow(ctx)
	return r.iterations, err
}
