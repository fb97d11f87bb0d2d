package engine

// Cancelling orders: one by the user, a bot's on stop, all of them for the kill switch.

import (
	"context"
	"fmt"

	"github.com/quantdeck/quantdeck/exchange"
)

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
