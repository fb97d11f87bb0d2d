package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// placeForBot journals a bot's intent and sends it.
func (e *Engine) placeForBot(ctx context.Context, b *bot, jb job) {
	cfg := jb.cfg
	if ctx.Err() != nil {
		e.releaseJob(b, jb, ErrStopping)
		return
	}
	tr, err := e.trader(cfg.Mode, cfg.KeyLabel)
	if err != nil {
		e.releaseJob(b, jb, err)
		e.event(cfg.Name, "error", "cannot place order: %v", err)
		return
	}
	now := e.now().UTC()
	rec := &orderRec{
		Row: journal.Row{Order: OrderView{Bot: cfg.Name, Mode: cfg.Mode, Symbol: cfg.Symbol, Side: jb.req.Side, Type: jb.req.Type,
			Price: jb.req.Price, Quantity: jb.req.Quantity, Created: now, Updated: now},
			Tag: jb.intent.Tag, KeyLabel: cfg.KeyLabel, QuoteQty: jb.req.QuoteQty},
		reserved: jb.reserved, counted: true, busy: true,
	}
	if err := e.j.StageIntent(ctx, &rec.Row, e.stagedFailed); err != nil {
		e.releaseJob(b, jb, err)
		e.event(cfg.Name, "error", "cannot write the order journal: %v", err)
		return
	}
	e.jmu.Lock()
	e.addOpen(rec)
	e.jmu.Unlock()
	e.publishOrder(rec.Order)
	e.send(ctx, tr, rec)
}

// outcome of one placement attempt.
type outcome int

const (
	outcomeDone     outcome = iota // the journal has a definite answer
	outcomeNotFound                // the exchange says it never received the order
	outcomeUnknown                 // still no answer; the row stays 'unknown' for the poller and the next start
)

// send places a journaled order. An ambiguous failure is never retried blindly: the order is
// looked up by its client id, and sent again (with the same id) only after the exchange has
// said it does not know it.
//
// It returns the row as the attempt left it: after an answer, as the answer makes it (the
// answer is settled in memory once it is on disk, which answered arranges).
func (e *Engine) send(ctx context.Context, tr exchange.Trader, rec *orderRec) OrderView {
	handedOver := false // the answer's settling clears busy
	defer func() {
		if !handedOver {
			e.setBusy(rec, false)
		}
	}()
	if h := e.hooks.afterIntent; h != nil {
		h(rec.ClientID)
	}
	for {
		if e.killed.Load() {
			e.finalize(rec, OrderRejected, "not sent: the kill switch was engaged")
			return e.rowView(rec)
		}
		if err := e.limiter.wait(ctx, tr); err != nil {
			if rec.Attempts == 0 {
				e.finalize(rec, OrderRejected, "not sent: the bot was stopped")
			}
			return e.rowView(rec)
		}
		reports := reportsSends(tr)
		if err := e.markSent(ctx, rec, reports); err != nil {
			e.event(rec.Bot, "error", "cannot write the order journal: %v", err)
			return e.rowView(rec)
		}
		if h := e.hooks.afterMark; h != nil {
			h(rec.ClientID)
		}
		req := rec.request()
		if reports {
			req.OnSend = e.sendRecorder(rec, rec.Attempts)
		}
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.lim.CallTimeout)
		o, err := tr.PlaceOrder(callCtx, req)
		cancel()
		if !reports && rec.Mode != Paper {
			e.tightenBound(context.WithoutCancel(ctx), rec, rec.Attempts)
		}
		if err == nil {
			if h := e.hooks.afterAck; h != nil {
				h(rec.ClientID)
			}
			if o.ClientID == "" {
				o.ClientID = rec.ClientID
			}
			handedOver = true
			return e.answered(ctx, tr, rec, o)
		}
		if !ambiguous(err) {
			var rl *exchange.RateLimitError
			if errors.As(err, &rl) {
				e.limiter.backOff(rl.RetryAfter)
			}
			e.finalize(rec, OrderRejected, err.Error())
			return e.rowView(rec)
		}
		e.markUnknown(rec, err)
		switch e.resolve(ctx, tr, rec) {
		case outcomeDone:
			e.cancelIfKilled(ctx, tr, rec)
			return e.rowView(rec)
		case outcomeUnknown:
			return e.rowView(rec)
		}
		if rec.Attempts >= e.lim.MaxPlaceAttempts {
			e.finalize(rec, OrderRejected, fmt.Sprintf("not placed: the exchange never received it in %d attempts", rec.Attempts))
			return e.rowView(rec)
		}
		e.event(rec.Bot, "warn", "order %s never reached the exchange; sending it again with the same id", rec.ClientID)
	}
}

