package exchange

import (
	"context"
	"time"
)

// MarketData streams prices. Ticks and ConnEvents are delivered on the returned channels until
// ctx is cancelled, after which both channels are closed. Implementations never block forever
// on a slow reader: they drop nothing meant for a consumer that keeps up, and they report their
// own state changes on the events channel.
type MarketData interface {
	Stream(ctx context.Context, symbols []string) (ticks <-chan Tick, events <-chan ConnEvent, err error)
}

// History serves recent candles so charts open with history.
type History interface {
	Candles(ctx context.Context, symbol string, interval time.Duration, limit int) ([]Candle, error)
}

// RuleBook serves symbol rules.
type RuleBook interface {
	Rules(ctx context.Context, symbol string) (Rules, error)
}

// Trader places and tracks orders. PlaceOrder returns ErrAmbiguous (wrapped) when the outcome is
// unknown; callers then use GetOrder with the same client id before anything else.
type Trader interface {
	PlaceOrder(ctx context.Context, req OrderRequest) (Order, error)
	CancelOrder(ctx context.Context, symbol, clientID string) (Order, error)
	GetOrder(ctx context.Context, symbol, clientID string) (Order, error)
	OpenOrders(ctx context.Context, symbol string) ([]Order, error) // symbol "" means all
	Balances(ctx context.Context) ([]Balance, error)
}

// SendReporter is implemented by traders that report every signed request carrying a client
// order id through OrderRequest.OnSend before it leaves. ReportsSends is false for a trader
// that could not (a wrapper around one that does not); callers then have to assume a request
// may have been signed at any moment until the call returned.
type SendReporter interface {
	ReportsSends() bool
}

// FillLister returns the fills (trades) of one order; used to record fills idempotently by
// trade id after a restart or a poll.
type FillLister interface {
	OrderFills(ctx context.Context, symbol, clientID string) ([]Fill, error)
}

// PermissionChecker asks the exchange what a key may do. Implemented per exchange; the vault's
// key commands consume it.
type PermissionChecker interface {
	CheckPermissions(ctx context.Context, apiKey, apiSecret []byte) (Permissions, error)
}

// RateReporter exposes the adapter's rate-limit state to the engine.
type RateReporter interface {
	RateState() RateState
}

// Exchange is everything an exchange-backed account offers the engine.
type Exchange interface {
	Name() string
	MarketData
	History
	RuleBook
	Trader
	FillLister
}

// Credentials lends decrypted key material for the duration of one signed call. fn must not
// keep apiKey or apiSecret: the buffers are zeroed when fn returns.
type Credentials interface {
	Use(ctx context.Context, fn func(apiKey, apiSecret []byte) error) error
}

// OrderStream is implemented by traders that push order changes as they happen (paper trading;
// later Binance's user data stream). Traders without it are polled with OpenOrders/GetOrder.
// Each pushed Order carries the fills that caused the change in Order.Fills.
type OrderStream interface {
	OrderUpdates() <-chan Order
}

// BookData streams the top of the order book. Books are delivered on the returned channel
// until ctx is cancelled, after which both channels are closed. It is separate from
// MarketData so that books, larger and more frequent, never queue ahead of the ticks bots
// trade on; a consumer that falls behind loses stale books, never ticks.
type BookData interface {
	StreamBooks(ctx context.Context, symbols []string) (books <-chan Book, events <-chan ConnEvent, err error)
}

// StreamEditor is implemented by markets whose open streams (MarketData's and BookData's)
// take symbols added and removed in place, without reconnecting (Binance's live SUBSCRIBE).
// Markets without it are given a stream per symbol added at runtime.
type StreamEditor interface {
	EditStreams(ctx context.Context, add, remove []string) error
}
