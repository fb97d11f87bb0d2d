package binance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

const (
	tickBuffer  = 4096
	eventBuffer = 64
	// maxStreamSymbols keeps a connection under Binance's 1024 streams (two per symbol).
	maxStreamSymbols = 512
	maxMessageSize   = 1 << 20
	handshakeTimeout = 10 * time.Second
	// streamSyncTimeout bounds the clock check before a dial, so a slow REST endpoint cannot
	// hold up the stream.
	streamSyncTimeout = 3 * time.Second
)

var (
	errStale          = errors.New("market stream went silent")
	errServerShutdown = errors.New("exchange announced a server shutdown")
	errConnAge        = errors.New("connection replaced before the exchange's 24 h limit")
)

// Stream opens one combined websocket connection with <symbol>@bookTicker and <symbol>@trade for
// every symbol, and keeps it alive: a silent stream is reported stale and replaced, a dropped one
// is redialled with jittered exponential back-off (capped at 30 s), and a connection is renewed
// before Binance's 24 h limit. Both channels are closed after ctx ends.
func (c *Client) Stream(ctx context.Context, symbols []string) (<-chan exchange.Tick, <-chan exchange.ConnEvent, error) {
	syms, err := watchlist(symbols)
	if err != nil {
		return nil, nil, fmt.Errorf("binance: opening the market stream: %w", err)
	}
	s := &stream{
		c:       c,
		symbols: syms,
		kinds:   []string{"@bookTicker", "@trade"},
		dec:     newStreamDecoder(syms),
		ticks:   make(chan exchange.Tick, tickBuffer),
		events:  make(chan exchange.ConnEvent, eventBuffer),
		dialer:  &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: handshakeTimeout},
	}
	c.startStream(ctx, s)
	return s.ticks, s.events, nil
}

// watchlist upper-cases, validates and de-duplicates symbols.
func watchlist(symbols []string) ([]string, error) {
	seen := make(map[string]bool, len(symbols))
	out := make([]string, 0, len(symbols))
	for _, s := range symbols {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !validSymbol(s) {
			return nil, fmt.Errorf("symbol %q is not valid: use letters and digits like BTCUSDT", s)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no symbols to watch")
	}
	if len(out) > maxStreamSymbols {
		return nil, fmt.Errorf("%d symbols is more than one connection carries (%d)", len(out), maxStreamSymbols)
	}
	return out, nil
}

// stream is one Stream call's connection manager; only its run goroutine touches it.
type stream struct {
	c          *Client
	kinds      []string // the stream name suffixes subscribed per symbol
	dec        *streamDecoder
	dialer     *websocket.Dialer
	ticks      chan exchange.Tick
	events     chan exchange.ConnEvent
	reconnects int
	dropped    uint64
	buf        []byte
	// A book stream (StreamBooks) sets these instead of using ticks.
	books chan exchange.Book
	depth *depthDecoder
	book  exchange.Book

	mu      sync.Mutex      // guards the fields below, shared with EditStreams
	symbols []string        // streamed now; a reconnect subscribes to these
	conn    *websocket.Conn // the live connection, nil between connections
	reqID   int64           // id of the last SUBSCRIBE/UNSUBSCRIBE request
}

func (s *stream) run(ctx context.Context) {
	defer s.closeOut()
	defer close(s.events)
	attempt := 0
	s.emit(exchange.ConnEvent{State: exchange.StreamConnecting})
	for {
		live, err := s.session(ctx)
		if ctx.Err() != nil {
			s.emit(exchange.ConnEvent{State: exchange.StreamClosed})
			return
		}
		if live {
			attempt = 0 // the last connection delivered data: start the back-off over
		}
		delay := s.backoff(attempt)
		var rl *exchange.RateLimitError
		switch {
		case live && (errors.Is(err, errServerShutdown) || errors.Is(err, errConnAge)):
			// A planned close of a working connection: reconnect at once. Without data first,
			// back off as usual so a server that only says goodbye cannot cause a busy loop.
			delay = 0
		case errors.As(err, &rl):
			delay = max(delay, rl.RetryAfter)
		}
		attempt++
		s.reconnects++
		s.c.log.Warn("binance: market stream reconnecting", "err", err, "retry_in", delay, "reconnects", s.reconnects)
		s.emit(exchange.ConnEvent{State: exchange.StreamReconnecting, Err: err, RetryIn: delay})
		if delay > 0 && (clock.System{}).Sleep(ctx, delay) != nil {
			s.emit(exchange.ConnEvent{State: exchange.StreamClosed})
			return
		}
	}
}

// backoff is the client's reconnect delay for the given failed attempt.
func (s *stream) backoff(attempt int) time.Duration { return s.c.backoff(attempt) }

// backoff is full-jitter exponential: a random delay in [d/2, d] with d doubling per failed
// attempt from backoffMin up to backoffMax. Market and user data streams share it.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffMin
	for i := 0; i < attempt && d < c.backoffMax; i++ {
		d *= 2
	}
	d = min(d, c.backoffMax)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// session dials, reads until the connection fails, goes silent, must be renewed or ctx ends, and
// reports whether any market data arrived.
func (s *stream) session(ctx context.Context) (bool, error) {
	if wait := s.c.rate.ipBan(s.c.now()); wait > 0 {
		// Bans are per IP: a connection attempt now would only extend it.
		return false, fmt.Errorf("not dialling the market stream: %w", &exchange.RateLimitError{RetryAfter: wait, Banned: true})
	}
	// Best effort, at most hourly: a market-data-only client still reports a clock offset.
	syncCtx, cancel := context.WithTimeout(ctx, streamSyncTimeout)
	if err := s.c.ensureSynced(syncCtx); err != nil {
		s.c.log.Debug("binance: could not read the exchange's clock", "err", err)
	}
	cancel()
	conn, resp, err := s.dialer.DialContext(ctx, s.url(), nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return false, s.refused(resp)
		}
		return false, fmt.Errorf("dialling the market stream: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	s.setConn(conn)
	defer s.setConn(nil)
	conn.SetReadLimit(maxMessageSize)
	// gorilla's default ping handler answers every ping with a pong echoing its payload.
	s.emit(exchange.ConnEvent{State: exchange.StreamLive})
	return s.read(conn)
}

// refused explains a failed websocket handshake of the market stream.
func (s *stream) refused(resp *http.Response) error {
	return s.c.refusedDial(resp, "the market stream")
}

// refusedDial explains a failed websocket handshake. A 429 (too many connection attempts)
// delays only that stream; a 418 is an IP ban that also stops REST requests until it ends.
func (c *Client) refusedDial(resp *http.Response, what string) error {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusTeapot:
		rl := &exchange.RateLimitError{RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), false)}
		if resp.StatusCode == http.StatusTeapot {
			rl = c.rate.backOff(c.now(), resp.Header.Get("Retry-After"), true)
		}
		return fmt.Errorf("dialling %s: HTTP %d: %w", what, resp.StatusCode, rl)
	}
	return fmt.Errorf("dialling %s: HTTP %d: %w", what, resp.StatusCode, websocket.ErrBadHandshake)
}

