package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
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
// have been sent after that moment, measured in this run on the monotonic clock (onMonotonic). Every such request is recorded in the journal before it
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
		row := journal.Send{ClientID: rec.ClientID, Attempt: attempt, Source: journal.SendSigned, Signed: s.Timestamp,
			RecvWindow: s.RecvWindow, Offset: s.Offset, Uncertainty: s.Uncertainty, Recorded: e.now().UTC(), Expires: exp}
		if err := e.j.InsertSend(context.WithoutCancel(ctx), row); err != nil {
			e.log.Error("journal", "client_id", rec.ClientID, "err", err)
			return fmt.Errorf("%w: %w", errSendNotRecorded, err)
		}
		e.jmu.Lock()
		rec.quietAt = later(rec.quietAt, onMonotonic(e.now(), exp))
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
	if err := e.j.TightenBound(ctx, rec.ClientID, attempt, exp); err != nil {
		e.log.Error("journal", "client_id", rec.ClientID, "err", err)
		return
	}
	q, err := e.j.QuietAt(ctx, rec.ClientID)
	if err != nil {
		e.event(rec.Bot, "error", "reading the sends of order %s: %v", rec.ClientID, err)
		return
	}
	e.jmu.Lock()
	rec.quietAt = onMonotonic(e.now(), q)
	e.jmu.Unlock()
}

// stagedFailed hears of a staged journal write that failed (StageIntent, a staged attempt).
// Nothing was sent on top of it: the write that records the request checks for it. It runs on
// the journal's writer, so it only logs (a caller waiting on the writer may hold jmu).
func (e *Engine) stagedFailed(err error) {
	e.log.Error("journal: a staged write failed; no request is sent on top of it", "err", err)
}

// onMonotonic is the wall-clock moment t carried on the monotonic clock: now (a reading of the
// engine's clock just taken) plus the time left until t. An in-flight request's expiry is kept
// this way, so the wait for it is measured in elapsed time: a step of the wall clock (NTP, a
// hand-set date) moves neither the deadline nor the readings it is compared with, and cannot
// cut that wait short, which could let a lookup's "unknown" be trusted while the request may
// still land. A clock without monotonic readings (a test's fake) gets t back as it was.
func onMonotonic(now, t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return now.Add(t.Sub(now))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
