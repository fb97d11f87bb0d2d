// Package fake runs a fake Binance spot exchange on 127.0.0.1 for tests and demos: the REST
// endpoints QuantDeck uses (public market data, signed orders and account queries, the key
// permission check), the market websocket streams (/ws, /stream: book ticker, trades, klines,
// mini ticker and partial depth, a one-tick ladder around the quote) and the WebSocket API's user
// data stream (/ws-api/v3, userDataStream.subscribe.signature: executionReport and
// outboundAccountPosition events), spoken closely enough to Binance's wire format that the real
// adapter cannot tell the difference.
//
// It owns a small matching model (top of book per symbol, infinite depth at the best price,
// resting limit orders that fill when the price crosses them, 0.1% commission in the received
// asset, balances with free and locked amounts per API key) and fault injection for the cases a
// trading client must survive: rate limits and bans, clock skew, latency, 5xx answers, dropped
// and silent websockets, orders that are applied but never answered, orders answered with any
// error code (before or after being applied), and requests delivered late: held with the
// connection dropped, and applied at the last moment their timestamp and receive window allow.
// With Options.Clock the exchange runs on a clock the test moves, so waits take no real time.
//
// Every request is recorded (method, path, time, status) and so is the client order id of every
// new-order request, so tests can prove what was and was not sent.
package fake
