package journal

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Sources of an order_sends row.
const (
	SendSigned = "signed" // reported by the adapter: the timestamp it signed
	SendBound  = "bound"  // the adapter reports nothing: the call's deadline stands in
)

// Send is one order_sends row: a request that carried a client id, recorded before it left.
type Send struct {
	ClientID    string
	Attempt     int
	Source      string
	Signed      time.Time
	RecvWindow  time.Duration
	Offset      time.Duration
	Uncertainty time.Duration
	Recorded    time.Time
	Expires     time.Time
}

func insertSend(exec execFunc, r Send) error {
	var signed int64
	if !r.Signed.IsZero() {
		signed = r.Signed.UnixMilli()
	}
	_, err := exec(`INSERT INTO order_sends(client_id, attempt, source, signed_ms, recv_window_ms,
		offset_ms, uncertainty_ms, recorded_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)`,
		r.ClientID, r.Attempt, r.Source, signed, r.RecvWindow.Milliseconds(), r.Offset.Milliseconds(),
		ceilMillis(r.Uncertainty), FormatTime(r.Recorded), FormatTime(r.Expires))
	if err != nil {
		return fmt.Errorf("journal: recording a send of order %s: %w", r.ClientID, err)
	}
	return nil
}

func ceilMillis(d time.Duration) int64 { return int64((d + time.Millisecond - 1) / time.Millisecond) }

// InsertSend records a request durably, grouped with other callers' writes, before it leaves.
func (j *Journal) InsertSend(ctx context.Context, s Send) error {
	return j.Write(ctx, func(tx *Tx) error { return tx.InsertSend(s) })
}

// TightenBound brings the stand-in expiry of an attempt's bound sends down to exp (never up):
// the call has returned, so nothing more is signed for it.
func (j *Journal) TightenBound(ctx context.Context, clientID string, attempt int, exp time.Time) error {
	if err := j.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE order_sends SET expires_at = ?
		WHERE client_id = ? AND attempt = ? AND source = ? AND expires_at > ?`,
			FormatTime(exp), clientID, attempt, SendBound, FormatTime(exp))
		return err
	}); err != nil {
		return fmt.Errorf("journal: tightening the sends of order %s: %w", clientID, err)
	}
	return nil
}

// QuietAt returns when the last recorded request that carried clientID expires (local clock);
// zero when none was sent. A stored time that does not parse is an error: reading it as zero
// would declare the order unknown at once.
func (j *Journal) QuietAt(ctx context.Context, clientID string) (time.Time, error) {
	rows, err := j.query(ctx, `SELECT expires_at FROM order_sends WHERE client_id = ?`, clientID)
	if err != nil {
		return time.Time{}, fmt.Errorf("journal: reading the sends of order %s: %w", clientID, err)
	}
	defer rows.Close()
	var last time.Time
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return time.Time{}, fmt.Errorf("journal: reading the sends of order %s: %w", clientID, err)
		}
		t, err := ParseTime(s.String)
		if err != nil {
			return time.Time{}, fmt.Errorf("journal: order %s: a send's expiry: %w", clientID, err)
		}
		if t.After(last) {
			last = t
		}
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, fmt.Errorf("journal: reading the sends of order %s: %w", clientID, err)
	}
	return last, nil
}
