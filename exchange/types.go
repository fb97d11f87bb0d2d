package exchange

import (
	"context"
	"time"

	"github.com/govalues/decimal"
)

// Side is the direction of an order.
type Side string

// Order sides, spelled as Binance spells them.
const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// OrderType is the kind of order.
type OrderType string

// Order types QuantDeck places.
const (
	Limit  OrderType = "LIMIT"
	Market OrderType = "MARKET"
)

// TimeInForce says how long a limit order stays on the book.
type TimeInForce string

// Times in force.
const (
	GTC TimeInForce = "GTC"
	IOC TimeInForce = "IOC"
	FOK TimeInForce = "FOK"
)

// OrderStatus is the exchange's view of an order.
type OrderStatus string

// Order statuses, spelled as Binance spells them.
const (
	StatusNew             OrderStatus = "NEW"
	StatusPartiallyFilled OrderStatus = "PARTIALLY_FILLED"
	StatusFilled          OrderStatus = "FILLED"
	StatusCanceled        OrderStatus = "CANCELED"
	StatusRejected        OrderStatus = "REJECTED"
	StatusExpired         OrderStatus = "EXPIRED"
)

// Final reports whether no further change can happen to an order in this status.
func (s OrderStatus) Final() bool {
	switch s {
	case StatusFilled, StatusCanceled, StatusRejected, StatusExpired:
		return true
	}
	return false
}

// Tick is one market update for one symbol: best bid and ask, and the last trade when the
// update came from a trade. Zero fields mean "not carried by this update".
type Tick struct {
	Symbol string
	Bid    decimal.Decimal
	BidQty decimal.Decimal
	Ask    decimal.Decimal
	AskQty decimal.Decimal
	Last   decimal.Decimal // last trade price
	Qty    decimal.Decimal // last trade quantity
	Time   time.Time       // exchange event time when known, else receive time (UTC)
	// TradeID and Taker describe the last trade when the update came from one: the exchange's
	// trade id and the aggressor's side (see Trade).
	TradeID int64
	Taker   Side
}

// Candle is one OHLCV bar.
type Candle struct {
	Open   time.Time
	O, H   decimal.Decimal
	L, C   decimal.Decimal
	Volume decimal.Decimal
}

// StreamState is the health of a market stream.
type StreamState string

// Stream states.
const (
	StreamConnecting   StreamState = "connecting"
	StreamLive         StreamState = "live"
	StreamStale        StreamState = "stale" // connected, but silent for too long
	StreamReconnecting StreamState = "reconnecting"
	StreamClosed       StreamState = "closed"
)

// ConnEvent reports a change of a market stream's state.
type ConnEvent struct {
	State      StreamState
	Reconnects int           // reconnects since start
	Err        error         // why it left StreamLive, when known
	RetryIn    time.Duration // when reconnecting: the backoff chosen
	Time       time.Time
}

// Rules are a symbol's trading rules (Binance filters), already parsed. A zero value in a field
// means the exchange does not constrain it.
type Rules struct {
	Symbol      string
	Base, Quote string
	Status      string // "TRADING" when orders are accepted
	TickSize    decimal.Decimal
	MinPrice    decimal.Decimal
	MaxPrice    decimal.Decimal
	StepSize    decimal.Decimal
	MinQty      decimal.Decimal
	MaxQty      decimal.Decimal
	// MarketStepSize etc. come from MARKET_LOT_SIZE; zero means "same as LOT_SIZE".
	MarketStepSize   decimal.Decimal
	MarketMinQty     decimal.Decimal
	MarketMaxQty     decimal.Decimal
	MinNotional      decimal.Decimal
	MaxNotional      decimal.Decimal
	ApplyMinToMarket bool
	ApplyMaxToMarket bool
}

// OrderRequest is what the engine asks an exchange to place. ClientID is always set by the
// caller (the journal writes it before the call) and is the key for every later lookup.
type OrderRequest struct {
	ClientID    string
	Symbol      string
	Side        Side
	Type        OrderType
	Quantity    decimal.Decimal // base quantity; for MARKET either this or QuoteQty
	QuoteQty    decimal.Decimal // MARKET only: spend/receive this much quote
	Price       decimal.Decimal // LIMIT only
	TimeInForce TimeInForce     // LIMIT only; GTC when empty
	// OnSend, when set, is called by traders that implement SendReporter with every signed
	// request that carries ClientID, after its timestamp is signed and before it leaves
	// (the second send after a rejected timestamp included). When it returns an error the
	// request is not sent and PlaceOrder returns that error wrapped: nothing left.
	OnSend func(ctx context.Context, s SignedSend) error
}

