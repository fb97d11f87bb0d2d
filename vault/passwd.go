package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fernet/fernet-go"
)

// ChangePassphrase checks oldPass, then re-encrypts every stored secret (active and retired)
// under a key derived from newPass with a fresh salt, in one transaction together with the new
// salt, iteration count and verifier. If anything fails the transaction rolls back and oldPass
// keeps working. iterations 0 recalibrates. On success the vault is unlocked with the new key.
func (v *Vault) ChangePassphrase(ctx context.Context, oldPass, newPass []byte, iterations int) error {
	if err := CheckPassphrase(newPass); err != nil {
		return err
	}
	if Secret(oldPass).Equal(newPass) {
		return errors.New("vault: the new passphrase is the same as the current one")
	}
	iterations, err := v.iterations(iterations)
	if err != nil {
		return err
	}
	if err := v.acquire(ctx); err != nil {
		return err
	}
	defer v.release()
	oldSalt, err := v.verify(ctx, oldPass)
	if err != nil {
		return err
	}
	page := v.page
	defer page.clearSlot(slotScratch)
	salt, verifier, err := v.newKey(ctx, newPass, iterations)
	if err != nil {
		return err
	}
	// The write lock keeps lenders from decrypting with the old key while the tokens change.
	v.mu.Lock()
	n, err := v.reencrypt(ctx, page.slot(slotScratch), oldSalt, page.slot(slotNext), salt, iterations, verifier)
	if err == nil {
		v.setKeyLocked(slotNext, salt)
	}
	v.mu.Unlock()
	page.clearSlot(slotNext)
	if err != nil {
		return err
	}
	v.log.InfoContext(ctx, "vault passphrase changed", "credentials", n, "iterations", iterations)
	return nil
}

type sealedRow struct {
	id          int64
	label       string
	key, secret string
}

func (v *Vault) reencrypt(ctx context.Context, oldKey *fernet.Key, oldSalt []byte, newKey *fernet.Key, salt []byte, iterations int, verifier string) (int, error) {
	var n int
	err := v.eraseTx(ctx, "changing the passphrase", func(tx *sql.Tx) error {
		var err error
		n, err = reencryptTx(ctx, tx, v, oldKey, oldSalt, newKey, salt, iterations, verifier)
		return err
	})
	return n, err
}

// reencryptTx re-seals every credential under newKey and stores the new salt, iteration count
// and verifier, all in tx.
func reencryptTx(ctx context.Context, tx *sql.Tx, v *Vault, oldKey *fernet.Key, oldSalt []byte, newKey *fernet.Key, salt []byte, iterations int, verifier string) (int, error) {
	if err := checkCurrent(ctx, tx, oldSalt); err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, label, api_key, api_secret FROM credentials ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("vault: changing the passphrase: %w", err)
	}
	var all []sealedRow
	for rows.Next() {
		var r sealedRow
		if err := rows.Scan(&r.id, &r.label, &r.key, &r.secret); err != nil {
			rows.Close()
			return 0, fmt.Errorf("vault: changing the passphrase: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("vault: changing the passphrase: %w", err)
	}
	for _, r := range all {
		k, err := v.reseal(oldKey, newKey, r.key)
		if err != nil {
			return 0, fmt.Errorf("vault: key %q (version %d): api_key: %w; nothing was changed", r.label, r.id, err)
		}
		s, err := v.reseal(oldKey, newKey, r.secret)
		if err != nil {
			return 0, fmt.Errorf("vault: key %q (version %d): api_secret: %w; nothing was changed", r.label, r.id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET api_key = ?, api_secret = ? WHERE id = ?`, k, s, r.id); err != nil {
			return 0, fmt.Errorf("vault: re-encrypting key %q: %w; nothing was changed", r.label, err)
		}
	}
	_, err = tx.ExecContext(ctx,
		`UPDATE vault SET salt = ?, iterations = ?, verifier = ?, updated_at = ?, failed_unlocks = 0, last_failed_at = NULL WHERE id = 1`,
		salt, iterations, verifier, v.clk.Now().UTC().Format(timeLayout))
	if err != nil {
		return 0, fmt.Errorf("vault: saving the new passphrase: %w; nothing was changed", err)
	}
	return len(all), nil
}

// reseal decrypts token under oldKey and encrypts the plaintext under newKey.
func (v *Vault) reseal(oldKey, newKey *fernet.Key, token string) (string, error) {
	pt, err := openToken(oldKey, token)
	if err != nil {
		return "", ErrDamaged
	}
	defer clear(pt)
	return v.seal(newKey, pt)
}