// answered records the exchange's answer to a placement and returns the row as the answer
// makes it. The answer is staged (applyOrderLater): the order path does not wait for its
// sync, and the row (its state, its fills, its bot's ledger and strategy) moves once the
// answer is on disk. The row stays busy until then, so the poller leaves it alone.
//
// An order that reached the book while the kill switch was being engaged is cancelled: the
// switch's own sweep cannot see a row whose answer was not settled yet. The check follows the
// settling, so either it sees the switch, or the switch's sweep (which follows the switch)
// sees the settled row.
func (e *Engine) answered(ctx context.Context, tr exchange.Trader, rec *orderRec, o exchange.Order) OrderView {
	ctx = context.WithoutCancel(ctx)
	v, ok := e.applyOrderLater(ctx, tr, o, func(err error) {
		if err != nil {
			e.event(rec.Bot, "error", "recording order %s: %v", rec.ClientID, err)
		}
		e.setBusy(rec, false)
		if !e.killed.Load() {
			return
		}
		// This runs on the journal's writer, which must not wait for the exchange.
		if e.join(1) {
			go func() {
				defer e.wg.Done()
				e.cancelIfKilled(ctx, tr, rec)
			}()
		}
	})
	if !ok {
		return e.rowView(rec)
	}
	return v
}

// ambiguous reports whether a placement error leaves the outcome unknown. Errors the port
// does not classify count as ambiguous: assuming "not placed" is what duplicates orders. A
// sealed vault is definite: the request could not be signed, so it never left.
func ambiguous(err error) bool {
	if errors.Is(err, errSendNotRecorded) {
		return false // the adapter kept the request back
	}
	if errors.Is(err, exchange.ErrAmbiguous) {
		return true
	}
	if errors.Is(err, exchange.ErrLocked) {
		return false
	}
	for _, definite := range []error{exchange.ErrInsufficientBalance, exchange.ErrFilter, exchange.ErrRejected,
		exchange.ErrRateLimited, exchange.ErrClockSkew, exchange.ErrUnavailable, exchange.ErrAuth,
		exchange.ErrNoCredentials, exchange.ErrUnknownOrder} {
		if errors.Is(err, definite) {
			return false
		}
	}
	return true
}

// resolve looks an order with an unknown outcome up by client id, with backoff, until the
// exchange gives a definite answer or ctx ends.
func (e *Engine) resolve(ctx context.Context, tr exchange.Trader, rec *orderRec) outcome {
	wait := e.lim.ResolveBackoff
	for {
		if err := e.limiter.wait(ctx, tr); err != nil {
			return outcomeUnknown
		}
		asked := e.now()
		callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
		o, err := tr.GetOrder(callCtx, rec.Symbol, rec.ClientID)
		cancel()
		switch {
		case err == nil:
			if o.ClientID == "" {
				o.ClientID = rec.ClientID
			}
			if err := e.applyOrder(context.WithoutCancel(ctx), tr, o); err != nil {
				e.event(rec.Bot, "error", "recording order %s: %v", rec.ClientID, err)
			}
			return outcomeDone
		case errors.Is(err, exchange.ErrUnknownOrder):
			// Trust "unknown" only once no request that carried the id can still arrive
			// (the rule is on unknownFinalAt).
			left := e.untilUnknownFinal(rec, asked)
			if left <= 0 {
				return outcomeNotFound
			}
			if w := left - e.now().Sub(asked); w < wait {
				wait = w
			}
		default:
			e.log.Warn("looking up an order with an unknown outcome", "client_id", rec.ClientID, "err", err)
		}
		if err := e.sleep(ctx, wait); err != nil {
			return outcomeUnknown
		}
		wait *= 2
		if wait > e.lim.ResolveMaxBackoff {
			wait = e.lim.ResolveMaxBackoff
		}
		if wait <= 0 {
			wait = e.lim.ResolveBackoff
		}
	}
}

