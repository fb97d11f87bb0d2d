package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// The in-flight rule. A request that carried a client order id can still be accepted by the
// exchange long after the call that sent it gave up: until its own signed timestamp plus its
// receive window, by the exchange's clock. So the engine records every such request in the
// journal before it leaves (the adapter reports each signed send, the resend after a rejected
// timestamp included), and the exchange's "no such order" is taken as the truth only once
// every recorded request has expired. The rule lives in unknownFinalAt; markSent and
// sendRecorder feed it; Resume reloads it from the journal.

// errSendNotRecorded: the journal could not record a request before it left, so the adapter
// did not send it. A definite answer: nothing reached the exchange.
var errSendNotRecorded = errors.New("the request was not recorded in the journal, so it was not sent")

// Sources of an order_sends row.
const (
	sendSigned = "signed" // reported by the adapter: the timestamp it signed
	sendBound  = "bound"  // the adapter reports nothing: the call's deadline stands in
)

// reportsSends reports whether tr tells OrderRequest.OnSend about every signed send.
func reportsSends(tr exchange.Trader) bool {
	r, ok := tr.(exchange.SendReporter)
	return ok && r.ReportsSends()
}

// unknownFinalAt is the local time from which a lookup that says the exchange does not know
// rec's client id is the truth. jmu is held.
//
// INVARIANT: a client order id is declared unknown to the exchange only after every request
// that carried it has expired, each measured from its own signed timestamp plus its
// recvWindow, by the exchange's clock, moved to the local clock with the adapter's measured
// offset and widened by that offset's uncertainty; the lookup that says "unknown" must itself
// have been sent after that moment. Every such request is recorded in the journal before it
// leaves, so a restart applies the same rule. A row with no recorded request (the process
// died between the intent, or the attempt, and the signature) sent nothing: nothing can
// arrive. For a trader that cannot report its sends, the moment its call returned (or, if the
// process died during the call, the call's deadline) plus InFlightWindow stands in for the
// last request's expiry. The paper account runs in this process: nothing outlives its call.
func (e *Engine) unknownFinalAt(rec *orderRec) time.Time {
	if rec.Mode == Paper {
		return time.Time{}
	}
	return rec.quietAt
}

// untilUnknownFinal is how long from asked until a lookup's "unknown" for rec can be trusted
// (0 or less: a lookup sent at asked can be).
func (e *Engine) untilUnknownFinal(rec *orderRec, asked time.Time) time.Duration {
	e.jmu.Lock()
	at := e.unknownFinalAt(rec)
	e.jmu.Unlock()
	if at.IsZero() {
		return 0
	}
	return at.Sub(asked)
}

// sendRecorder returns the OnSend hook of one attempt: it writes the signed send to the
// journal, durably, before the adapter lets the request leave.
func (e *Engine) sendRecorder(rec *orderRec, attempt int) func(context.Context, exchange.SignedSend) error {
	return func(ctx context.Context, s exchange.SignedSend) error {
		exp := s.ExpiresLocal()
		row := sendRow{ClientID: rec.ClientID, Attempt: attempt, Source: sendSigned, Signed: s.Timestamp,
			RecvWindow: s.RecvWindow, Offset: s.Offset, Uncertainty: s.Uncertainty, Recorded: e.now().UTC(), Expires: exp}
		if err := insertSend(context.WithoutCancel(ctx), e.cfg.DB, row); err != nil {
			e.log.Error("journal", "client_id", rec.ClientID, "err", err)
			return fmt.Errorf("%w: %w", errSendNotRecorded, err)
		}
		e.jmu.Lock()
		rec.quietAt = later(rec.quietAt, exp)
		e.jmu.Unlock()
		if h := e.hooks.afterRecord; h != nil {
			h(rec.ClientID)
		}
		return nil
	}
}

// tightenBound replaces the stand-in of an attempt whose call has returned (the adapter
// reports no sends) by the call's end plus InFlightWindow: nothing is signed after the call
// returns.
func (e *Engine) tightenBound(ctx context.Context, rec *orderRec, attempt int) {
	exp := e.now().UTC().Add(e.lim.InFlightWindow)
	if _, err := e.cfg.DB.ExecContext(ctx, `UPDATE order_sends SET expires_at = ?
		WHERE client_id = ? AND attempt = ? AND source = ? AND expires_at > ?`,
		fmtTime(exp), rec.ClientID, attempt, sendBound, fmtTime(exp)); err != nil {
		e.log.Error("journal", "client_id", rec.ClientID, "err", err)
		return
	}
	q, err := e.j.quietAt(ctx, rec.ClientID)
	if err != nil {
		e.event(rec.Bot, "error", "reading the sends of order %s: %v", rec.ClientID, err)
		return
	}
	e.jmu.Lock()
	rec.quietAt = q
	e.jmu.Unlock()
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sendRow is one order_sends row.
type sendRow struct {
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

func insertSend(ctx context.Context, x execer, r sendRow) error {
	var signed int64
	if !r.Signed.IsZero() {
		signed = r.Signed.UnixMilli()
	}
	_, err := x.ExecContext(ctx, `INSERT INTO order_sends(client_id, attempt, source, signed_ms, recv_window_ms,
		offset_ms, uncertainty_ms, recorded_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)`,
		r.ClientID, r.Attempt, r.Source, signed, r.RecvWindow.Milliseconds(), r.Offset.Milliseconds(),
		ceilMillis(r.Uncertainty), fmtTime(r.Recorded), fmtTime(r.Expires))
	if err != nil {
		return fmt.Errorf("journal: recording a send of order %s: %w", r.ClientID, err)
	}
	return nil
}

func ceilMillis(d time.Duration) int64 { return int64((d + time.Millisecond - 1) / time.Millisecond) }

// quietAt returns when the last recorded request that carried clientID expires (local
// clock); zero when none was sent. A stored time that does not parse is an error: reading it
// as zero would declare the order unknown at once.
func (j *journal) quietAt(ctx context.Context, clientID string) (time.Time, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT expires_at FROM order_sends WHERE client_id = ?`, clientID)
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
		t, err := parseStoredTime(s.String)
		if err != nil {
			return time.Time{}, fmt.Errorf("journal: order %s: a send's expiry: %w", clientID, err)
		}
		last = later(last, t)
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, fmt.Errorf("journal: reading the sends of order %s: %w", clientID, err)
	}
	return last, nil
}
