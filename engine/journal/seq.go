package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/quantdeck/quantdeck/engine/strategy"
)

// seqBlock is how many order sequence numbers StageIntent reserves at once. Numbers of a block
// not used before the process ends are skipped, never reused: ids only have to be unique.
const seqBlock = 64

// seqRange is a block of order sequence numbers reserved on disk for this journal: [next, end).
type seqRange struct{ next, end int64 }

// StageIntent gives r its client id and state intent and stages its row (Stage): it returns
// before the row is on disk. The row is committed no later than the next Write queued after
// it, so the request that carries the id must be recorded by such a Write before it leaves (a
// signed send, or an attempt with its stand-in send), and that Write fails if the row is not
// there. failed hears of a failure of the staged row.
//
// The id's sequence number comes from a block reserved durably beforehand, so it is unique
// even if the row never reaches the disk, and another process on the same database cannot
// take it.
func (j *Journal) StageIntent(ctx context.Context, r *Row, failed func(error)) error {
	seq, err := j.nextSeq(ctx)
	if err != nil {
		return err
	}
	r.ClientID = j.clientID(r.Bot, seq)
	r.State = strategy.OrderIntent
	row := *r
	j.Stage(ctx, func(tx *Tx) error { return insertOrder(tx, &row) }, failed)
	return nil
}

// nextSeq takes the next number of this journal's reserved block, reserving a new block when
// it is spent. Two callers that find it spent at once each reserve one; the later block
// replaces the earlier, whose rest is skipped.
func (j *Journal) nextSeq(ctx context.Context) (int64, error) {
	j.seqMu.Lock()
	if j.seq.next < j.seq.end {
		s := j.seq.next
		j.seq.next++
		j.seqMu.Unlock()
		return s, nil
	}
	j.seqMu.Unlock()
	var first int64
	if err := j.Write(ctx, func(tx *Tx) error {
		var err error
		first, err = reserveSeq(tx, seqBlock)
		return err
	}); err != nil {
		return 0, err
	}
	j.seqMu.Lock()
	j.seq = seqRange{next: first + 1, end: first + seqBlock}
	j.seqMu.Unlock()
	return first, nil
}

// reserveSeq advances the stored order sequence by n and returns the first number reserved.
func reserveSeq(tx *Tx, n int64) (int64, error) {
	var seq int64
	err := tx.queryRow(`SELECT CAST(value AS INTEGER) FROM engine_state WHERE key = 'order_seq'`).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("journal: reading the order sequence: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO engine_state(key, value) VALUES ('order_seq', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(seq+n, 10)); err != nil {
		return 0, fmt.Errorf("journal: advancing the order sequence: %w", err)
	}
	return seq + 1, nil
}

// insertOrder writes a new row in state intent.
func insertOrder(tx *Tx, r *Row) error {
	if _, err := tx.exec(`INSERT INTO orders(client_id, bot, tag, mode, key_label, symbol, side, type,
		price, quantity, quote_qty, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ClientID, r.Bot, r.Tag, string(r.Mode), r.KeyLabel, r.Symbol, string(r.Side), string(r.Type),
		r.Price.String(), r.Quantity.String(), r.QuoteQty.String(), string(r.State), FormatTime(r.Created), FormatTime(r.Updated)); err != nil {
		return fmt.Errorf("journal: writing the order intent %s: %w", r.ClientID, err)
	}
	return nil
}
