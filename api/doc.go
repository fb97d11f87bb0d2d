// Package api owns QuantDeck's control API: JSON over HTTP on a loopback address by default,
// a bearer token on every request (compared in constant time, failures slowed per address),
// server timeouts, size limits and a cap on concurrent requests, and Prometheus metrics fed by
// the engine's event stream. It talks to the engine only through engine.Service and never
// returns a secret.
//
// The same routes are offered without a token by LocalHandler for the owner-only unix control
// socket (see package instance), where file permissions take the place of the token.
package api
