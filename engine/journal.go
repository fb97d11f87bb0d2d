package engine

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// orderRec is a journal row as the engine works with it.
type orderRec struct {
	journal.Row
	// quietAt is the local time after which no request that carried the id can still be
	// accepted by the exchange (see unknownFinalAt); zero while none was sent. It is kept on
	// the monotonic clock (onMonotonic), so a step of the wall clock cannot bring it closer.
	// Guarded by jmu.
	quietAt time.Time
	filled  decimal.Decimal // base quantity of the fills recorded for it
	busy    bool            // a placement or a lookup is under way for it
	// turn is held by the goroutine changing the row (see take); made on first use.
	turn chan struct{}
	// Risk accounting, touched only on the bot's loop: whether the row counts among the bot's
	// open orders, and the quote value it still commits.
	counted  bool
	reserved decimal.Decimal
}

func (r *orderRec) request() exchange.OrderRequest {
	req := exchange.OrderRequest{
		ClientID: r.ClientID, Symbol: r.Symbol, Side: r.Side, Type: r.Type,
		Quantity: r.Quantity, QuoteQty: r.QuoteQty,
	}
	if r.Type == exchange.Limit {
		req.Price, req.TimeInForce = r.Price, exchange.GTC
	}
	return req
}

func (r *orderRec) ref() OrderRef { return refOf(&r.Row) }

// refOf is what a strategy sees of a journal row.
func refOf(r *journal.Row) OrderRef {
	return OrderRef{Tag: r.Tag, Side: r.Side, State: r.State, Price: r.Price, Qty: r.Quantity, Executed: r.Executed, Created: r.Created}
}

// fmtTime is how the journal stores a time.
func fmtTime(t time.Time) string { return journal.FormatTime(t) }

// avgPrice is quote over base, zero when nothing executed.
func avgPrice(qty, quote decimal.Decimal) decimal.Decimal { return journal.AvgPrice(qty, quote) }
