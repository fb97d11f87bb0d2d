package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Keys of the settings table.
const (
	settingWatchAdded   = "watchlist.added"    // JSON list: symbols watched beyond QUANTDECK_SYMBOLS
	settingWatchRemoved = "watchlist.removed"  // JSON list: symbols of QUANTDECK_SYMBOLS not watched
	settingLastPrices   = "market.last_prices" // JSON object: symbol -> decimal text
)

// getSetting reads one setting as JSON into v; found is false when it was never written.
func getSetting(ctx context.Context, db *sql.DB, key string, v any) (found bool, err error) {
	var raw string
	err = db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("engine: reading setting %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, fmt.Errorf("engine: setting %s is not readable (%w); it is ignored until written again", key, err)
	}
	return true, nil
}

// putSettings writes settings as JSON in one transaction.
func putSettings(ctx context.Context, db *sql.DB, now time.Time, kv map[string]any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("engine: saving settings: %w", err)
	}
	defer tx.Rollback()
	at := now.UTC().Format(time.RFC3339Nano)
	for k, v := range kv {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("engine: encoding setting %s: %w", k, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, string(raw), at); err != nil {
			return fmt.Errorf("engine: saving setting %s: %w", k, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("engine: saving settings: %w", err)
	}
	return nil
}
