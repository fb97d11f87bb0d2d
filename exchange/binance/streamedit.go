package binance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// editWriteTimeout bounds one SUBSCRIBE/UNSUBSCRIBE write.
const editWriteTimeout = 5 * time.Second

// startStream registers s for EditStreams and runs it until ctx ends.
func (c *Client) startStream(ctx context.Context, s *stream) {
	c.streamsMu.Lock()
	if c.streams == nil {
		c.streams = map[*stream]struct{}{}
	}
	c.streams[s] = struct{}{}
	c.streamsMu.Unlock()
	go func() {
		defer func() {
			c.streamsMu.Lock()
			delete(c.streams, s)
			c.streamsMu.Unlock()
		}()
		s.run(ctx)
	}()
}

// EditStreams adds symbols to and removes symbols from every open market and book stream of
// the client in place: Binance's live SUBSCRIBE and UNSUBSCRIBE on the running connections, so
// the other symbols keep streaming without a reconnect. A connection that drops meanwhile
// comes back with the edited set. Removed symbols may still deliver a message or two that was
// already on the way.
func (c *Client) EditStreams(ctx context.Context, add, remove []string) error {
	var addSyms, removeSyms []string
	var err error
	if len(add) > 0 {
		if addSyms, err = watchlist(add); err != nil {
			return fmt.Errorf("binance: editing the streams: %w", err)
		}
	}
	if len(remove) > 0 {
		if removeSyms, err = watchlist(remove); err != nil {
			return fmt.Errorf("binance: editing the streams: %w", err)
		}
	}
	c.streamsMu.Lock()
	streams := make([]*stream, 0, len(c.streams))
	for s := range c.streams {
		streams = append(streams, s)
	}
	c.streamsMu.Unlock()
	for _, s := range streams {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.edit(addSyms, removeSyms); err != nil {
			return err
		}
	}
	return nil
}

// edit changes the stream's symbols and, when connected, asks the exchange to follow.
func (s *stream) edit(add, remove []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var subscribe, unsubscribe []string
	for _, sym := range remove {
		if i := slices.Index(s.symbols, sym); i >= 0 {
			s.symbols = slices.Delete(s.symbols, i, i+1)
			unsubscribe = append(unsubscribe, s.names(sym)...)
		}
	}
	for _, sym := range add {
		if !slices.Contains(s.symbols, sym) {
			if len(s.symbols) >= maxStreamSymbols {
				return fmt.Errorf("binance: %d symbols is as many as one connection carries", maxStreamSymbols)
			}
			s.symbols = append(s.symbols, sym)
			subscribe = append(subscribe, s.names(sym)...)
		}
	}
	if s.conn == nil {
		return nil // the next connection subscribes to the edited set
	}
	for _, req := range []struct {
		method string
		names  []string
	}{{"UNSUBSCRIBE", unsubscribe}, {"SUBSCRIBE", subscribe}} {
		if len(req.names) == 0 {
			continue
		}
		s.reqID++
		_ = s.conn.SetWriteDeadline(time.Now().Add(editWriteTimeout))
		err := s.conn.WriteJSON(struct {
			Method string   `json:"method"`
			Params []string `json:"params"`
			ID     int64    `json:"id"`
		}{req.method, req.names, s.reqID})
		if err != nil {
			// The read loop sees the broken connection and redials with the edited set.
			s.c.log.Debug("binance: editing a stream's subscriptions", "err", err)
			return nil
		}
	}
	return nil
}

// names are the stream names of one symbol on this stream.
func (s *stream) names(sym string) []string {
	l := strings.ToLower(sym)
	out := make([]string, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = l + k
	}
	return out
}

// url is the combined stream address for the current symbols.
func (s *stream) url() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, sym := range s.symbols {
		names = append(names, s.names(sym)...)
	}
	return s.c.wsURL + "/stream?streams=" + strings.Join(names, "/")
}

// setConn records the live connection for edit.
func (s *stream) setConn(conn *websocket.Conn) {
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
}
