package vault

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// checkpointWait bounds the wait for readers of older snapshots before the write-ahead log is
// truncated after an erase.
const checkpointWait = 2 * time.Second

// eraseTx runs fn in a transaction on one connection with SQLite's secure_delete on, so the
// tokens it deletes or replaces are overwritten with zeros instead of staying in free space,
// then checkpoints and truncates the write-ahead log, whose older frames still hold them as
// they were. A removed key or the tokens of an old passphrase then leave no copy in the files
// for the passphrase (or the old one, which may be why it was changed) to open. what names
// the operation in errors.
func (v *Vault) eraseTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	conn, err := v.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	// The connection goes back to the pool: the engine's writes need no zeroing.
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`) //nolint:errcheck // only slower if it stays on
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault: %s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("vault: %s: %w; nothing was changed", what, err)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointWait)
	defer cancel()
	var busy, frames, moved int
	err = conn.QueryRowContext(cctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &moved)
	if err != nil || busy != 0 {
		// Not fatal: the change is committed, and the log's old frames are overwritten as
		// the database is used and removed when the last connection closes.
		v.log.WarnContext(ctx, "vault: the write-ahead log could not be truncated after erasing", "what", what, "busy", busy, "err", err)
	}
	return nil
}
