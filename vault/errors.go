package vault

import (
	"errors"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Errors callers act on, matched with errors.Is. Messages say what the user can do.
var (
	// ErrWrongPassphrase: the passphrase does not open this vault. *WrongPassphraseError
	// matches it and says how long the next attempt will wait.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrLocked: the operation needs the vault unlocked first. It is the exchange port's
	// ErrLocked, so a trader that borrows a key from a sealed vault reports a definite "not
	// sent" without its callers knowing about the vault.
	ErrLocked = exchange.ErrLocked
	// ErrNoVault: no vault has been created in this database yet.
	ErrNoVault = errors.New("no vault yet: `quantdeck keys add` creates one")
	// ErrVaultExists: Create was called on a database that already has a vault.
	ErrVaultExists = errors.New("a vault already exists in this database")
	// ErrPassphraseTooShort: the passphrase has fewer than MinPassphraseLen characters.
	ErrPassphraseTooShort = fmt.Errorf("passphrase too short: use at least %d characters", MinPassphraseLen)
	// ErrLabelExists: a key with that label is already stored.
	ErrLabelExists = errors.New("a key with this label already exists: choose another label or use `keys rotate`")
	// ErrNoCredential: no active key has that label.
	ErrNoCredential = errors.New("no active key with this label: see `quantdeck keys list`")
	// ErrDamaged: stored vault data failed its integrity check (a row was edited or corrupted).
	// Nothing was decrypted; restore the database from a backup or re-add the key.
	ErrDamaged = errors.New("stored vault data failed its integrity check (edited or corrupted)")
	// ErrTooFewIterations: a caller asked for fewer PBKDF2 iterations than allowed.
	ErrTooFewIterations = fmt.Errorf("too few PBKDF2 iterations: at least %d are required", MinIterations)
)

// WrongPassphraseError is returned by Unlock and ChangePassphrase for a wrong passphrase.
// Attempts counts consecutive failures (across processes: the count is stored in the vault);
// Delay is the wait the vault imposes before the next attempt is even tried.
type WrongPassphraseError struct {
	Attempts int
	Delay    time.Duration
}

func (e *WrongPassphraseError) Error() string { return "vault: wrong passphrase" }

// Is makes errors.Is(err, ErrWrongPassphrase) true.
func (e *WrongPassphraseError) Is(target error) bool { return target == ErrWrongPassphrase }
