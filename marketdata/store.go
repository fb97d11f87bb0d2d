package marketdata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver the rest of QuantDeck uses

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

// FileName is the history database's name inside the data directory. History lives apart
// from quantdeck.db: it is large, can always be fetched again, and must not slow the checks
// the main database runs on every open.
const FileName = "candles.db"

const schema = `CREATE TABLE IF NOT EXISTS candle_chunks (
	symbol      TEXT    NOT NULL,
	interval_ms INTEGER NOT NULL,
	chunk       INTEGER NOT NULL, -- open time / (1440 intervals)
	n           INTEGER NOT NULL, -- candles in data
	first_ms    INTEGER NOT NULL, -- open time of the first candle in data
	last_ms     INTEGER NOT NULL, -- open time of the last candle in data
	data        BLOB    NOT NULL, -- see encodeChunk
	PRIMARY KEY (symbol, interval_ms, chunk)
) WITHOUT ROWID`

// Store is the candle history. Its methods are safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// Open opens (creating when missing) the history database in dir, private to its owner.
func Open(ctx context.Context, dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("marketdata: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("marketdata: creating data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("marketdata: opening %s: %w", path, err)
	}
	f.Close()
	// History can be fetched again, so a crash may lose the last chunk written (NORMAL), but
	// never corrupt the file (WAL).
	db, err := sql.Open("sqlite3", store.FileURI(path, "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("marketdata: opening %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("marketdata: %s is not a candle history database (%v); move it away", path, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("marketdata: protecting %s: %w", path+suffix, err)
		}
	}
	return &Store{db: db, path: path}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// PutResult says what a Put changed.
type PutResult struct {
	Added      int // candles not stored before
	Duplicates int // candles already stored for the same open time (the new one is kept)
}

// Put stores candles of symbol at interval iv, merging them with what is stored: a candle
// with the same open time as a stored one replaces it. Candles need not be sorted.
func (s *Store) Put(ctx context.Context, symbol string, iv time.Duration, cs []exchange.Candle) (PutResult, error) {
	var res PutResult
	if err := checkInterval(iv); err != nil {
		return res, err
	}
	if len(cs) == 0 {
		return res, nil
	}
	cs = sortedCopy(cs)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("marketdata: saving candles: %w", err)
	}
	defer tx.Rollback()
	for len(cs) > 0 {
		idx := chunkOf(cs[0].Open, iv)
		n := 1
		for n < len(cs) && chunkOf(cs[n].Open, iv) == idx {
			n++
		}
		part := cs[:n]
		cs = cs[n:]
		var blob []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM candle_chunks WHERE symbol = ? AND interval_ms = ? AND chunk = ?`,
			symbol, iv.Milliseconds(), idx).Scan(&blob)
		var old []exchange.Candle
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return res, fmt.Errorf("marketdata: reading stored candles: %w", err)
		default:
			if old, err = decodeChunk(nil, blob, iv, idx); err != nil {
				return res, err
			}
		}
		merged, added, dups := merge(old, part)
		res.Added += added
		res.Duplicates += dups
		data, err := encodeChunk(merged, iv, idx)
		if err != nil {
			return res, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO candle_chunks (symbol, interval_ms, chunk, n, first_ms, last_ms, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, symbol, iv.Milliseconds(), idx, len(merged),
			merged[0].Open.UnixMilli(), merged[len(merged)-1].Open.UnixMilli(), data); err != nil {
			return res, fmt.Errorf("marketdata: saving candles: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("marketdata: saving candles: %w", err)
	}
	return res, nil
}

// merge combines sorted old and sorted new candles by open time; a new candle replaces an
// old one (and a later new one an earlier) with the same open time.
func merge(old, add []exchange.Candle) (out []exchange.Candle, added, dups int) {
	out = make([]exchange.Candle, 0, len(old)+len(add))
	i, j := 0, 0
	for i < len(old) || j < len(add) {
		switch {
		case j == len(add) || i < len(old) && old[i].Open.Before(add[j].Open):
			out = append(out, old[i])
			i++
		default:
			c := add[j]
			j++
			switch {
			case len(out) > 0 && out[len(out)-1].Open.Equal(c.Open):
				out[len(out)-1] = c
				dups++
			case i < len(old) && old[i].Open.Equal(c.Open):
				out = append(out, c)
				i++
				dups++
			default:
				out = append(out, c)
				added++
			}
		}
	}
	return out, added, dups
}

// Load returns the stored candles of symbol at interval iv that open in [from, to), oldest
// first (to zero: everything from from on).
func (s *Store) Load(ctx context.Context, symbol string, iv time.Duration, from, to time.Time) ([]exchange.Candle, error) {
	if err := checkInterval(iv); err != nil {
		return nil, err
	}
	hi := int64(1<<62 - 1)
	if !to.IsZero() {
		hi = chunkOf(to.Add(-time.Millisecond), iv)
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0) FROM candle_chunks WHERE symbol = ? AND interval_ms = ? AND chunk BETWEEN ? AND ?`,
		symbol, iv.Milliseconds(), chunkOf(from, iv), hi).Scan(&total); err != nil {
		return nil, fmt.Errorf("marketdata: reading candles: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT chunk, data FROM candle_chunks WHERE symbol = ? AND interval_ms = ? AND chunk BETWEEN ? AND ? ORDER BY chunk`,
		symbol, iv.Milliseconds(), chunkOf(from, iv), hi)
	if err != nil {
		return nil, fmt.Errorf("marketdata: reading candles: %w", err)
	}
	defer rows.Close()
	out := make([]exchange.Candle, 0, total)
	for rows.Next() {
		var idx int64
		var blob sql.RawBytes
		if err := rows.Scan(&idx, &blob); err != nil {
			return nil, fmt.Errorf("marketdata: reading candles: %w", err)
		}
		if out, err = decodeChunk(out, blob, iv, idx); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("marketdata: reading candles: %w", err)
	}
	// Trim the partial chunks at both ends.
	lo := 0
	for lo < len(out) && out[lo].Open.Before(from) {
		lo++
	}
	up := len(out)
	for !to.IsZero() && up > lo && !out[up-1].Open.Before(to) {
		up--
	}
	return out[lo:up], nil
}

// Last returns the open time of the newest stored candle of symbol at iv (false when none).
func (s *Store) Last(ctx context.Context, symbol string, iv time.Duration) (time.Time, bool, error) {
	var ms sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(last_ms) FROM candle_chunks WHERE symbol = ? AND interval_ms = ?`,
		symbol, iv.Milliseconds()).Scan(&ms); err != nil {
		return time.Time{}, false, fmt.Errorf("marketdata: reading candles: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(ms.Int64).UTC(), true, nil
}

func checkInterval(iv time.Duration) error {
	if iv < time.Second || iv%time.Second != 0 || iv > 7*24*time.Hour {
		return fmt.Errorf("marketdata: interval %s must be whole seconds from 1s to 1w", iv)
	}
	return nil
}

// sortedCopy is cs sorted by open time; candles with the same open time keep their order.
func sortedCopy(cs []exchange.Candle) []exchange.Candle {
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b exchange.Candle) int { return a.Open.Compare(b.Open) })
	return cs
}
