package binance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/exchange"
)

// wsServer accepts market stream connections on 127.0.0.1 and hands each to the test.
type wsServer struct {
	srv   *httptest.Server
	conns chan *wsConn
	mu    sync.Mutex
	urls  []string
}

type wsConn struct {
	*websocket.Conn
	pongs chan string
	done  chan struct{} // closed when the client side went away
}

func newWSServer(t *testing.T) *wsServer {
	t.Helper()
	ws := &wsServer{conns: make(chan *wsConn, 16)}
	up := websocket.Upgrader{}
	ws.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.mu.Lock()
		ws.urls = append(ws.urls, r.URL.String())
		ws.mu.Unlock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wc := &wsConn{Conn: c, pongs: make(chan string, 4), done: make(chan struct{})}
		c.SetPongHandler(func(s string) error {
			select {
			case wc.pongs <- s:
			default:
			}
			return nil
		})
		ws.conns <- wc
		// Read until the client goes away, so control frames (pongs, close) are processed.
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				close(wc.done)
				return
			}
		}
	}))
	t.Cleanup(ws.srv.Close)
	return ws
}

func (ws *wsServer) url() string { return "ws" + strings.TrimPrefix(ws.srv.URL, "http") }

func (ws *wsServer) accept(t *testing.T) *wsConn {
	t.Helper()
	select {
	case c := <-ws.conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no stream connection within 10 s")
		return nil
	}
}

func (c *wsConn) send(t *testing.T, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("server write: %v", err)
	}
}

func streamClient(t *testing.T, ws *wsServer, mut func(c *Client)) *Client {
	t.Helper()
	c, err := New(Config{Name: Testnet, RESTURL: "http://127.0.0.1:1", WSURL: ws.url(), StaleAfter: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffMin, c.backoffMax = 5*time.Millisecond, 50*time.Millisecond
	if mut != nil {
		mut(c)
	}
	return c
}

// waitEvent reads events until one in state st arrives.
func waitEvent(t *testing.T, events <-chan exchange.ConnEvent, st exchange.StreamState) exchange.ConnEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("events closed while waiting for %s", st)
			}
			if ev.State == st {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within 10 s", st)
		}
	}
}

func waitTick(t *testing.T, ticks <-chan exchange.Tick) exchange.Tick {
	t.Helper()
	select {
	case tk, ok := <-ticks:
		if !ok {
			t.Fatal("ticks closed")
		}
		return tk
	case <-time.After(10 * time.Second):
		t.Fatal("no tick within 10 s")
		return exchange.Tick{}
	}
}

const (
	bookMsg  = `{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"64000.01000000","B":"1.5","a":"64000.02000000","A":"2.5"}}`
	tradeMsg = `{"stream":"ethusdt@trade","data":{"e":"trade","E":1764370000001,"s":"ETHUSDT","t":7,"p":"3400.10","q":"0.25","T":1764370000000,"m":true,"M":true}}`
)

// drain waits for both channels to close after ctx ended and checks the last event.
func drain(t *testing.T, ticks <-chan exchange.Tick, events <-chan exchange.ConnEvent) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	var last exchange.ConnEvent
	for ticks != nil || events != nil {
		select {
		case _, ok := <-ticks:
			if !ok {
				ticks = nil
			}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			last = ev
		case <-deadline:
			t.Fatal("channels not closed within 10 s of cancel")
		}
	}
	if last.State != exchange.StreamClosed {
		t.Fatalf("last event = %s, want closed", last.State)
	}
}

// noLeak polls until the goroutine count is back to base.
func noLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

