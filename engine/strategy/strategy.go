package strategy

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Strategy turns ticks into order intents. Implementations are pure state machines: no I/O, no
// goroutines and no clock of their own (the engine passes the time in), so a test can replay a
// price series through one and know exactly what it will do. The engine serialises every call
// on one bot, so implementations need no locking.
type Strategy interface {
	// Restore rebuilds the strategy's state from the journal when a bot starts: its position,
	// its non-final orders and its recent final orders (newest first).
	Restore(pos Position, open, history []OrderRef)
	// OnTick appends the intents this tick calls for to out and returns it.
	OnTick(t exchange.Tick, pos Position, now time.Time, out []Intent) []Intent
	// OnOrder reports a change to one of the strategy's orders, including intents the engine
	// refused before they reached the exchange (Refused set).
	OnOrder(u OrderUpdate)
}

// Position is what a bot holds: base quantity and the average entry price (fees included).
type Position struct {
	Qty      decimal.Decimal
	AvgEntry decimal.Decimal
}

// Intent is an order a strategy wants placed. Tag names the order for the strategy (a grid
// level, "tp" for a take-profit) and comes back in its OrderUpdates.
type Intent struct {
	Tag      string
	Side     exchange.Side
	Type     exchange.OrderType
	Price    decimal.Decimal // limit only
	Qty      decimal.Decimal // base quantity
	QuoteQty decimal.Decimal // market orders may give a quote amount instead
}

// OrderRef is a journal order as a strategy sees it on restore.
type OrderRef struct {
	Tag      string
	Side     exchange.Side
	State    OrderState
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Executed decimal.Decimal
	Created  time.Time
}

// OrderUpdate reports a change to a strategy's order.
type OrderUpdate struct {
	Tag      string
	Side     exchange.Side
	State    OrderState
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Executed decimal.Decimal // cumulative base quantity filled
	Time     time.Time
	Refused  bool   // never reached the exchange: risk guard, symbol rules, kill switch, full queue
	Reason   string // why it was refused or rejected
}

// OrderState is the journal's state of an order.
type OrderState string

// Journal states.
const (
	OrderIntent    OrderState = "intent"    // written, not yet sent
	OrderSent      OrderState = "sent"      // request in flight
	OrderAcked     OrderState = "acked"     // on the book
	OrderPartial   OrderState = "partial"   // partially filled
	OrderFilled    OrderState = "filled"    // final
	OrderCancelled OrderState = "cancelled" // final (includes expired)
	OrderRejected  OrderState = "rejected"  // final
	OrderUnknown   OrderState = "unknown"   // no definite answer yet; being reconciled
)

// Final reports whether a journal state is final.
func (s OrderState) Final() bool {
	return s == OrderFilled || s == OrderCancelled || s == OrderRejected
}

// Rank orders journal states so an update never moves a row backwards.
func (s OrderState) Rank() int {
	switch s {
	case OrderIntent:
		return 0
	case OrderSent, OrderUnknown:
		return 1
	case OrderAcked:
		return 2
	case OrderPartial:
		return 3
	case OrderFilled, OrderCancelled, OrderRejected:
		return 4
	}
	return -1
}

// StateOf maps an exchange status to a journal state.
func StateOf(s exchange.OrderStatus) OrderState {
	switch s {
	case exchange.StatusNew:
		return OrderAcked
	case exchange.StatusPartiallyFilled:
		return OrderPartial
	case exchange.StatusFilled:
		return OrderFilled
	case exchange.StatusCanceled, exchange.StatusExpired:
		return OrderCancelled
	case exchange.StatusRejected:
		return OrderRejected
	}
	return OrderUnknown
}

// RefPrice is the price a strategy decides on: the last trade, else the mid of bid and ask,
// else whichever side is present.
func RefPrice(t exchange.Tick) decimal.Decimal {
	if t.Last.IsPos() {
		return t.Last
	}
	if t.Bid.IsPos() && t.Ask.IsPos() {
		if s, err := t.Bid.Add(t.Ask); err == nil {
			if m, err := s.Quo(decimal.Two); err == nil {
				return m
			}
		}
	}
	if t.Bid.IsPos() {
		return t.Bid
	}
	return t.Ask
}
