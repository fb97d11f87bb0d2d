package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fernet/fernet-go"

	"github.com/quantdeck/quantdeck/clock"
)

// verifierText is the fixed plaintext of the verifier token.
const verifierText = "quantdeck vault verifier v1"

const timeLayout = time.RFC3339Nano

// Vault is the encrypted key store in one SQLite database. It is safe for concurrent use.
// While unlocked it holds the 32-byte derived key in its locked key page; Seal zeroes it and
// Close gives the page back.
type Vault struct {
	db      *sql.DB
	clk     clock.Clock // stamps rows and waits out the delay after wrong passphrases
	log     *slog.Logger
	rand    io.Reader
	minIter int

	// unlockSem (capacity 1) serialises every passphrase check and key derivation: parallel
	// unlock attempts (several SSH sessions, the cockpit) run one after another, so each
	// wrong guess pays its own delay, and only its holder uses the scratch and next slots.
	unlockSem chan struct{}

	mu       sync.RWMutex
	page     *keyPage // allocated at the first derivation, under unlockSem
	unlocked bool     // the current slot holds the key
	salt     []byte   // the salt the key was derived with: tells a stale key from the current one
}

// Option configures a Vault.
type Option func(*Vault)

// WithClock replaces the system clock: the time rows are stamped with and the waits after
// wrong passphrases (tests).
func WithClock(c clock.Clock) Option { return func(v *Vault) { v.clk = clock.Or(c) } }

// WithLogger sets where the vault logs what happens to keys (never key material).
func WithLogger(l *slog.Logger) Option { return func(v *Vault) { v.log = l } }

// WithMinIterations lowers the PBKDF2 iteration floor. Only tests should use it, to keep key
// derivations fast; production callers never get fewer than MinIterations.
func WithMinIterations(n int) Option { return func(v *Vault) { v.minIter = max(n, 1) } }

// New returns a locked Vault on db, whose schema the store's migrations created.
func New(db *sql.DB, opts ...Option) *Vault {
	v := &Vault{
		db:        db,
		clk:       clock.System{},
		log:       slog.New(slog.DiscardHandler),
		rand:      rand.Reader,
		minIter:   MinIterations,
		unlockSem: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(v)
	}
	return v
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

// acquire takes the unlock lock, or gives up when ctx ends.
func (v *Vault) acquire(ctx context.Context) error {
	select {
	case v.unlockSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("vault: waiting for another unlock attempt: %w", ctx.Err())
	}
}

func (v *Vault) release() { <-v.unlockSem }

// keyPage returns the locked key page, mapping it at first use. The unlock lock is held.
func (v *Vault) keyPage() *keyPage {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.page == nil {
		p, err := newKeyPage()
		if err != nil {
			v.log.Warn("vault: the key buffer is not locked in memory", "err", err)
		}
		v.log.Info("vault: key buffer ready", "mlocked", p.locked, "runtime_secret", secretErasure)
		v.page = p
	}
	return v.page
}

// newKey draws a fresh salt and derives the key for passphrase into the next slot, returning
// the salt with a new verifier token. The unlock lock is held.
func (v *Vault) newKey(ctx context.Context, passphrase []byte, iterations int) (salt []byte, verifier string, err error) {
	salt = make([]byte, 16)
	if _, err := io.ReadFull(v.rand, salt); err != nil {
		return nil, "", fmt.Errorf("vault: drawing a salt: %w", err)
	}
	page := v.keyPage()
	if err := deriveInto(ctx, page.bytes(slotNext), passphrase, salt, iterations); err != nil {
		return nil, "", fmt.Errorf("vault: deriving the key: %w", err)
	}
	verifier, err = v.seal(page.slot(slotNext), []byte(verifierText))
	if err != nil {
		page.clearSlot(slotNext)
		return nil, "", err
	}
	return salt, verifier, nil
}

// seal encrypts plaintext under key as a Fernet token.
func (v *Vault) seal(key *fernet.Key, plaintext []byte) (string, error) {
	tok, err := sealToken(key, plaintext, v.clk.Now())
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
	if err := v.acquire(ctx); err != nil {
		return err
	}
	defer v.release()
	salt, verifier, err := v.newKey(ctx, passphrase, iterations)
	if err != nil {
		return err
	}
	now := v.clk.Now().UTC().Format(timeLayout)
	_, err = v.db.ExecContext(ctx,
		`INSERT INTO vault (id, salt, iterations, verifier, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)`,
		salt, iterations, verifier, now, now)
	if err != nil {
		v.page.clearSlot(slotNext)
		if ok, e2 := v.Exists(ctx); e2 == nil && ok {
			return fmt.Errorf("vault: %w", ErrVaultExists)
		}
		return fmt.Errorf("vault: saving the new vault: %w", err)
	}
	v.setKey(slotNext, salt)
	v.log.InfoContext(ctx, "vault created", "iterations", iterations)
	return nil
}

// setKey moves the key in slot from (scratch or next) to the current slot and clears from.
// The unlock lock is held.
func (v *Vault) setKey(from int, salt []byte) {
	v.mu.Lock()
	v.setKeyLocked(from, salt)
	v.mu.Unlock()
}

// setKeyLocked is setKey with v.mu held.
func (v *Vault) setKeyLocked(from int, salt []byte) {
	copy(v.page.bytes(slotCurrent), v.page.bytes(from))
	v.page.clearSlot(from)
	v.unlocked, v.salt = true, salt
}

// Unlocked reports whether the derived key is in memory.
func (v *Vault) Unlocked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.unlocked
}

