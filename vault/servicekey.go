package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Services are the names a service key is stored under (in the credentials table's exchange
// column). A service key is one API key for something other than an exchange: the Anthropic API
// behind the optional Claude enrichment. It has no secret half, no exchange permissions to ask
// about, and is never lent to an exchange adapter's signer, nor an exchange key to a service.
var Services = []string{"anthropic"}

// IsService reports whether name is a service rather than an exchange.
func IsService(name string) bool { return slices.Contains(Services, name) }

// ErrNotService: the label names an exchange key where a service key was asked for, or the
// other way round. Keeping the two apart means an exchange secret can never be sent to a
// service by a mistyped label.
var ErrNotService = errors.New("this label holds a key of another kind: see `quantdeck keys list`")

// serviceNote is what `keys list` shows in place of exchange permissions.
const serviceNote = "service key: no exchange permissions"

// AddServiceKey encrypts and stores a service key under a new label. The vault must be
// unlocked. There is no secret half: api_secret holds a sealed empty value so the row keeps the
// table's shape and every token in it opens with the same vault key.
func (v *Vault) AddServiceKey(ctx context.Context, label, service string, apiKey []byte) (Credential, error) {
	if err := CheckLabel(label); err != nil {
		return Credential{}, err
	}
	if !IsService(service) {
		return Credential{}, fmt.Errorf("vault: %q is not a service (%v)", service, Services)
	}
	if err := CheckKeyMaterial("API key", apiKey); err != nil {
		return Credential{}, fmt.Errorf("vault: %w", err)
	}
	var c Credential
	err := v.writeServiceKey(ctx, "adding key "+quote(label), apiKey, func(tx *sql.Tx, k, s string) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM credentials WHERE label = ?`, label).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("vault: key %q: %w", label, ErrLabelExists)
		}
		var err error
		c, err = v.insertServiceKey(ctx, tx, label, service, k, s)
		return err
	})
	if err != nil {
		return Credential{}, err
	}
	v.log.InfoContext(ctx, "key added", "label", label, "service", service, "id", c.ID)
	return c, nil
}

// RotateServiceKey stores a new version of a service key and retires the active one, in one
// transaction. The new key must differ from the current one.
func (v *Vault) RotateServiceKey(ctx context.Context, label string, apiKey []byte) (Credential, error) {
	if err := CheckLabel(label); err != nil {
		return Credential{}, err
	}
	if err := CheckKeyMaterial("API key", apiKey); err != nil {
		return Credential{}, fmt.Errorf("vault: %w", err)
	}
	var c Credential
	var oldID int64
	err := v.writeServiceKey(ctx, "rotating key "+quote(label), apiKey, func(tx *sql.Tx, k, s string) error {
		var service, oldTok string
		err := tx.QueryRowContext(ctx, `SELECT id, exchange, api_key FROM credentials WHERE label = ? AND retired_at IS NULL`, label).
			Scan(&oldID, &service, &oldTok)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vault: key %q: %w", label, ErrNoCredential)
		}
		if err != nil {
			return err
		}
		if !IsService(service) {
			return fmt.Errorf("vault: key %q: %w", label, ErrNotService)
		}
		if same, err := v.sameAsStored(oldTok, apiKey); err != nil {
			return fmt.Errorf("vault: key %q: %w", label, err)
		} else if same {
			return fmt.Errorf("vault: key %q: the new API key is the same as the current one: create a new key first", label)
		}
		now := v.clk.Now().UTC().Format(timeLayout)
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET retired_at = ? WHERE id = ?`, now, oldID); err != nil {
			return err
		}
		if c, err = v.insertServiceKey(ctx, tx, label, service, k, s); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE credentials SET replaced_by = ? WHERE id = ?`, c.ID, oldID)
		return err
	})
	if err != nil {
		return Credential{}, err
	}
	v.log.InfoContext(ctx, "key rotated", "label", label, "service", c.Exchange, "id", c.ID, "retired_id", oldID)
	return c, nil
}

// sameAsStored decrypts a stored key token and compares it with apiKey in constant time.
func (v *Vault) sameAsStored(tok string, apiKey []byte) (bool, error) {
	key, _, unlock, err := v.lockedKey()
	if err != nil {
		return false, err
	}
	defer unlock()
	old, err := openToken(key, tok)
	if err != nil {
		return false, ErrDamaged
	}
	defer clear(old)
	return Secret(old).Equal(apiKey), nil
}

// writeServiceKey seals apiKey (and the empty secret half) and runs fn with the tokens inside a
// transaction that first checks the in-memory key still opens the stored vault.
func (v *Vault) writeServiceKey(ctx context.Context, what string, apiKey []byte, fn func(tx *sql.Tx, k, s string) error) error {
	key, salt, unlock, err := v.lockedKey()
	if err != nil {
		return err
	}
	k, s, err := v.sealPair(key, apiKey, nil)
	salt = bytes.Clone(salt)
	unlock()
	if err != nil {
		return err
	}
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := checkCurrent(ctx, tx, salt); err != nil {
		return err
	}
	if err := fn(tx, k, s); err != nil {
		if errors.Is(err, ErrLabelExists) || errors.Is(err, ErrNoCredential) || errors.Is(err, ErrNotService) ||
			errors.Is(err, ErrDamaged) || errors.Is(err, ErrLocked) {
			return err
		}
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	return nil
}

func (v *Vault) insertServiceKey(ctx context.Context, tx *sql.Tx, label, service, k, s string) (Credential, error) {
	now := v.clk.Now().UTC()
	res, err := tx.ExecContext(ctx, `INSERT INTO credentials (label, exchange, api_key, api_secret, created_at, perms_note)
		VALUES (?, ?, ?, ?, ?, ?)`, label, service, k, s, now.Format(timeLayout), serviceNote)
	if err != nil {
		return Credential{}, err
	}
	c := Credential{Label: label, Exchange: service, CreatedAt: now}
	c.Perms.Note = serviceNote
	if c.ID, err = res.LastInsertId(); err != nil {
		return Credential{}, err
	}
	return c, nil
}

// ServiceKey returns the lender of label's service key: every Use decrypts the active version
// (so a rotation takes effect at the next call), hands it to fn and zeroes it when fn returns.
func (v *Vault) ServiceKey(label string) *ServiceKeyLender {
	return &ServiceKeyLender{v: v, label: label, uses: &lender{v: v, label: label}}
}

// ServiceKeyLender lends one service key for the length of one call.
type ServiceKeyLender struct {
	v     *Vault
	label string
	uses  *lender // records the last use, like an exchange key's (keys list's "used")
}

// Use decrypts the key, calls fn with it and zeroes it after. A label that holds an exchange
// key is refused with ErrNotService before anything is decrypted.
func (l *ServiceKeyLender) Use(ctx context.Context, fn func(apiKey []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, apiKey, err := l.open(ctx)
	if errors.Is(err, errStale) {
		l.v.Seal()
	}
	if err != nil {
		return err
	}
	secretDo(func() {
		defer clear(apiKey)
		err = fn(apiKey)
	})
	l.uses.recordUse(ctx, id)
	return err
}

func (l *ServiceKeyLender) open(ctx context.Context) (int64, []byte, error) {
	key, salt, unlock, err := l.v.lockedKey()
	if err != nil {
		return 0, nil, err
	}
	defer unlock()
	var id int64
	var service, tok string
	err = l.v.db.QueryRowContext(ctx,
		`SELECT id, exchange, api_key FROM credentials WHERE label = ? AND retired_at IS NULL`, l.label).Scan(&id, &service, &tok)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("vault: key %q: %w", l.label, ErrNoCredential)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("vault: reading key %q: %w", l.label, err)
	}
	if !IsService(service) {
		return 0, nil, fmt.Errorf("vault: key %q: %w", l.label, ErrNotService)
	}
	apiKey, err := openToken(key, tok)
	if err != nil {
		if stale := checkCurrent(ctx, l.v.db, salt); stale != nil {
			return 0, nil, stale
		}
		return 0, nil, fmt.Errorf("vault: key %q: api_key: %w", l.label, ErrDamaged)
	}
	return id, apiKey, nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
