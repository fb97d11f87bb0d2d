package engine

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// Market is what the engine needs of a market data source: prices, candles and symbol rules.
// The simulated market and the Binance adapter both provide it.
type Market interface {
	exchange.MarketData
	exchange.History
	exchange.RuleBook
}

// Config wires an engine to its store, market and accounts.
type Config struct {
	DB           *sql.DB
	Market       Market
	ExchangeName string   // "sim", "binance", "binance-testnet"
	Symbols      []string // the watchlist
	// Paper is the paper account. When it also implements exchange.FillLister and
	// exchange.OrderStream the engine uses them; when it has OnTick(exchange.Tick) the engine
	// feeds it every tick so it can fill resting orders.
	Paper exchange.Trader
	// Live returns the trader for a vault credential; nil, or an error, when live trading is
	// unavailable (for example while the vault is sealed).
	Live func(keyLabel string) (exchange.Trader, error)
	// KeyOK returns nil when a stored, active, permission-checked credential exists.
	KeyOK func(ctx context.Context, keyLabel string) error
	// ResumeMarket continues the market from the last prices this database saw, when the
	// market can (the simulated market without a fixed seed): paper positions are then not
	// revalued at new random prices on every start.
	ResumeMarket bool
	// Clock stamps rows and times waits and backoffs; the system clock when nil. Tests share a
	// clock.Fake with the exchange they run against.
	Clock  clock.Clock
	Logger *slog.Logger
	Limits Limits
}

// Limits are the engine-wide defaults and knobs. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	// OrdersPerSecond and Burst size the token bucket shared by every order request
	// (placements, cancels and lookups) across all bots.
	OrdersPerSecond float64
	Burst           int
	// MaxOpenOrders is a bot's default open-order cap; MaxOrderNotional its default
	// per-order value cap in quote currency (zero: none).
	MaxOpenOrders    int
	MaxOrderNotional decimal.Decimal
	// PollInterval is how often open orders are polled on traders without an OrderStream.
	PollInterval time.Duration
	// CallTimeout bounds one exchange call.
	CallTimeout time.Duration
	// InFlightWindow serves only traders that do not report their signed sends
	// (exchange.SendReporter): how long after the call returned (or, after a crash, its
	// deadline) an exchange's "unknown order" is not yet trusted, since the request could
	// have been signed at any moment of the call. Binance refuses requests older than its
	// receive window (5 s by default), so the default is twice that. The Binance adapter
	// reports its sends, and their own timestamps and receive windows decide instead.
	InFlightWindow time.Duration
	// ResolveBackoff is the first wait between lookups of an order with an unknown outcome;
	// it doubles up to ResolveMaxBackoff.
	ResolveBackoff    time.Duration
	ResolveMaxBackoff time.Duration
	// MaxPlaceAttempts bounds how often one client order id is sent after the exchange said
	// it does not know it.
	MaxPlaceAttempts int
	// SnapshotInterval is the coalescing period of UI snapshots.
	SnapshotInterval time.Duration
	// BalanceInterval is how often balances are refreshed for snapshots.
	BalanceInterval time.Duration
	// NearLimit is the share of the adapter's weight limit above which requests wait for the
	// next minute (0.9 = 90 %).
	NearLimit float64
}

// DefaultLimits are the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		OrdersPerSecond:   5,
		Burst:             10,
		MaxOpenOrders:     50,
		PollInterval:      2 * time.Second,
		CallTimeout:       10 * time.Second,
		InFlightWindow:    10 * time.Second,
		ResolveBackoff:    250 * time.Millisecond,
		ResolveMaxBackoff: 5 * time.Second,
		MaxPlaceAttempts:  3,
		SnapshotInterval:  100 * time.Millisecond,
		BalanceInterval:   5 * time.Second,
		NearLimit:         0.9,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.OrdersPerSecond <= 0 {
		l.OrdersPerSecond = d.OrdersPerSecond
	}
	if l.Burst <= 0 {
		l.Burst = d.Burst
	}
	if l.MaxOpenOrders <= 0 {
		l.MaxOpenOrders = d.MaxOpenOrders
	}
	if l.PollInterval <= 0 {
		l.PollInterval = d.PollInterval
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = d.CallTimeout
	}
	if l.InFlightWindow <= 0 {
		l.InFlightWindow = d.InFlightWindow
	}
	if l.ResolveBackoff <= 0 {
		l.ResolveBackoff = d.ResolveBackoff
	}
	if l.ResolveMaxBackoff <= 0 {
		l.ResolveMaxBackoff = d.ResolveMaxBackoff
	}
	if l.MaxPlaceAttempts <= 0 {
		l.MaxPlaceAttempts = d.MaxPlaceAttempts
	}
	if l.SnapshotInterval <= 0 {
		l.SnapshotInterval = d.SnapshotInterval
	}
	if l.BalanceInterval <= 0 {
		l.BalanceInterval = d.BalanceInterval
	}
	if l.NearLimit <= 0 || l.NearLimit > 1 {
		l.NearLimit = d.NearLimit
	}
	return l
}

// Sentinel errors callers act on.
var (
	// ErrKillSwitch: the kill switch is engaged; release it before placing orders or starting bots.
	ErrKillSwitch = errors.New("kill switch engaged")
	// ErrNotResumed: bots cannot start before the journal has been reconciled (Resume).
	ErrNotResumed = errors.New("engine has not reconciled its journal yet")
	// ErrNoBot: no bot with that name.
	ErrNoBot = journal.ErrNoBot
	// ErrBotExists: a bot with that name already exists.
	ErrBotExists = journal.ErrBotExists
	// ErrBotRunning: the operation needs the bot stopped.
	ErrBotRunning = errors.New("bot is running")
	// ErrInvalidBot: the bot's configuration is invalid; the message says what to fix.
	ErrInvalidBot = strategy.ErrInvalid
	// ErrLiveUnavailable: live trading needs an unlocked vault and a checked credential.
	ErrLiveUnavailable = errors.New("live trading is unavailable")
	// ErrRisk: the risk guard refused an order; the message says which limit.
	ErrRisk = errors.New("refused by the risk guard")
	// ErrStopping: the engine is shutting down and takes no new orders.
	ErrStopping = errors.New("engine is stopping")
	// ErrClosed: the engine was closed; Run does not start it again.
	ErrClosed = errors.New("engine is closed")
	// ErrNoOrder: no order with that client id in the journal.
	ErrNoOrder = journal.ErrNoOrder
)
