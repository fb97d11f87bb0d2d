// Package marketdata owns QuantDeck's candle history for backtests: a compact store in its own
// SQLite file (candles.db in the data directory), filled from the exchange's klines endpoint
// (Fetch, resumable and inside the request-weight budget) or from Binance's public archive
// files (Import), and read back whole for a replay (Load). Prices and volumes round-trip
// exactly as decimals: each chunk of candles is kept as integers at the chunk's own decimal
// scale, delta-encoded, so a year of one-minute candles of one symbol takes a few megabytes.
package marketdata
