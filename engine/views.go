package engine

import (
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Mode says whether a bot's orders are simulated or real.
type Mode = journal.Mode

// Modes.
const (
	Paper = journal.Paper
	Live  = journal.Live
)

// BotState is a bot's lifecycle state.
type BotState string

// Bot states.
const (
	BotStopped BotState = "stopped"
	BotRunning BotState = "running"
	BotPaused  BotState = "paused" // by the risk guard; Reason says why
	BotError   BotState = "error"  // Reason says why
)

// BotConfig is what a user sets for a bot.
type BotConfig struct {
	Name     string
	Symbol   string
	Strategy string            // a name from strategy.Specs()
	Params   map[string]string // strategy parameters as typed by the user (see DESIGN.md)
	Mode     Mode
	KeyLabel string          // live only: the vault credential label
	Budget   decimal.Decimal // quote currency; zero means no budget set (refused for live)
	// Risk limits; zero means the engine default.
	MaxOrderNotional decimal.Decimal
	MaxOpenOrders    int
	DailyLossLimit   decimal.Decimal
}

// BotView is a bot as shown to the user.
type BotView struct {
	Config        BotConfig
	State         BotState
	Reason        string          // for paused/error
	Position      decimal.Decimal // base quantity held by this bot
	AvgEntry      decimal.Decimal
	RealizedPnL   decimal.Decimal // net of fees, quote currency
	UnrealizedPnL decimal.Decimal
	Spent         decimal.Decimal // quote committed (for the budget)
	OpenOrders    int
	Buys, Sells   int
	StartedAt     time.Time
}

// OrderView is one journal row.
type OrderView = journal.Order

// FillView is one recorded fill.
type FillView = journal.Fill

// BotEvent is one line of a bot's history.
type BotEvent = journal.Event

// OrderFilter selects journal rows.
type OrderFilter = journal.OrderFilter

// ManualOrder is an order from the order ticket.
type ManualOrder struct {
	Symbol   string
	Side     exchange.Side
	Type     exchange.OrderType
	Quantity decimal.Decimal
	Price    decimal.Decimal // limit only
	Mode     Mode
	KeyLabel string // live only
}

// PriceView is the latest market state of one symbol.
type PriceView struct {
	Symbol    string
	Last      decimal.Decimal
	Bid, Ask  decimal.Decimal
	Open24h   decimal.Decimal // reference price for the change column
	ChangePct decimal.Decimal
	Spark     []decimal.Decimal // recent closes, oldest first, for sparklines
	Updated   time.Time
}

// Health is the market connection's state for the header.
type Health struct {
	Exchange    string // "sim", "binance", "binance-testnet"
	Stream      exchange.StreamState
	LastMessage time.Time
	Reconnects  int
	ClockOffset time.Duration // exchange time minus local time
	Rate        exchange.RateState
}

// BalanceView is one asset's balance in one mode.
type BalanceView struct {
	Mode       Mode
	Asset      string
	Free       decimal.Decimal
	Locked     decimal.Decimal
	QuoteValue decimal.Decimal // value in the quote currency (USDT), zero when unknown
}

// Snapshot is the whole state the cockpit shows.
type Snapshot struct {
	Time       time.Time
	Health     Health
	Prices     []PriceView // watchlist order
	Bots       []BotView   // by name
	Balances   []BalanceView
	Orders     []OrderView // recent, newest first
	Fills      []FillView  // recent, newest first
	Log        []BotEvent  // recent engine and bot events, newest first
	KillSwitch bool
	KillReason string
	Started    time.Time
}

// Event is one message of the engine's event stream.
type Event interface{ event() }

// SnapshotEvent carries a coalesced snapshot (prices, health and everything else).
type SnapshotEvent struct{ Snapshot Snapshot }

// OrderEvent reports a journal change.
type OrderEvent struct{ Order OrderView }

// FillEvent reports a recorded fill.
type FillEvent struct{ Fill FillView }

// BotEventMsg reports a bot state change or a history line.
type BotEventMsg struct {
	Bot   BotView
	Event BotEvent
}

// ConnEvent reports a market stream state change.
type ConnEvent struct{ Conn exchange.ConnEvent }

// ErrorEvent reports an error the user should see.
type ErrorEvent struct {
	Bot string
	Err string
}

// KillSwitchEvent reports the kill switch being engaged or released.
type KillSwitchEvent struct {
	Engaged bool
	Reason  string
}

func (SnapshotEvent) event()   {}
func (OrderEvent) event()      {}
func (FillEvent) event()       {}
func (BotEventMsg) event()     {}
func (ConnEvent) event()       {}
func (ErrorEvent) event()      {}
func (KillSwitchEvent) event() {}
