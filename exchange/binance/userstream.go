package binance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

const (
	// wsAPIPath is where Binance (and the fake exchange) serve the WebSocket API.
	wsAPIPath = "/ws-api/v3"
	// updateBuffer holds pushed order changes while the consumer is busy. When it is full the
	// stream waits: no update is dropped, and a connection that stalls meanwhile is replaced
	// and its orders looked up again.
	updateBuffer = 256
	// maxTracked bounds the orders looked up again after a reconnect.
	maxTracked = 1000
	// subscribeTimeout bounds the wait for the answer to the subscription request.
	subscribeTimeout = 10 * time.Second
)

var (
	// ErrUserStreamOff: no WebSocket API endpoint is configured for order updates (see
	// Config.WSAPIURL); orders are then followed by polling.
	ErrUserStreamOff = errors.New("order updates are off: set the WebSocket API URL to turn them on")

	errTerminated = errors.New("exchange ended the order update subscription")
)

// StreamingClient is a Client whose order changes are pushed by Binance's user data stream
// (WebSocket API, userDataStream.subscribe.signature) as they happen. It implements
// exchange.Exchange and exchange.OrderStream. Orders it has placed, looked up or heard about
// and that are not final are looked up again after every reconnect, so a fill that happened
// while the connection was down still arrives on OrderUpdates.
type StreamingClient struct {
	*Client
	updates chan exchange.Order
	events  chan exchange.ConnEvent
	done    chan struct{}

	mu      sync.Mutex
	tracked map[string]string // client order id -> symbol, for orders not yet final

	reconnects int // touched only by the run goroutine
	reqID      int
}

var (
	_ exchange.Exchange    = (*StreamingClient)(nil)
	_ exchange.OrderStream = (*StreamingClient)(nil)
)

// UserStreamEnabled reports whether order updates can be streamed: a key is configured and a
// WebSocket API endpoint is known (see Config.WSAPIURL).
func (c *Client) UserStreamEnabled() bool { return c.creds != nil && c.wsAPIURL != "" }

// StartOrderUpdates subscribes to the account's order updates and keeps the subscription alive
// until ctx ends: a dropped or silent connection is redialled with jittered exponential
// back-off and subscribed again, the connection is renewed before Binance's 24 h limit, and
// failures go to the logger. It returns exchange.ErrNoCredentials without a key and
// ErrUserStreamOff without an endpoint; callers then keep polling.
func (c *Client) StartOrderUpdates(ctx context.Context) (*StreamingClient, error) {
	if c.creds == nil {
		return nil, fmt.Errorf("binance: starting order updates: %w", exchange.ErrNoCredentials)
	}
	if c.wsAPIURL == "" {
		return nil, fmt.Errorf("binance: starting order updates: %w", ErrUserStreamOff)
	}
	s := &StreamingClient{
		Client:  c,
		updates: make(chan exchange.Order, updateBuffer),
		events:  make(chan exchange.ConnEvent, eventBuffer),
		done:    make(chan struct{}),
		tracked: make(map[string]string),
	}
	go s.run(ctx)
	return s, nil
}

// WithOrderUpdates returns a trader that pushes order changes when that is possible (a key
// and a WebSocket API endpoint), else c itself, which the engine polls. The stream lives until
// ctx ends.
func (c *Client) WithOrderUpdates(ctx context.Context) exchange.Trader {
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		c.log.Info("binance: order changes will be polled", "reason", err)
		return c
	}
	return s
}

// OrderUpdates delivers every order change the exchange reports, each with the fill that caused
// it in Fills. It is closed after the stream's context ends.
func (s *StreamingClient) OrderUpdates() <-chan exchange.Order { return s.updates }

// StreamEvents reports the user data stream's health (connecting, live, reconnecting, closed).
// Events are dropped, oldest first, when nobody reads them. Closed after the context ends.
func (s *StreamingClient) StreamEvents() <-chan exchange.ConnEvent { return s.events }