// SignedSend describes one signed request that carries a client order id, as the adapter
// signed it. The exchange accepts the request until its own clock passes Timestamp +
// RecvWindow; Offset and Uncertainty let the caller say when that is by the local clock.
type SignedSend struct {
	ClientID   string
	Timestamp  time.Time     // the timestamp signed into the request (the exchange's clock)
	RecvWindow time.Duration // how long after Timestamp the exchange still accepts it
	// Offset is the exchange's clock minus the local clock, as the adapter last measured it;
	// Uncertainty bounds that measurement's error (half the round trip, the exchange's
	// millisecond resolution, drift since the measurement).
	Offset      time.Duration
	Uncertainty time.Duration
}

// ExpiresLocal is the local time after which the exchange refuses this request whatever the
// true clock offset within Uncertainty: Timestamp + RecvWindow by the exchange's clock, moved
// to the local clock with Offset, plus Uncertainty.
func (s SignedSend) ExpiresLocal() time.Time {
	return s.Timestamp.Add(s.RecvWindow).Add(-s.Offset).Add(s.Uncertainty).UTC()
}

// Order is the exchange's view of one order.
type Order struct {
	ClientID    string
	ExchangeID  int64
	Symbol      string
	Side        Side
	Type        OrderType
	Status      OrderStatus
	Price       decimal.Decimal
	Quantity    decimal.Decimal
	ExecutedQty decimal.Decimal
	QuoteQty    decimal.Decimal // cumulative quote quantity executed
	Fills       []Fill          // fills known from this response, may be empty
	Created     time.Time
	Updated     time.Time
}

// Fill is one trade against one of our orders. TradeID is unique per symbol on the exchange and
// is what makes recording fills idempotent.
type Fill struct {
	TradeID  int64
	ClientID string
	Symbol   string
	Side     Side
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Fee      decimal.Decimal
	FeeAsset string
	Time     time.Time
}

// Balance is one asset's holdings.
type Balance struct {
	Asset  string
	Free   decimal.Decimal
	Locked decimal.Decimal
}

// Permissions is what an API key may do, as the exchange reports it.
type Permissions struct {
	CanTrade     bool
	CanWithdraw  bool
	IPRestricted bool
	// Checked is false when the exchange could not be asked (the Binance testnet has no
	// endpoint for it): the caller must ask the user to confirm.
	Checked bool
	// Unanswered is true when the exchange answered but did not say whether the key may
	// withdraw or trade (a re-check's result): such a key is refused, since silence is not a no.
	Unanswered bool
	Note       string // human explanation of anything unusual, never secret
}

// RateState is the adapter's view of its request budget.
type RateState struct {
	UsedWeight  int       // weight used in the current minute, from response headers
	WeightLimit int       // the limit for that minute (from exchangeInfo), 0 when unknown
	BannedUntil time.Time // zero unless a 429/418 asked us to stop
	Banned      bool      // true for 418 (IP ban), false for a 429 back-off
}

// BookDepth is how many price levels a Book keeps per side: Binance's deepest partial book.
const BookDepth = 20

// Level is one price level of an order book.
type Level struct {
	Price decimal.Decimal
	Qty   decimal.Decimal
}

// Book is the top of one symbol's order book: up to BookDepth levels a side, best first (bids
// descending, asks ascending). It holds fixed arrays, so it is copied, sent and stored without
// a heap allocation.
type Book struct {
	Symbol       string
	Bids, Asks   [BookDepth]Level
	NBids, NAsks int   // how many levels of Bids and Asks are set
	UpdateID     int64 // the exchange's book update id, when it gives one
	Time         time.Time
}

// BidLevels returns the bids that are set, best first. The slice shares b's memory.
func (b *Book) BidLevels() []Level { return b.Bids[:min(max(b.NBids, 0), BookDepth)] }

// AskLevels returns the asks that are set, best first. The slice shares b's memory.
func (b *Book) AskLevels() []Level { return b.Asks[:min(max(b.NAsks, 0), BookDepth)] }

// Spread returns best ask minus best bid; ok is false when a side is empty.
func (b *Book) Spread() (spread decimal.Decimal, ok bool) {
	if b.NBids <= 0 || b.NAsks <= 0 {
		return decimal.Decimal{}, false
	}
	s, err := b.Asks[0].Price.Sub(b.Bids[0].Price)
	if err != nil {
		return decimal.Decimal{}, false
	}
	return s, true
}

// Trade is one public trade on a symbol (the market's, not ours: those are Fills).
type Trade struct {
	Symbol string
	ID     int64 // the exchange's trade id; zero when the source has none
	Price  decimal.Decimal
	Qty    decimal.Decimal
	// Taker is the aggressor's side: Buy when a buyer took an ask, Sell when a seller hit a
	// bid (Binance's "m", buyer is maker, means Sell). Empty when unknown.
	Taker Side
	Time  time.Time
}
