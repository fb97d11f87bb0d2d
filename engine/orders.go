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
	b.mu.Lock()
	cfg := b.cfg
	b.mu.Unlock()
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
	if err := e.j.InsertIntent(ctx, &rec.Row); err != nil {
		e.releaseJob(b, jb, err)
		e.event(cfg.Name, "error", "cannot write the order journal: %v", err)
		return
	}
	e.jmu.Lock()
	e.open[rec.ClientID] = rec
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
func (e *Engine) send(ctx context.Context, tr exchange.Trader, rec *orderRec) {
	defer e.setBusy(rec, false)
	if h := e.hooks.afterIntent; h != nil {
		h(rec.ClientID)
	}
	for {
		if e.killed.Load() {
			e.finalize(rec, OrderRejected, "not sent: the kill switch was engaged")
			return
		}
		if err := e.limiter.wait(ctx, tr); err != nil {
			if rec.Attempts == 0 {
				e.finalize(rec, OrderRejected, "not sent: the bot was stopped")
			}
			return
		}
		reports := reportsSends(tr)
		if err := e.markSent(ctx, rec, reports); err != nil {
			e.event(rec.Bot, "error", "cannot write the order journal: %v", err)
			return
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
			if err := e.applyOrder(context.WithoutCancel(ctx), tr, o); err != nil {
				e.event(rec.Bot, "error", "recording order %s: %v", rec.ClientID, err)
			}
			e.cancelIfKilled(ctx, tr, rec)
			return
		}
		if !ambiguous(err) {
			var rl *exchange.RateLimitError
			if errors.As(err, &rl) {
				e.limiter.backOff(rl.RetryAfter)
			}
			e.finalize(rec, OrderRejected, err.Error())
			return
		}
		e.markUnknown(rec, err)
		switch e.resolve(ctx, tr, rec) {
		case outcomeDone:
			e.cancelIfKilled(ctx, tr, rec)
			return
		case outcomeUnknown:
			return
		}
		if rec.Attempts >= e.lim.MaxPlaceAttempts {
			e.finalize(rec, OrderRejected, fmt.Sprintf("not placed: the exchange never received it in %d attempts", rec.Attempts))
			return
		}
		e.event(rec.Bot, "warn", "order %s never reached the exchange; sending it again with the same id", rec.ClientID)
	}
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

// cancelIfKilled cancels an order that reached the book while the kill switch was being
// engaged: the switch's own sweep cannot see an order whose answer was still on its way.
func (e *Engine) cancelIfKilled(ctx context.Context, tr exchange.Trader, rec *orderRec) {
	if !e.killed.Load() {
		return
	}
	e.jmu.Lock()
	open := rec.State == OrderAcked || rec.State == OrderPartial
	e.jmu.Unlock()
	if open {
		if err := e.cancelRec(context.WithoutCancel(ctx), tr, rec); err != nil {
			e.event(rec.Bot, "error", "cancelling order %s after the kill switch: %v", rec.ClientID, err)
		}
	}
}

func (e *Engine) setBusy(rec *orderRec, busy bool) {
	e.jmu.Lock()
	rec.busy = busy
	e.jmu.Unlock()
}

// markSent records an attempt before the request leaves. For a trader that does not report
// its signed sends, the attempt's stand-in send is recorded with it: the request may be
// signed at any moment until the call's deadline.
func (e *Engine) markSent(ctx context.Context, rec *orderRec, reports bool) error {
	ctx = context.WithoutCancel(ctx)
	e.jmu.Lock()
	defer e.jmu.Unlock()
	now := e.now().UTC()
	next := *rec
	next.Attempts++
	next.SentAt, next.Updated = now, now
	if next.State == OrderIntent {
		next.State = OrderSent
	}
	var bound time.Time
	if !reports && rec.Mode != Paper {
		bound = now.Add(e.lim.CallTimeout + e.lim.InFlightWindow)
	}
	if err := e.j.Write(ctx, func(tx *journal.Tx) error {
		if err := tx.SaveOrder(&next.Row); err != nil {
			return err
		}
		if bound.IsZero() {
			return nil
		}
		return tx.InsertSend(journal.Send{ClientID: rec.ClientID, Attempt: next.Attempts, Source: journal.SendBound,
			Recorded: now, Expires: bound})
	}); err != nil {
		return fmt.Errorf("order %s: %w", rec.ClientID, err)
	}
	rec.Attempts, rec.SentAt, rec.Updated, rec.State = next.Attempts, next.SentAt, next.Updated, next.State
	rec.quietAt = later(rec.quietAt, bound)
	return nil
}

// markUnknown records that a request's outcome is unknown.
func (e *Engine) markUnknown(rec *orderRec, cause error) {
	e.jmu.Lock()
	if rec.State.Rank() <= OrderUnknown.Rank() {
		rec.State = OrderUnknown
		rec.Reason = "no definite answer: " + cause.Error()
		rec.Updated = e.now().UTC()
		if err := e.j.SaveOrder(context.Background(), &rec.Row); err != nil {
			e.log.Error("journal", "err", err)
		}
	}
	v := rec.Order
	e.jmu.Unlock()
	e.publishOrder(v)
	e.event(rec.Bot, "warn", "order %s: outcome unknown (%v); looking it up before anything else", rec.ClientID, cause)
}

// finalize gives a row a final state the engine decided (rejected, or never sent).
func (e *Engine) finalize(rec *orderRec, state OrderState, reason string) {
	e.jmu.Lock()
	if rec.State.Final() {
		e.jmu.Unlock() // the exchange's answer came first and wins
		return
	}
	rec.State, rec.Reason, rec.Updated = state, reason, e.now().UTC()
	err := e.j.SaveOrder(context.Background(), &rec.Row)
	delete(e.open, rec.ClientID)
	v := rec.Order
	b := e.botNamed(rec.Bot)
	if b != nil {
		b.mu.Lock()
		e.closeLocked(b, rec)
		b.mu.Unlock()
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

// closeLocked releases a final order's risk accounting and tells the strategy. jmu and b.mu
// are held.
func (e *Engine) closeLocked(b *bot, rec *orderRec) {
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
		b.strat.OnOrder(OrderUpdate{Tag: rec.Tag, Side: rec.Side, State: rec.State, Price: rec.Price, Qty: rec.Quantity,
			Executed: rec.Executed, Time: e.now(), Reason: rec.Reason})
	}
}

func (e *Engine) botNamed(name string) *bot {
	if name == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bots[name]
}

func (e *Engine) publishOrder(v OrderView) {
	e.mu.Lock()
	e.recent.addOrder(v)
	e.mu.Unlock()
	e.mkt.markDirty()
	e.bus.publish(OrderEvent{Order: v})
}

// PlaceManual places an order from the order ticket through the same journal and risk checks
// as a bot's. It returns once the exchange has answered (or the answer is known to be unknown).
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
	if err := e.j.InsertIntent(ctx, &rec.Row); err != nil {
		return OrderView{}, err
	}
	e.jmu.Lock()
	e.open[rec.ClientID] = rec
	e.jmu.Unlock()
	e.publishOrder(rec.Order)
	e.send(ctx, tr, rec)
	e.jmu.Lock()
	v := rec.Order
	e.jmu.Unlock()
	if v.State == OrderRejected {
		return v, fmt.Errorf("order %s rejected: %s", v.ClientID, v.Reason)
	}
	return v, nil
}

// Cancel cancels one open order QuantDeck placed.
func (e *Engine) Cancel(ctx context.Context, clientID string) error {
	e.jmu.Lock()
	rec := e.open[clientID]
	e.jmu.Unlock()
	if rec == nil {
		if _, err := e.j.Order(ctx, clientID); err != nil {
			return err
		}
		return nil // already final
	}
	tr, err := e.trader(rec.Mode, rec.KeyLabel)
	if err != nil {
		return fmt.Errorf("cancelling %s: %w", clientID, err)
	}
	return e.cancelRec(ctx, tr, rec)
}

func (e *Engine) cancelRec(ctx context.Context, tr exchange.Trader, rec *orderRec) error {
	if err := e.limiter.wait(ctx, tr); err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
	o, err := tr.CancelOrder(callCtx, rec.Symbol, rec.ClientID)
	cancel()
	if err != nil {
		// Already gone, or the answer was lost: ask for the order's state instead.
		callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
		o2, gerr := tr.GetOrder(callCtx, rec.Symbol, rec.ClientID)
		cancel()
		if gerr != nil {
			return fmt.Errorf("cancelling %s: %w", rec.ClientID, err)
		}
		o = o2
	}
	if o.ClientID == "" {
		o.ClientID = rec.ClientID
	}
	return e.applyOrder(ctx, tr, o)
}

// cancelBotOrders cancels every open order of one bot ("" cancels every order QuantDeck has
// open). Orders whose outcome is still being resolved are left to the resolver.
func (e *Engine) cancelBotOrders(ctx context.Context, botName string) []error {
	var errs []error
	for _, rec := range e.openFor(func(r *orderRec) bool {
		return (botName == "" || r.Bot == botName) && (r.State == OrderAcked || r.State == OrderPartial)
	}) {
		tr, err := e.trader(rec.Mode, rec.KeyLabel)
		if err == nil {
			err = e.cancelRec(ctx, tr, rec)
		}
		if err != nil {
			errs = append(errs, err)
			e.event(rec.Bot, "error", "cancelling order %s: %v", rec.ClientID, err)
		}
	}
	return errs
}

// openFor returns the open rows that match.
func (e *Engine) openFor(match func(*orderRec) bool) []*orderRec {
	e.jmu.Lock()
	defer e.jmu.Unlock()
	var out []*orderRec
	for _, r := range e.open {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}
