package app

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/logging"
	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/vault"
)

// Data is the data directory opened without an engine: the log, the store and the (sealed)
// vault. Commands that read or change stored data (keys, bots, candle history, backtests)
// open it, unlock it when they need a secret, and close it.
type Data struct {
	Settings config.Settings
	DB       *sql.DB
	Vault    *vault.Vault
	Log      *slog.Logger

	logCloser io.Closer
}

// OpenData opens st.Home's log, store and vault. The vault stays sealed until Unlock.
func OpenData(ctx context.Context, st config.Settings) (*Data, error) {
	log, logCloser, err := logging.Open(st.Home)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, st.Home)
	if err != nil {
		log.Error("start refused", "err", err.Error())
		logCloser.Close()
		return nil, err
	}
	return &Data{Settings: st, DB: db, Vault: vault.New(db, vault.WithLogger(log)), Log: log, logCloser: logCloser}, nil
}

// Unlock opens the vault with pass. The caller keeps and zeroes pass.
func (d *Data) Unlock(ctx context.Context, pass []byte) error {
	return d.Vault.Unlock(ctx, pass)
}

// Close seals and closes the vault and closes the store and the log.
func (d *Data) Close() error {
	var errs []error
	if d.Vault != nil {
		// Zeroes the derived key and unmaps its locked page.
		if err := d.Vault.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if d.DB != nil {
		errs = append(errs, d.DB.Close())
	}
	if d.logCloser != nil {
		errs = append(errs, d.logCloser.Close())
	}
	return errors.Join(errs...)
}