// Done is closed once the stream has stopped and its goroutines have returned.
func (s *StreamingClient) Done() <-chan struct{} { return s.done }

// PlaceOrder places an order (see Client.PlaceOrder) and remembers it while it is open.
func (s *StreamingClient) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := s.Client.PlaceOrder(ctx, req)
	if err == nil {
		s.track(o)
	}
	return o, err
}

// GetOrder looks an order up (see Client.GetOrder) and remembers it while it is open.
func (s *StreamingClient) GetOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	o, err := s.Client.GetOrder(ctx, symbol, clientID)
	if err == nil {
		s.track(o)
	}
	return o, err
}

// CancelOrder cancels an order (see Client.CancelOrder).
func (s *StreamingClient) CancelOrder(ctx context.Context, symbol, clientID string) (exchange.Order, error) {
	o, err := s.Client.CancelOrder(ctx, symbol, clientID)
	if err == nil {
		s.track(o)
	}
	return o, err
}

// OpenOrders lists open orders (see Client.OpenOrders) and remembers them.
func (s *StreamingClient) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	list, err := s.Client.OpenOrders(ctx, symbol)
	for _, o := range list {
		s.track(o)
	}
	return list, err
}

// track remembers an open order for the lookup after a reconnect and forgets a final one.
func (s *StreamingClient) track(o exchange.Order) {
	if o.ClientID == "" || o.Symbol == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.Status.Final() {
		delete(s.tracked, o.ClientID)
		return
	}
	if _, ok := s.tracked[o.ClientID]; ok || len(s.tracked) < maxTracked {
		s.tracked[o.ClientID] = o.Symbol
	}
}

func (s *StreamingClient) forget(clientID string) {
	s.mu.Lock()
	delete(s.tracked, clientID)
	s.mu.Unlock()
}

func (s *StreamingClient) trackedOrders() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.tracked))
	for id, sym := range s.tracked {
		out[id] = sym
	}
	return out
}

func (s *StreamingClient) emit(ev exchange.ConnEvent) {
	ev.Reconnects = s.reconnects
	ev.Time = s.now().UTC()
	emitConn(s.events, ev)
}

func (s *StreamingClient) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.updates)
	defer close(s.events)
	attempt := 0
	s.emit(exchange.ConnEvent{State: exchange.StreamConnecting})
	for {
		lived, err := s.session(ctx)
		if ctx.Err() != nil {
			s.emit(exchange.ConnEvent{State: exchange.StreamClosed})
			return
		}
		if lived > 0 {
			attempt = 0 // the last subscription worked: start the back-off over
		}
		delay := s.backoff(attempt)
		var rl *exchange.RateLimitError
		planned := errors.Is(err, errServerShutdown) || errors.Is(err, errConnAge) || errors.Is(err, errTerminated)
		switch {
		case planned && lived >= s.userMinLife:
			delay = 0
		case errors.As(err, &rl):
			delay = max(delay, rl.RetryAfter)
		case errors.Is(err, exchange.ErrAuth):
			// A refused key does not fix itself quickly: ask again rarely, and say so loudly.
			delay = s.backoffMax
			s.log.Error("binance: the exchange refused the key for order updates; orders are polled until it accepts it", "err", err)
		}
		attempt++
		s.reconnects++
		s.log.Warn("binance: order update stream reconnecting", "err", err, "retry_in", delay, "reconnects", s.reconnects)
		s.emit(exchange.ConnEvent{State: exchange.StreamReconnecting, Err: err, RetryIn: delay})
		if delay > 0 && (clock.System{}).Sleep(ctx, delay) != nil {
			s.emit(exchange.ConnEvent{State: exchange.StreamClosed})
			return
		}
	}
}