// markSent records an attempt before the request leaves. For a trader that does not report
// its signed sends, the attempt's stand-in send is recorded with it: the request may be
// signed at any moment until the call's deadline. For one that does, the attempt (and the
// intent before it) is staged: the signed send's record commits it before anything leaves.
func (e *Engine) markSent(ctx context.Context, rec *orderRec, reports bool) error {
	ctx = context.WithoutCancel(ctx)
	e.take(rec)
	defer e.give(rec)
	clk := e.now()
	now := clk.UTC()
	next := orderRec{Row: rec.Row} // the row alone: counted and reserved belong to the bot's loop
	next.Attempts++
	next.SentAt, next.Updated = now, now
	if next.State == OrderIntent {
		next.State = OrderSent
	}
	var bound time.Time
	if !reports && rec.Mode != Paper {
		bound = now.Add(e.lim.CallTimeout + e.lim.InFlightWindow)
	}
	write := func(tx *journal.Tx) error {
		if err := tx.SaveOrder(&next.Row); err != nil {
			return err
		}
		if bound.IsZero() {
			return nil
		}
		return tx.InsertSend(journal.Send{ClientID: rec.ClientID, Attempt: next.Attempts, Source: journal.SendBound,
			Recorded: now, Expires: bound})
	}
	if reports {
		// The adapter records each signed send (sendRecorder) before it lets the request
		// leave, and that write commits this one first and fails without it.
		e.j.Stage(ctx, write, e.stagedFailed)
	} else if err := e.j.Write(ctx, write); err != nil {
		return fmt.Errorf("order %s: %w", rec.ClientID, err)
	}
	e.jmu.Lock()
	rec.Attempts, rec.SentAt, rec.Updated, rec.State = next.Attempts, next.SentAt, next.Updated, next.State
	rec.quietAt = later(rec.quietAt, onMonotonic(clk, bound))
	e.jmu.Unlock()
	return nil
}

// markUnknown records that a request's outcome is unknown.
func (e *Engine) markUnknown(rec *orderRec, cause error) {
	e.take(rec)
	next := rec.Row
	if next.State.Rank() <= OrderUnknown.Rank() {
		next.State = OrderUnknown
		next.Reason = "no definite answer: " + cause.Error()
		next.Updated = e.now().UTC()
		if err := e.j.SaveOrder(context.Background(), &next); err != nil {
			e.log.Error("journal", "err", err)
		}
	}
	e.jmu.Lock()
	rec.State, rec.Reason, rec.Updated = next.State, next.Reason, next.Updated
	v := rec.Order
	e.jmu.Unlock()
	e.give(rec)
	e.publishOrder(v)
	e.event(rec.Bot, "warn", "order %s: outcome unknown (%v); looking it up before anything else", rec.ClientID, cause)
}

// finalize gives a row a final state the engine decided (rejected, or never sent).
func (e *Engine) finalize(rec *orderRec, state OrderState, reason string) {
	e.take(rec)
	defer e.give(rec)
	if rec.State.Final() {
		return // the exchange's answer came first and wins
	}
	next := rec.Row
	next.State, next.Reason, next.Updated = state, reason, e.now().UTC()
	err := e.j.SaveOrder(context.Background(), &next)
	e.jmu.Lock()
	rec.State, rec.Reason, rec.Updated = next.State, next.Reason, next.Updated
	e.dropOpen(rec)
	v := rec.Order
	if rec.Bot != "" {
		e.rowNews[rec.Bot]++
	}
	if b := e.botNamed(rec.Bot); b != nil {
		e.closeRow(b, rec)
	}
	e.jmu.Unlock()
	if err != nil {
		e.event(rec.Bot, "error", "%v", err)
	}
	e.publishOrder(v)
	if rec.Bot != "" {
		e.event(rec.Bot, "warn", "order %s %s: %s", rec.ClientID, state, reason)
	}
}

// closeRow tells a row's bot that the row is final: its loop releases the row's risk
// accounting and tells the strategy. jmu is held: the update is queued in the order the
// journal changed.
func (e *Engine) closeRow(b *bot, rec *orderRec) {
	upd := OrderUpdate{Tag: rec.Tag, Side: rec.Side, State: rec.State, Price: rec.Price, Qty: rec.Quantity,
		Executed: rec.Executed, Time: e.now(), Reason: rec.Reason}
	e.post(b, func(b *bot) { e.rowClosed(b, rec, upd) })
}

