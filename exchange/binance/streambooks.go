package binance

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/exchange"
)

// bookBuffer is how many books wait for a slow consumer before the newest are dropped.
const bookBuffer = 64

// StreamBooks opens one combined websocket connection with <symbol>@depth20@100ms for every
// symbol: the top 20 levels a side, ten times a second. It is a connection of its own, so
// books never queue ahead of the ticks Stream delivers, and it is kept alive the same way
// (stale detection, jittered back-off, renewal before 24 h). A consumer that falls behind
// loses books, never blocks the connection. Both channels are closed after ctx ends.
func (c *Client) StreamBooks(ctx context.Context, symbols []string) (<-chan exchange.Book, <-chan exchange.ConnEvent, error) {
	syms, err := watchlist(symbols)
	if err != nil {
		return nil, nil, fmt.Errorf("binance: opening the book stream: %w", err)
	}
	s := &stream{
		c:       c,
		symbols: syms,
		kinds:   []string{"@depth20@100ms"},
		dec:     newStreamDecoder(syms),
		depth:   newDepthDecoder(syms),
		books:   make(chan exchange.Book, bookBuffer),
		events:  make(chan exchange.ConnEvent, eventBuffer),
		dialer:  &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: handshakeTimeout},
	}
	c.startStream(ctx, s)
	return s.books, s.events, nil
}

// closeOut closes the stream's data channel.
func (s *stream) closeOut() {
	if s.ticks != nil {
		close(s.ticks)
	}
	if s.books != nil {
		close(s.books)
	}
}

// deliverBook decodes a depth message and offers the book to the consumer without waiting.
// got reports a book; shutdown an announced server shutdown.
func (s *stream) deliverBook(msg []byte) (got, shutdown bool) {
	ok, err := s.depth.decode(msg, time.Now(), &s.book)
	switch {
	case err != nil:
		s.c.log.Debug("binance: skipping an unreadable book message", "err", err)
		return false, false
	case !ok:
		var t exchange.Tick
		kind, _ := s.dec.decode(msg, time.Now(), &t)
		return false, kind == msgShutdown
	}
	select {
	case s.books <- s.book:
	default:
		s.dropped++
		if s.dropped&(s.dropped-1) == 0 {
			s.c.log.Debug("binance: book consumer is behind, dropping books", "dropped", s.dropped)
		}
	}
	return true, false
}