func TestStreamDeliversTicksAndCloses(t *testing.T) {
	base := runtime.NumGoroutine()
	ws := newWSServer(t)
	c := streamClient(t, ws, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ticks, events, err := c.Stream(ctx, []string{"btcusdt", "ETHUSDT", "BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, exchange.StreamConnecting)
	conn := ws.accept(t)
	waitEvent(t, events, exchange.StreamLive)
	conn.send(t, bookMsg)
	conn.send(t, `{"result":null,"id":1}`)
	conn.send(t, `not json`)
	conn.send(t, tradeMsg)
	book, trade := waitTick(t, ticks), waitTick(t, ticks)
	if book.Symbol != "BTCUSDT" || book.Bid.String() != "64000.01000000" || book.AskQty.String() != "2.5" || book.Time.IsZero() {
		t.Fatalf("book tick = %+v", book)
	}
	if trade.Symbol != "ETHUSDT" || trade.Last.String() != "3400.10" || trade.Qty.String() != "0.25" || !trade.Time.Equal(time.UnixMilli(1764370000000)) {
		t.Fatalf("trade tick = %+v", trade)
	}
	ws.mu.Lock()
	u := ws.urls[0]
	ws.mu.Unlock()
	if u != "/stream?streams=btcusdt@bookTicker/btcusdt@trade/ethusdt@bookTicker/ethusdt@trade" {
		t.Fatalf("stream URL = %s", u)
	}
	cancel()
	drain(t, ticks, events)
	select {
	case <-conn.done:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed after cancel")
	}
	ws.srv.CloseClientConnections()
	noLeak(t, base+1) // the test server's accept loop is still running
}

func TestStreamReconnectsAfterDrop(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	first := ws.accept(t)
	waitEvent(t, events, exchange.StreamLive)
	first.send(t, bookMsg)
	waitTick(t, ticks)
	first.Close() // abrupt drop, no close frame
	ev := waitEvent(t, events, exchange.StreamReconnecting)
	if ev.Reconnects != 1 || ev.Err == nil || ev.RetryIn > c.backoffMax {
		t.Fatalf("reconnecting event = %+v", ev)
	}
	second := ws.accept(t)
	if ev := waitEvent(t, events, exchange.StreamLive); ev.Reconnects != 1 {
		t.Fatalf("live event after reconnect = %+v", ev)
	}
	second.send(t, tradeMsg)
	if tk := waitTick(t, ticks); tk.Symbol != "ETHUSDT" {
		t.Fatalf("tick after reconnect = %+v", tk)
	}
	cancel()
	drain(t, ticks, events)
}

func TestStreamSilenceIsStaleThenReconnects(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, func(c *Client) { c.staleAfter = 300 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	first := ws.accept(t)
	first.send(t, bookMsg)
	waitTick(t, ticks)
	// Pings alone do not count as market data.
	if err := first.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	stale := waitEvent(t, events, exchange.StreamStale)
	if !errors.Is(stale.Err, errStale) {
		t.Fatalf("stale event = %+v", stale)
	}
	waitEvent(t, events, exchange.StreamReconnecting)
	second := ws.accept(t)
	waitEvent(t, events, exchange.StreamLive)
	second.send(t, bookMsg)
	waitTick(t, ticks)
	select {
	case <-first.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the silent connection was not closed")
	}
}

func TestStreamServerShutdownReconnectsAtOnce(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, func(c *Client) { c.backoffMin, c.backoffMax = time.Hour, time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	first := ws.accept(t)
	first.send(t, bookMsg)
	waitTick(t, ticks)
	first.send(t, `{"e":"serverShutdown","E":1764370000000}`)
	ev := waitEvent(t, events, exchange.StreamReconnecting)
	if !errors.Is(ev.Err, errServerShutdown) || ev.RetryIn != 0 {
		t.Fatalf("reconnecting event = %+v, want immediate reconnect", ev)
	}
	second := ws.accept(t)
	second.send(t, bookMsg)
	waitTick(t, ticks)
}

func TestStreamRenewsBeforeMaxAge(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, func(c *Client) { c.connMaxAge = 200 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	ws.accept(t).send(t, bookMsg)
	waitTick(t, ticks)
	ev := waitEvent(t, events, exchange.StreamReconnecting)
	if !errors.Is(ev.Err, errConnAge) || ev.RetryIn != 0 {
		t.Fatalf("reconnecting event = %+v, want renewal", ev)
	}
	ws.accept(t)
}

func TestStreamAnswersPingsWithPayload(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, _, err := c.Stream(ctx, []string{"BTCUSDT"}); err != nil {
		t.Fatal(err)
	}
	conn := ws.accept(t)
	if err := conn.WriteControl(websocket.PingMessage, []byte("1764370000000"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-conn.pongs:
		if p != "1764370000000" {
			t.Fatalf("pong payload = %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no pong")
	}
}

func TestStreamDialFailureBacksOff(t *testing.T) {
	c, err := New(Config{Name: Mainnet, WSURL: "ws://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffMin, c.backoffMax = time.Millisecond, 4*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		ev := waitEvent(t, events, exchange.StreamReconnecting)
		if ev.Reconnects != i || ev.Err == nil {
			t.Fatalf("event %d = %+v", i, ev)
		}
	}
	cancel()
	drain(t, ticks, events)
}

func TestBackoffIsJitteredAndCapped(t *testing.T) {
	c, _ := New(Config{Name: Mainnet})
	s := &stream{c: c}
	for attempt := range 12 {
		want := min(c.backoffMin<<attempt, 30*time.Second)
		for range 50 {
			got := s.backoff(attempt)
			if got < want/2 || got > want {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, got, want/2, want)
			}
		}
	}
}

func TestStreamShutdownWithoutDataBacksOff(t *testing.T) {
	ws := newWSServer(t)
	c := streamClient(t, ws, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		ws.accept(t).send(t, `{"e":"serverShutdown"}`)
		ev := waitEvent(t, events, exchange.StreamReconnecting)
		if ev.RetryIn == 0 || !errors.Is(ev.Err, errServerShutdown) {
			t.Fatalf("attempt %d: %+v, want a back-off", i, ev)
		}
	}
}

func TestStreamRejectsBadWatchlist(t *testing.T) {
	c, _ := New(Config{Name: Mainnet})
	for _, syms := range [][]string{nil, {"BTC-USDT"}, {""}} {
		if _, _, err := c.Stream(context.Background(), syms); err == nil {
			t.Fatalf("Stream(%q) accepted", syms)
		}
	}
}
