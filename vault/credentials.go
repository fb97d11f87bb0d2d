package vault

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fernet/fernet-go"

	"github.com/quantdeck/quantdeck/exchange"
)

// Credential is the metadata of one stored key version. It never holds key material.
type Credential struct {
	ID         int64
	Label      string
	Exchange   string
	CreatedAt  time.Time
	RetiredAt  *time.Time // nil while this version is the active one
	Perms      exchange.Permissions
	CheckedAt  *time.Time // when Perms were asked of the exchange; nil when they could not be
	LastUsedAt *time.Time
}

// Active reports whether this is the label's current version.
func (c Credential) Active() bool { return c.RetiredAt == nil }

// MaxLabelLen is the longest label accepted.
const MaxLabelLen = 64

// CheckLabel says why a label is refused, or returns nil. Labels are short names typed on the
// command line: letters, digits, '.', '_' and '-'.
func CheckLabel(label string) error {
	if label == "" || len(label) > MaxLabelLen {
		return fmt.Errorf("vault: a label must have 1 to %d characters", MaxLabelLen)
	}
	for _, r := range label {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("vault: label %q: use only letters, digits, '.', '_' and '-'", label)
		}
	}
	return nil
}

// CheckKeyMaterial says why an API key or secret is refused, or returns nil. what names it in
// the message ("API key"); the value itself never appears in the error.
func CheckKeyMaterial(what string, b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("the %s is empty", what)
	}
	if len(b) > 1024 {
		return fmt.Errorf("the %s is longer than 1024 bytes: paste it exactly as the exchange shows it", what)
	}
	for _, c := range b {
		switch {
		case c == ' ' || c == '\t':
			return fmt.Errorf("the %s contains spaces: paste it exactly as the exchange shows it", what)
		case c < 0x21 || c > 0x7e:
			return fmt.Errorf("the %s contains a character that is not printable ASCII: paste it exactly as the exchange shows it", what)
		}
	}
	return nil
}

// lockedKey returns the derived key and its salt under the read lock, or ErrLocked. The caller
// must not keep them past calling the returned unlock.
func (v *Vault) lockedKey() (key *fernet.Key, salt []byte, unlock func(), err error) {
	v.mu.RLock()
	if !v.unlocked {
		v.mu.RUnlock()
		return nil, nil, nil, fmt.Errorf("vault: %w", ErrLocked)
	}
	return v.page.slot(slotCurrent), v.salt, v.mu.RUnlock, nil
}

// checkPerms applies the exchange permission rule to an exchange key: one that can withdraw,
// or that the exchange says cannot trade, is never stored. Front ends phrase the refusal;
// this is where it is enforced.
func (v *Vault) checkPerms(label, kind string, perms exchange.Permissions) error {
	if IsService(kind) {
		return nil
	}
	if err := perms.Verdict().Refused; err != nil {
		return fmt.Errorf("vault: key %q refused: %w", label, err)
	}
	return nil
}

func (v *Vault) sealPair(key *fernet.Key, apiKey, apiSecret []byte) (string, string, error) {
	k, err := v.seal(key, apiKey)
	if err != nil {
		return "", "", err
	}
	s, err := v.seal(key, apiSecret)
	if err != nil {
		return "", "", err
	}
	return k, s, nil
}

func checkInput(label string, apiKey, apiSecret []byte) error {
	if err := CheckLabel(label); err != nil {
		return err
	}
	if err := CheckKeyMaterial("API key", apiKey); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if err := CheckKeyMaterial("API secret", apiSecret); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	return nil
}

