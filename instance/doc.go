// Package instance owns what keeps one QuantDeck process per data directory: an exclusive
// lock on QUANTDECK_HOME/quantdeck.lock (Acquire, ErrRunning naming the holder), and the local
// control socket QUANTDECK_HOME/control.sock (ServeControl, Dial) through which commands such as
// `quantdeck bots start` and `quantdeck seal` reach the engine of a running `quantdeck serve`.
// The socket is protected by file permissions (0600 in a 0700 directory) and a peer
// credential check, so it needs no token.
package instance
