// Package sim owns QuantDeck's built-in simulated market, the offline default: a seeded,
// deterministic price feed (exchange.MarketData) whose ticks are also its trades (price, size,
// aggressor side, trade id), an order book around the latest tick (exchange.BookData), a
// matching candle history (exchange.History) and Binance-like symbol rules (exchange.RuleBook).
// ContinueFrom restarts the walks at the prices a data directory last saw.
//
// Prices follow a geometric Brownian motion per symbol with realistic start prices and
// volatilities, occasional jumps, an intraday volume pattern and a bid/ask spread of whole
// ticks. The random walk alone is computed in float64 inside the package; every price and
// quantity that leaves it is a decimal.Decimal rounded to the symbol's tick or step size.
//
// The same seed and clock give the same ticks. A symbol's sequence of prices depends only on
// the seed: not on the symbols streamed alongside it, nor on when the stream starts (time with
// no stream passes without moving the price); timestamps and sizes follow the clock.
// Options.Manual turns the random walk off so tests can drive exact prices with Push.
package sim
