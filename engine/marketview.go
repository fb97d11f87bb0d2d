package engine

import (
	"context"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// MarketView is what the cockpit's market screens (chart, order book, trades tape,
// portfolio, watchlist) use of a running engine. *Engine implements it; it is kept apart
// from the bot and order methods so consumers that need neither carry none of it.
type MarketView interface {
	// Watchlist returns the watched symbols in display order.
	Watchlist() []string
	// Watch adds a symbol (checked against the market's symbols) and saves the change.
	Watch(ctx context.Context, symbol string) error
	// Unwatch removes a symbol and saves the change; ErrSymbolInUse while a bot trades it.
	Unwatch(ctx context.Context, symbol string) error
	// OrderBook returns a watched symbol's latest book; no allocation.
	OrderBook(symbol string) (exchange.Book, bool)
	// Trades appends a watched symbol's recent trades to dst[:0], newest first.
	Trades(symbol string, dst []exchange.Trade) []exchange.Trade
	// CandlesAt returns candles at one of Timeframes(), history joined with live ticks.
	CandlesAt(ctx context.Context, symbol string, tf time.Duration, limit int) ([]exchange.Candle, error)
	// Portfolio values the paper and live accounts (does I/O).
	Portfolio(ctx context.Context) ([]PortfolioAccount, error)
}

var _ MarketView = (*Engine)(nil)
