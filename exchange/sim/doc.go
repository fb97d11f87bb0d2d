// Package sim owns QuantDeck's built-in simulated market, the offline default: a seeded,
// deterministic price feed (exchange.MarketData), a matching candle history (exchange.History)
// and Binance-like symbol rules (exchange.RuleBook).
//
// Prices follow a geometric Brownian motion per symbol with realistic start prices and
// volatilities, occasional jumps, an intraday volume pattern and a bid/ask spread of whole
// ticks. The random walk alone is computed in float64 inside the package; every price and
// quantity that leaves it is a decimal.Decimal rounded to the symbol's tick or step size.
//
// The same seed gives the same sequence of ticks for a symbol, whatever other symbols are
// streamed alongside it and whenever the stream starts; only the timestamps depend on the
// clock. Options.Manual turns the random walk off so tests can drive exact prices with Push.
package sim
