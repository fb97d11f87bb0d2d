// Package binance is QuantDeck's adapter for the Binance spot exchange (mainnet and testnet): signed
// REST calls for orders, balances, fills and symbol rules; server-time synchronisation; request
// weight tracking with back-off on 429/418; and one combined websocket connection per watchlist
// that turns bookTicker and trade messages into exchange.Tick values with a zero-allocation
// decoder, reconnecting on its own when the stream drops or goes silent; and, with a key, the
// account's order updates from the WebSocket API user data stream (StartOrderUpdates), so live
// orders learn of their fills at once instead of at the next poll.
//
// Decrypted key material is borrowed from exchange.Credentials for the duration of one signing
// and never kept; errors and logs never contain the key, the signature or a signed query string.
package binance