// AddCredential encrypts and stores a new key under a new label. The vault must be unlocked.
func (v *Vault) AddCredential(ctx context.Context, label, exchangeName string, apiKey, apiSecret []byte, perms exchange.Permissions) (Credential, error) {
	if err := checkInput(label, apiKey, apiSecret); err != nil {
		return Credential{}, err
	}
	if exchangeName == "" {
		return Credential{}, errors.New("vault: no exchange name given")
	}
	if err := v.checkPerms(label, exchangeName, perms); err != nil {
		return Credential{}, err
	}
	key, salt, unlock, err := v.lockedKey()
	if err != nil {
		return Credential{}, err
	}
	k, s, err := v.sealPair(key, apiKey, apiSecret)
	salt = bytes.Clone(salt)
	unlock()
	if err != nil {
		return Credential{}, err
	}
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return Credential{}, fmt.Errorf("vault: adding key %q: %w", label, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := checkCurrent(ctx, tx, salt); err != nil {
		return Credential{}, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM credentials WHERE label = ?`, label).Scan(&n); err != nil {
		return Credential{}, fmt.Errorf("vault: adding key %q: %w", label, err)
	}
	if n > 0 {
		return Credential{}, fmt.Errorf("vault: key %q: %w", label, ErrLabelExists)
	}
	c, err := v.insert(ctx, tx, label, exchangeName, k, s, perms)
	if err != nil {
		return Credential{}, err
	}
	if err := tx.Commit(); err != nil {
		return Credential{}, fmt.Errorf("vault: adding key %q: %w", label, err)
	}
	v.log.InfoContext(ctx, "key added", "label", label, "exchange", exchangeName, "id", c.ID)
	return c, nil
}

func (v *Vault) insert(ctx context.Context, tx *sql.Tx, label, exchangeName, k, s string, perms exchange.Permissions) (Credential, error) {
	now := v.clk.Now().UTC()
	c := Credential{Label: label, Exchange: exchangeName, CreatedAt: now, Perms: perms}
	var checked any
	if perms.Checked {
		c.CheckedAt = &now
		checked = now.Format(timeLayout)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO credentials
		(label, exchange, api_key, api_secret, created_at, can_trade, can_withdraw, ip_restricted, perms_checked, perms_unknown, perms_note, checked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		label, exchangeName, k, s, now.Format(timeLayout), perms.CanTrade, perms.CanWithdraw, perms.IPRestricted, perms.Checked, perms.Unanswered, perms.Note, checked)
	if err != nil {
		return Credential{}, fmt.Errorf("vault: storing key %q: %w", label, err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return Credential{}, fmt.Errorf("vault: storing key %q: %w", label, err)
	}
	return c, nil
}

// RotateCredential stores a new version of label's key and retires the active one, in one
// transaction. The new key must differ from the current one. The old key keeps working on the
// exchange until the user deletes it there.
func (v *Vault) RotateCredential(ctx context.Context, label string, apiKey, apiSecret []byte, perms exchange.Permissions) (Credential, error) {
	if err := checkInput(label, apiKey, apiSecret); err != nil {
		return Credential{}, err
	}
	key, salt, unlock, err := v.lockedKey()
	if err != nil {
		return Credential{}, err
	}
	defer unlock()
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return Credential{}, fmt.Errorf("vault: rotating key %q: %w", label, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := checkCurrent(ctx, tx, salt); err != nil {
		return Credential{}, err
	}
	var oldID int64
	var exchangeName, oldKeyTok string
	err = tx.QueryRowContext(ctx, `SELECT id, exchange, api_key FROM credentials WHERE label = ? AND retired_at IS NULL`, label).
		Scan(&oldID, &exchangeName, &oldKeyTok)
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, fmt.Errorf("vault: key %q: %w", label, ErrNoCredential)
	}
	if err != nil {
		return Credential{}, fmt.Errorf("vault: rotating key %q: %w", label, err)
	}
	if err := v.checkPerms(label, exchangeName, perms); err != nil {
		return Credential{}, err
	}
	old, err := openToken(key, oldKeyTok)
	if err != nil {
		return Credential{}, fmt.Errorf("vault: key %q: %w", label, ErrDamaged)
	}
	same := Secret(old).Equal(apiKey)
	clear(old)
	if same {
		return Credential{}, fmt.Errorf("vault: key %q: the new API key is the same as the current one: create a new key on the exchange first", label)
	}
	k, s, err := v.sealPair(key, apiKey, apiSecret)
	if err != nil {
		return Credential{}, err
	}
	now := v.clk.Now().UTC().Format(timeLayout)
	if _, err := tx.ExecContext(ctx, `UPDATE credentials SET retired_at = ? WHERE id = ?`, now, oldID); err != nil {
		return Credential{}, fmt.Errorf("vault: retiring key %q: %w", label, err)
	}
	c, err := v.insert(ctx, tx, label, exchangeName, k, s, perms)
	if err != nil {
		return Credential{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE credentials SET replaced_by = ? WHERE id = ?`, c.ID, oldID); err != nil {
		return Credential{}, fmt.Errorf("vault: rotating key %q: %w", label, err)
	}
	if err := tx.Commit(); err != nil {
		return Credential{}, fmt.Errorf("vault: rotating key %q: %w", label, err)
	}
	v.log.InfoContext(ctx, "key rotated", "label", label, "exchange", exchangeName, "id", c.ID, "retired_id", oldID)
	return c, nil
}

// RemoveCredential deletes every version of label (active and retired). The vault must be
// unlocked, so only its owner can remove keys.
func (v *Vault) RemoveCredential(ctx context.Context, label string) error {
	if !v.Unlocked() {
		return fmt.Errorf("vault: %w", ErrLocked)
	}
	err := v.eraseTx(ctx, fmt.Sprintf("removing key %q", label), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE label = ?`, label)
		if err != nil {
			return fmt.Errorf("vault: removing key %q: %w", label, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("vault: removing key %q: %w", label, err)
		} else if n == 0 {
			return fmt.Errorf("vault: key %q: %w", label, ErrNoCredential)
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.log.InfoContext(ctx, "key removed", "label", label)
	return nil
}

// Credentials lists every stored key version, active and retired, by label then age. It needs
// no passphrase: it reads metadata only.
func (v *Vault) Credentials(ctx context.Context) ([]Credential, error) {
	rows, err := v.db.QueryContext(ctx, `SELECT id, label, exchange, created_at, retired_at,
		can_trade, can_withdraw, ip_restricted, perms_checked, perms_unknown, perms_note, checked_at, last_used_at
		FROM credentials ORDER BY label, created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("vault: listing keys: %w", err)
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		var c Credential
		var created string
		var retired, checked, used sql.NullString
		if err := rows.Scan(&c.ID, &c.Label, &c.Exchange, &created, &retired,
			&c.Perms.CanTrade, &c.Perms.CanWithdraw, &c.Perms.IPRestricted, &c.Perms.Checked, &c.Perms.Unanswered,
			&c.Perms.Note, &checked, &used); err != nil {
			return nil, fmt.Errorf("vault: listing keys: %w", err)
		}
		t, err := time.Parse(timeLayout, created)
		if err != nil {
			return nil, fmt.Errorf("vault: key %q: created_at: %w", c.Label, ErrDamaged)
		}
		c.CreatedAt = t
		for _, p := range []struct {
			s   sql.NullString
			dst **time.Time
		}{{retired, &c.RetiredAt}, {checked, &c.CheckedAt}, {used, &c.LastUsedAt}} {
			if !p.s.Valid {
				continue
			}
			t, err := time.Parse(timeLayout, p.s.String)
			if err != nil {
				return nil, fmt.Errorf("vault: key %q: a timestamp: %w", c.Label, ErrDamaged)
			}
			*p.dst = &t
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vault: listing keys: %w", err)
	}
	return out, nil
}

// RecordCheck stores what the exchange reported about label's active key just now (a
// re-check while running), so `keys list` and the engine's live-key check see it. It reads and
// writes metadata only: no passphrase is needed. The rule is not enforced here: the check
// result is stored whatever it says, since hiding it would hide the danger.
func (v *Vault) RecordCheck(ctx context.Context, label string, perms exchange.Permissions) error {
	now := v.clk.Now().UTC()
	var checked any
	if perms.Checked {
		checked = now.Format(timeLayout)
	}
	res, err := v.db.ExecContext(ctx, `UPDATE credentials SET can_trade = ?, can_withdraw = ?, ip_restricted = ?,
		perms_checked = ?, perms_unknown = ?, perms_note = ?, checked_at = ? WHERE label = ? AND retired_at IS NULL`,
		perms.CanTrade, perms.CanWithdraw, perms.IPRestricted, perms.Checked, perms.Unanswered, perms.Note, checked, label)
	if err != nil {
		return fmt.Errorf("vault: recording the check of key %q: %w", label, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("vault: recording the check of key %q: %w", label, err)
	} else if n == 0 {
		return fmt.Errorf("vault: key %q: %w", label, ErrNoCredential)
	}
	return nil
}