// Seal zeroes the derived key and forgets it; the vault is locked until the next Unlock.
func (v *Vault) Seal() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.page != nil {
		v.page.clearSlot(slotCurrent)
	}
	v.unlocked, v.salt = false, nil
}

// Close seals the vault and zeroes and unmaps its key page. Call it at exit; the Vault must
// not be used afterwards.
func (v *Vault) Close() error {
	v.unlockSem <- struct{}{} // no derivation may be writing to the page
	defer v.release()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.unlocked, v.salt = false, nil
	if v.page == nil {
		return nil
	}
	err := v.page.release()
	v.page = nil
	if err != nil {
		return fmt.Errorf("vault: releasing the key buffer: %w", err)
	}
	return nil
}

// Unlock derives the key from passphrase and checks it against the verifier token; no
// credential is touched. After wrong passphrases each new attempt first waits a growing delay
// (stored in the database, so restarting the program does not reset it); the wait ends early
// with ctx's error when ctx is cancelled. Attempts in this process run one at a time, each
// waiting the delay that the attempts before it earned.
func (v *Vault) Unlock(ctx context.Context, passphrase []byte) error {
	if err := v.acquire(ctx); err != nil {
		return err
	}
	defer v.release()
	salt, err := v.verify(ctx, passphrase)
	if err != nil {
		return err
	}
	v.setKey(slotScratch, salt)
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

// verify checks passphrase with the throttle and leaves the derived key in the scratch slot,
// returning the salt it was derived with. The unlock lock is held.
func (v *Vault) verify(ctx context.Context, passphrase []byte) (salt []byte, err error) {
	r, err := v.loadRow(ctx)
	if err != nil {
		return nil, err
	}
	if wait := failureDelay(r.failed) - v.clk.Now().Sub(r.lastFailed); r.failed > 0 && wait > 0 {
		if err := v.clk.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("vault: waiting after wrong passphrases: %w", err)
		}
	}
	page := v.keyPage()
	if err := deriveInto(ctx, page.bytes(slotScratch), passphrase, r.salt, r.iterations); err != nil {
		return nil, fmt.Errorf("vault: deriving the key: %w", err)
	}
	pt, err := openToken(page.slot(slotScratch), r.verifier)
	switch {
	case errors.Is(err, errTokenAuth):
		page.clearSlot(slotScratch)
		return nil, v.recordFailure(ctx)
	case err != nil:
		page.clearSlot(slotScratch)
		return nil, fmt.Errorf("vault: verifier: %w", ErrDamaged)
	}
	ok := string(pt) == verifierText
	clear(pt)
	if !ok {
		page.clearSlot(slotScratch)
		return nil, fmt.Errorf("vault: verifier: %w", ErrDamaged)
	}
	if r.failed > 0 {
		if _, err := v.db.ExecContext(ctx, `UPDATE vault SET failed_unlocks = 0, last_failed_at = NULL WHERE id = 1`); err != nil {
			page.clearSlot(slotScratch)
			return nil, fmt.Errorf("vault: resetting the failure count: %w", err)
		}
	}
	return r.salt, nil
}

func (v *Vault) recordFailure(ctx context.Context) error {
	var n int
	err := v.db.QueryRowContext(ctx,
		`UPDATE vault SET failed_unlocks = failed_unlocks + 1, last_failed_at = ? WHERE id = 1 RETURNING failed_unlocks`,
		v.clk.Now().UTC().Format(timeLayout)).Scan(&n)
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
	return max(failureDelay(r.failed)-v.clk.Now().Sub(r.lastFailed), 0), r.failed, nil
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