// rowClosed releases a final order's risk accounting and tells the strategy; it runs on the
// bot's loop, which alone touches rec.counted and rec.reserved.
func (e *Engine) rowClosed(b *bot, rec *orderRec, upd OrderUpdate) {
	if rec.counted {
		rec.counted = false
		b.openN--
		b.openBuy, _ = b.openBuy.Sub(rec.reserved)
		if b.openBuy.IsNeg() || b.openN <= 0 {
			b.openBuy = decimal.Zero
		}
		if b.openN < 0 {
			b.openN = 0
		}
		rec.reserved = decimal.Zero
	}
	if b.strat != nil && b.state == BotRunning {
		b.strat.OnOrder(upd)
	}
}

func (e *Engine) publishOrder(v OrderView) {
	e.mu.Lock()
	e.recent.addOrder(v)
	e.mu.Unlock()
	e.mkt.markDirty()
	e.bus.publish(OrderEvent{Order: v})
}

// PlaceManual places an order from the order ticket through the same journal and risk checks
// as a bot's. It returns once the exchange has answered (or the answer is known to be
// unknown), with the row as the answer makes it. The answer itself is recorded with the next
// journal commit, before anything sent after it leaves, and the order lists, fills and
// balances show it from then on (within a few milliseconds).
func (e *Engine) PlaceManual(ctx context.Context, m ManualOrder) (OrderView, error) {
	if e.killed.Load() {
		return OrderView{}, fmt.Errorf("placing order: %w; release it first", ErrKillSwitch)
	}
	if e.closing.Load() {
		return OrderView{}, ErrStopping
	}
	if m.Mode == "" {
		m.Mode = Paper
	}
	if m.Mode == Live {
		if m.KeyLabel == "" {
			return OrderView{}, fmt.Errorf("placing a live order needs a credential label: %w", ErrLiveUnavailable)
		}
		if e.cfg.KeyOK == nil {
			return OrderView{}, fmt.Errorf("%w: no credential checks configured", ErrLiveUnavailable)
		}
		if err := e.cfg.KeyOK(ctx, m.KeyLabel); err != nil {
			return OrderView{}, fmt.Errorf("%w: credential %q: %w", ErrLiveUnavailable, m.KeyLabel, err)
		}
	}
	rules, err := e.rulesFor(ctx, m.Symbol)
	if err != nil {
		return OrderView{}, err
	}
	ref := e.mkt.last(m.Symbol)
	req, err := rules.Normalize(exchange.OrderRequest{Symbol: m.Symbol, Side: m.Side, Type: m.Type, Quantity: m.Quantity, Price: m.Price}, ref)
	if err != nil {
		return OrderView{}, fmt.Errorf("placing order: %w", err)
	}
	if max := e.lim.MaxOrderNotional; max.IsPos() {
		v, err := orderValue(req, ref)
		if err != nil || v.Cmp(max) > 0 {
			return OrderView{}, fmt.Errorf("placing order: %w: order value %s is above the maximum of %s", ErrRisk, v, max)
		}
	}
	tr, err := e.trader(m.Mode, m.KeyLabel)
	if err != nil {
		return OrderView{}, err
	}
	now := e.now().UTC()
	rec := &orderRec{
		Row: journal.Row{Order: OrderView{Mode: m.Mode, Symbol: m.Symbol, Side: req.Side, Type: req.Type, Price: req.Price,
			Quantity: req.Quantity, Created: now, Updated: now},
			Tag: "manual", KeyLabel: m.KeyLabel},
		busy: true,
	}
	if m.Mode == Paper {
		rec.KeyLabel = ""
	}
	if err := e.j.StageIntent(ctx, &rec.Row, e.stagedFailed); err != nil {
		return OrderView{}, err
	}
	e.jmu.Lock()
	e.addOpen(rec)
	e.jmu.Unlock()
	e.publishOrder(rec.Order)
	v := e.send(ctx, tr, rec)
	if v.State == OrderRejected {
		return v, fmt.Errorf("order %s rejected: %s", v.ClientID, v.Reason)
	}
	return v, nil
}
