// Package api owns QuantDeck's control API: JSON over HTTP on a loopback address by default,
// a bearer token on every request (compared in constant time, failures slowed per address),
// server timeouts, size limits, caps on connections and concurrent requests, and Prometheus
// metrics fed by the engine's event stream. It talks to the engine only through
// Engine (the few engine methods it uses) and never returns a secret.
//
// Routes (every one needs "Authorization: Bearer $QUANTDECK_API_TOKEN"):
//
//	GET    /v1/status               version, exchange, mode, stream health, kill switch, uptime
//	GET    /v1/bots                 bots with state, position and PnL
//	GET    /v1/bots/{name}          one bot
//	POST   /v1/bots/{name}/start    start a bot
//	POST   /v1/bots/{name}/stop     stop a bot
//	GET    /v1/orders               journal rows; ?bot=NAME&open=true&limit=N (1..1000, default 100)
//	GET    /v1/balances             balances per mode and asset
//	GET    /v1/prices               latest price per watched symbol
//	GET    /v1/strategies           the strategies and their parameters (forms build from it)
//	POST   /v1/killswitch           engage: stop every bot, cancel every open order; body {"reason": "..."} optional
//	DELETE /v1/killswitch           release
//	GET    /metrics                 Prometheus text format
//
// Money and quantities are decimal strings ("0.00120000"), times RFC 3339 UTC. Errors are
// {"error": "what to do"} with 400 (bad input), 401 (no or wrong token, no detail), 404
// (unknown bot or route), 405 (wrong method; Allow lists the right ones), 307 (a path to clean
// up; Location holds it), 409 (the engine refused: kill switch engaged, vault sealed, ...), 413,
// 422, 429 (too many failed authentications waiting), 503 (too many requests at once, or
// shutting down) and 504. A request without the token gets the same 401 whatever it aims at.
//
//	curl -sH "Authorization: Bearer $QUANTDECK_API_TOKEN" http://127.0.0.1:7465/v1/status
//	curl -sH "Authorization: Bearer $QUANTDECK_API_TOKEN" -X POST http://127.0.0.1:7465/v1/bots/dca-btc/stop
//
// LocalHandler offers the same routes without a token, plus POST /v1/seal, POST /v1/bots (add)
// and DELETE /v1/bots/{name} (remove), for the owner-only unix control socket (see package
// instance), where file permissions take the place of the token.
package api