// session dials, subscribes, looks up tracked orders, and reads events until the connection
// fails, goes silent, is ended by the exchange, must be renewed or ctx ends. It returns how long
// the subscription was active (zero when it never was).
func (s *StreamingClient) session(ctx context.Context) (time.Duration, error) {
	// Connecting and subscribing weigh 2 each, counted per IP like REST requests; during a
	// ban or back-off nothing is sent.
	if err := s.admit(ctx, 4); err != nil {
		return 0, fmt.Errorf("not dialling the order update stream: %w", err)
	}
	// The subscription is signed with a timestamp: the clock offset must be known.
	syncCtx, cancel := context.WithTimeout(ctx, streamSyncTimeout)
	err := s.ensureSynced(syncCtx)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("order update stream: %w", err)
	}
	dialer := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: handshakeTimeout}
	conn, resp, err := dialer.DialContext(ctx, s.wsAPIURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			return 0, s.refusedDial(resp, "the order update stream")
		}
		return 0, fmt.Errorf("dialling the order update stream: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetReadLimit(maxMessageSize)

	ka := newKeepAlive(conn, s.userStaleAfter)
	defer ka.stop()
	ka.startPinger(s.userPingEvery)

	subID, buf, err := s.subscribe(ctx, conn, ka)
	if err != nil {
		return 0, err
	}
	since := time.Now()
	lived := func() time.Duration { return max(time.Since(since), time.Nanosecond) }
	s.emit(exchange.ConnEvent{State: exchange.StreamLive})
	// Tracked orders are looked up beside the reader, so pings keep being answered however
	// many there are; both push to the same channel and the consumer applies changes
	// idempotently (fills by trade id, states never backwards).
	sessCtx, stopResync := context.WithCancel(ctx)
	resynced := make(chan struct{})
	go func() {
		defer close(resynced)
		s.resync(sessCtx)
	}()
	defer func() {
		stopResync()
		<-resynced
	}()
	err = s.read(ctx, conn, ka, subID, buf)
	return lived(), err
}

// read delivers events of subscription subID until an error.
func (s *StreamingClient) read(ctx context.Context, conn *websocket.Conn, ka *keepAlive, subID int64, buf []byte) error {
	renewAt := time.Now().Add(s.connMaxAge)
	ka.renewAt = renewAt
	var m userMsg
	for {
		ka.extend()
		msg, err := readMessage(conn, buf)
		buf = msg[:0]
		if err != nil {
			return ka.readError(err, "reading the order update stream")
		}
		if err := decodeUser(msg, &m); err != nil {
			s.log.Debug("binance: skipping an unreadable order update message", "err", err)
			continue
		}
		if m.subID >= 0 && m.subID != subID {
			continue
		}
		switch m.kind {
		case userExecution:
			o, err := m.ev.order()
			if err != nil {
				s.log.Warn("binance: skipping an unreadable execution report", "err", err)
				continue
			}
			if err := s.push(ctx, o); err != nil {
				return err
			}
		case userTerminated:
			return errTerminated
		case userShutdown:
			return errServerShutdown
		}
	}
}

// push hands an order change to the consumer, waiting while its buffer is full.
func (s *StreamingClient) push(ctx context.Context, o exchange.Order) error {
	s.track(o)
	select {
	case s.updates <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resync looks up every tracked order after a (re)subscription: changes that happened while no
// subscription was active were never pushed. An order the exchange no longer knows is
// forgotten; other failures are logged, since the next reconnect or the engine's poll will
// try again.
func (s *StreamingClient) resync(ctx context.Context) {
	for id, sym := range s.trackedOrders() {
		if ctx.Err() != nil {
			return
		}
		callCtx, cancel := context.WithTimeout(ctx, defaultHTTPTimout)
		o, err := s.Client.GetOrder(callCtx, sym, id)
		cancel()
		switch {
		case errors.Is(err, exchange.ErrUnknownOrder):
			s.forget(id)
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("binance: looking up an order after the order update stream reconnected", "client_id", id, "err", err)
			}
		default:
			if s.push(ctx, o) != nil {
				return
			}
		}
	}
}
