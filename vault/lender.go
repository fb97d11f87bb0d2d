package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// usageRecordEvery limits last_used_at writes to one per label per interval, so signed calls
// on the order path do not each cost a database write.
const usageRecordEvery = time.Minute

// Lender returns the exchange.Credentials for label: every Use decrypts the label's active
// version (so a rotation takes effect at the next call), hands it to fn, and zeroes it when fn
// returns.
func (v *Vault) Lender(label string) exchange.Credentials {
	return &lender{v: v, label: label}
}

type lender struct {
	v     *Vault
	label string

	mu       sync.Mutex
	recorded time.Time
}

// Use implements exchange.Credentials.
func (l *lender) Use(ctx context.Context, fn func(apiKey, apiSecret []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, apiKey, apiSecret, err := l.open(ctx)
	if errors.Is(err, errStale) {
		l.v.Seal() // the key in memory opens nothing any more
	}
	if err != nil {
		return err
	}
	// The signature is computed under secretDo, so the HMAC pads the signer derives from the
	// secret are erased with it where runtime/secret is built in.
	secretDo(func() {
		defer clear(apiKey)
		defer clear(apiSecret)
		err = fn(apiKey, apiSecret)
	})
	l.recordUse(ctx, id)
	return err
}

// open decrypts the active version (openToken runs under secretDo) under the read lock, so a passphrase change cannot swap the
// key between reading the row and decrypting it.
func (l *lender) open(ctx context.Context) (id int64, apiKey, apiSecret []byte, err error) {
	key, salt, unlock, err := l.v.lockedKey()
	if err != nil {
		return 0, nil, nil, err
	}
	defer unlock()
	var k, s, exchangeName string
	err = l.v.db.QueryRowContext(ctx,
		`SELECT id, exchange, api_key, api_secret FROM credentials WHERE label = ? AND retired_at IS NULL`, l.label).Scan(&id, &exchangeName, &k, &s)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil, fmt.Errorf("vault: key %q: %w: %w", l.label, ErrNoCredential, exchange.ErrNoCredentials)
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("vault: reading key %q: %w", l.label, err)
	}
	// A service key (the Anthropic key) is never handed to an exchange signer.
	if IsService(exchangeName) {
		return 0, nil, nil, fmt.Errorf("vault: key %q: %w", l.label, ErrNotService)
	}
	if apiKey, err = openToken(key, k); err != nil {
		if stale := checkCurrent(ctx, l.v.db, salt); stale != nil {
			return 0, nil, nil, stale
		}
		return 0, nil, nil, fmt.Errorf("vault: key %q: api_key: %w", l.label, ErrDamaged)
	}
	if apiSecret, err = openToken(key, s); err != nil {
		clear(apiKey)
		return 0, nil, nil, fmt.Errorf("vault: key %q: api_secret: %w", l.label, ErrDamaged)
	}
	return id, apiKey, apiSecret, nil
}

func (l *lender) recordUse(ctx context.Context, id int64) {
	now := l.v.clk.Now().UTC()
	l.mu.Lock()
	due := l.recorded.IsZero() || now.Sub(l.recorded) >= usageRecordEvery
	if due {
		l.recorded = now
	}
	l.mu.Unlock()
	if !due {
		return
	}
	if _, err := l.v.db.ExecContext(context.WithoutCancel(ctx),
		`UPDATE credentials SET last_used_at = ? WHERE id = ?`, now.Format(timeLayout), id); err != nil {
		l.v.log.WarnContext(ctx, "recording key use", "label", l.label, "err", err)
	}
}
