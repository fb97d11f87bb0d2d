package journal

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// Mode says whether a bot's orders are simulated or real.
type Mode string

// Modes.
const (
	Paper Mode = "paper"
	Live  Mode = "live"
)

// Order is one journal row as shown to the user.
type Order struct {
	ClientID   string
	ExchangeID int64
	Bot        string // "" for manual orders
	Mode       Mode
	Symbol     string
	Side       exchange.Side
	Type       exchange.OrderType
	Price      decimal.Decimal
	Quantity   decimal.Decimal
	Executed   decimal.Decimal
	AvgPrice   decimal.Decimal
	State      strategy.OrderState
	Reason     string // rejection or error text
	Created    time.Time
	Updated    time.Time
}

// Row is a whole orders row: what the user sees and what the engine needs to send, look up
// and account for the order.
type Row struct {
	Order
	Tag       string // the strategy's name for the order
	KeyLabel  string // the credential a live order is placed with
	QuoteQty  decimal.Decimal
	QuoteExec decimal.Decimal
	Attempts  int
	SentAt    time.Time // zero until the first attempt
}

// Fill is one recorded fill.
type Fill struct {
	TradeID  int64
	ClientID string
	Bot      string
	Mode     Mode
	Symbol   string
	Side     exchange.Side
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Fee      decimal.Decimal
	FeeAsset string
	Time     time.Time
}

// Event is one line of a bot's history.
type Event struct {
	Bot     string
	Time    time.Time
	Level   string // "info", "warn", "error"
	Message string
}

// OrderFilter selects journal rows.
type OrderFilter struct {
	Bot      string // "" means any
	OpenOnly bool
	Limit    int // 0 means a sensible default
}

// AvgPrice is quote over base, zero when nothing executed.
func AvgPrice(qty, quote decimal.Decimal) decimal.Decimal {
	if !qty.IsPos() {
		return decimal.Zero
	}
	a, err := quote.Quo(qty)
	if err != nil {
		return decimal.Zero
	}
	return a
}