// read consumes messages until an error. The read deadline is pushed forward as messages come,
// so a silent connection times out after staleAfter; it never extends past the renewal time.
func (s *stream) read(conn *websocket.Conn) (bool, error) {
	stale := s.c.staleAfter
	renewAt := time.Now().Add(s.c.connMaxAge)
	var deadlineSet time.Time
	live := false
	var tick exchange.Tick
	for {
		now := time.Now()
		if !now.Before(renewAt) {
			return live, errConnAge
		}
		if now.Sub(deadlineSet) > stale/8 {
			deadlineSet = now
			dl := now.Add(stale)
			if dl.After(renewAt) {
				dl = renewAt
			}
			conn.SetReadDeadline(dl)
		}
		msg, err := s.next(conn)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if !time.Now().Before(renewAt) {
					return live, errConnAge
				}
				s.emit(exchange.ConnEvent{State: exchange.StreamStale, Err: errStale})
				return live, fmt.Errorf("%w: no message for %s", errStale, stale)
			}
			return live, fmt.Errorf("reading the market stream: %w", err)
		}
		if s.depth != nil {
			got, shutdown := s.deliverBook(msg)
			live = live || got
			if shutdown {
				return live, errServerShutdown
			}
			continue
		}
		kind, err := s.dec.decode(msg, time.Now(), &tick)
		switch {
		case err != nil:
			s.c.log.Debug("binance: skipping an unreadable stream message", "err", err)
		case kind == msgBookTicker || kind == msgTrade:
			live = true
			select {
			case s.ticks <- tick:
			default:
				s.dropped++
				if s.dropped&(s.dropped-1) == 0 { // log at 1, 2, 4, 8, ... drops
					s.c.log.Warn("binance: tick consumer is not keeping up, dropping ticks", "dropped", s.dropped)
				}
			}
		case kind == msgShutdown:
			return live, errServerShutdown
		}
	}
}

// next reads one data message into the stream's reusable buffer.
func (s *stream) next(conn *websocket.Conn) ([]byte, error) {
	msg, err := readMessage(conn, s.buf)
	s.buf = msg[:0]
	return msg, err
}

// readMessage reads one data message into buf (grown as needed) and returns it.
func readMessage(conn *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := conn.NextReader()
	if err != nil {
		return buf[:0], err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], err
		}
	}
}

// emit reports a state change without ever blocking.
func (s *stream) emit(ev exchange.ConnEvent) {
	ev.Reconnects = s.reconnects
	ev.Time = s.c.now().UTC()
	emitConn(s.events, ev)
}

// emitConn sends ev without ever blocking: when the consumer is behind, the oldest event gives
// way, since the newest state is what matters.
func emitConn(events chan exchange.ConnEvent, ev exchange.ConnEvent) {
	for {
		select {
		case events <- ev:
			return
		default:
		}
		select {
		case <-events:
		default:
		}
	}
}
