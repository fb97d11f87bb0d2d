package binance

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// userStream starts order updates on a fresh fake exchange with fast reconnects and waits until
// the subscription is live.
func userStream(t *testing.T, opts fake.Options, mut ...func(*Config)) (*fake.Server, *StreamingClient, context.CancelFunc) {
	t.Helper()
	srv, c := fakeExchange(t, opts, mut...)
	c.backoffMin, c.backoffMax = 5*time.Millisecond, 50*time.Millisecond
	c.userStaleAfter, c.userPingEvery = 2*time.Second, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	return srv, s, cancel
}

// waitUpdate returns the next pushed update for clientID in status st, skipping others.
func waitUpdate(t *testing.T, s *StreamingClient, clientID string, st exchange.OrderStatus) exchange.Order {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case o, ok := <-s.OrderUpdates():
			if !ok {
				t.Fatalf("updates closed while waiting for %s %s", clientID, st)
			}
			if o.ClientID == clientID && o.Status == st {
				return o
			}
		case <-deadline:
			t.Fatalf("no %s update for %s within 10 s", st, clientID)
		}
	}
}

func TestFakeOrderUpdatesCarryTheFill(t *testing.T) {
	srv, s, _ := userStream(t, fake.Options{})
	ctx := context.Background()
	placed, err := s.PlaceOrder(ctx, limitBuy("qd-push-1", "59000", "0.01"))
	if err != nil {
		t.Fatal(err)
	}
	if o := waitUpdate(t, s, "qd-push-1", exchange.StatusNew); o.ExchangeID != placed.ExchangeID || len(o.Fills) != 0 {
		t.Fatalf("NEW update = %+v", o)
	}
	if err := srv.SetPrice("BTCUSDT", "58000"); err != nil {
		t.Fatal(err)
	}
	o := waitUpdate(t, s, "qd-push-1", exchange.StatusFilled)
	if o.ExchangeID != placed.ExchangeID || o.Symbol != "BTCUSDT" || o.Side != exchange.Buy || o.Type != exchange.Limit || o.Updated.IsZero() {
		t.Fatalf("FILLED update = %+v", o)
	}
	eq(t, "executed", o.ExecutedQty, "0.01")
	eq(t, "quote", o.QuoteQty, "590")
	if len(o.Fills) != 1 {
		t.Fatalf("fills = %+v, want the one trade", o.Fills)
	}
	f := o.Fills[0]
	if f.TradeID <= 0 || f.ClientID != "qd-push-1" || f.FeeAsset != "BTC" || f.Side != exchange.Buy || f.Time.IsZero() {
		t.Fatalf("fill = %+v", f)
	}
	eq(t, "fill price", f.Price, "59000")
	eq(t, "fill qty", f.Qty, "0.01")
	eq(t, "fee", f.Fee, "0.00001")
	// The fill matches what REST reports for the order.
	rest, err := s.OrderFills(ctx, "BTCUSDT", "qd-push-1")
	if err != nil || len(rest) != 1 || rest[0].TradeID != f.TradeID {
		t.Fatalf("REST fills = %+v (%v), pushed trade %d", rest, err, f.TradeID)
	}

	// A cancellation is reported under the order's own id, not the cancel request's.
	if _, err := s.PlaceOrder(ctx, limitBuy("qd-push-2", "50000", "0.01")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelOrder(ctx, "BTCUSDT", "qd-push-2"); err != nil {
		t.Fatal(err)
	}
	if o := waitUpdate(t, s, "qd-push-2", exchange.StatusCanceled); len(o.Fills) != 0 {
		t.Fatalf("CANCELED update = %+v", o)
	}
}

func TestFakeOrderUpdatesRecoverADroppedConnection(t *testing.T) {
	srv, s, _ := userStream(t, fake.Options{PingInterval: 100 * time.Millisecond, PongTimeout: time.Second})
	ctx := context.Background()
	if _, err := s.PlaceOrder(ctx, limitBuy("qd-gap-1", "59000", "0.01")); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, s, "qd-gap-1", exchange.StatusNew)

	// The order fills while its report is lost, then the connection drops: the stream
	// reconnects, subscribes again and looks the order up.
	srv.Silence(0)
	if err := srv.SetPrice("BTCUSDT", "58000"); err != nil {
		t.Fatal(err)
	}
	srv.Resume()
	srv.DropStreams()
	if ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting); ev.Reconnects != 1 || ev.Err == nil {
		t.Fatalf("reconnecting = %+v", ev)
	}
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	o := waitUpdate(t, s, "qd-gap-1", exchange.StatusFilled)
	eq(t, "executed after the gap", o.ExecutedQty, "0.01")

	// Later fills arrive on the new subscription, pushed with their trade.
	if err := srv.SetPrice("BTCUSDT", "60000"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlaceOrder(ctx, limitBuy("qd-gap-2", "59500", "0.002")); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, s, "qd-gap-2", exchange.StatusNew)
	if err := srv.SetPrice("BTCUSDT", "59400"); err != nil {
		t.Fatal(err)
	}
	if o := waitUpdate(t, s, "qd-gap-2", exchange.StatusFilled); len(o.Fills) != 1 {
		t.Fatalf("fill after reconnect = %+v", o)
	}
	// Pings kept the connection up: no further reconnect happened meanwhile.
	for len(s.StreamEvents()) > 0 {
		if ev := <-s.StreamEvents(); ev.State != exchange.StreamLive {
			t.Fatalf("unexpected %s event (err %v)", ev.State, ev.Err)
		}
	}
}

func TestFakeOrderUpdatesStopWithoutLeaks(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddKey(testKey, testSecret, fake.TradeOnly(), map[string]string{"USDT": "1000"}); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL(), HTTPClient: hc,
		Creds: &staticCreds{key: testKey, secret: testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	c.userPingEvery = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("stream still running 10 s after cancel")
	}
	if _, ok := <-s.OrderUpdates(); ok {
		t.Fatal("updates not closed after cancel")
	}
	var last exchange.ConnEvent
	for ev := range s.StreamEvents() {
		last = ev
	}
	if last.State != exchange.StreamClosed {
		t.Fatalf("last event = %s, want closed", last.State)
	}
	hc.CloseIdleConnections()
	srv.Close()
	noLeak(t, base)
}

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestFakeOrderUpdatesNeverLeakTheKey(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		unknown  bool // the WebSocket API server has never heard of the key
		wantCode int
	}{
		{"wrong secret", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0X", false, codeBadSignature},
		{"key not on the exchange", testSecret, true, codeRejectedAPIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			_, c := fakeExchange(t, fake.Options{}, func(cfg *Config) {
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				cfg.Creds = &staticCreds{key: testKey, secret: tt.secret}
			})
			if tt.unknown {
				srv2, err := fake.New(fake.Options{}) // knows no key at all
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(srv2.Close)
				c.wsAPIURL = srv2.WSURL() + wsAPIPath
			}
			c.backoffMin, c.backoffMax = time.Millisecond, 5*time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := c.StartOrderUpdates(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
			var ae *exchange.APIError
			if !errors.Is(ev.Err, exchange.ErrAuth) || !errors.As(ev.Err, &ae) || ae.Code != tt.wantCode {
				t.Fatalf("reconnecting after a refused subscription: %v, want the exchange's code %d as ErrAuth", ev.Err, tt.wantCode)
			}
			waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting) // it keeps trying
			cancel()
			<-s.Done()
			assertNoSecrets(t, ev.Err.Error())
			assertNoSecrets(t, logs.String())
			if !bytes.Contains([]byte(logs.String()), []byte("refused the key")) {
				t.Fatalf("the refusal was not logged:\n%s", logs.String())
			}
		})
	}
}

func TestFakeOrderUpdatesTrackOnlyOpenOrders(t *testing.T) {
	srv, s, _ := userStream(t, fake.Options{})
	ctx := context.Background()
	// Placed through the plain client while its report is lost: only a listing can make the
	// stream aware of it.
	srv.Silence(0)
	if _, err := s.Client.PlaceOrder(ctx, limitBuy("qd-track-1", "50000", "0.01")); err != nil {
		t.Fatal(err)
	}
	srv.Resume()
	if _, err := s.PlaceOrder(ctx, limitBuy("qd-track-2", "50000", "0.01")); err != nil {
		t.Fatal(err)
	}
	if got := s.trackedOrders(); len(got) != 1 || got["qd-track-2"] != "BTCUSDT" {
		t.Fatalf("tracked after placing = %v", got)
	}
	if _, err := s.OpenOrders(ctx, "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	if got := s.trackedOrders(); len(got) != 2 || got["qd-track-1"] != "BTCUSDT" {
		t.Fatalf("tracked after listing = %v", got)
	}
	if _, err := s.CancelOrder(ctx, "BTCUSDT", "qd-track-2"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.trackedOrders()["qd-track-2"]; ok {
		t.Fatal("a cancelled order is still tracked")
	}
	// A final state pushed by the exchange also ends tracking.
	if _, err := s.Client.CancelOrder(ctx, "BTCUSDT", "qd-track-1"); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, s, "qd-track-1", exchange.StatusCanceled)
	if got := s.trackedOrders(); len(got) != 0 {
		t.Fatalf("tracked after the pushed cancellation = %v", got)
	}
}

func TestFakeOrderUpdatesReportEachPartialFill(t *testing.T) {
	srv, s, _ := userStream(t, fake.Options{})
	ctx := context.Background()
	if _, err := s.PlaceOrder(ctx, limitBuy("qd-part-1", "59000", "0.01")); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, s, "qd-part-1", exchange.StatusNew)
	srv.PartialFillNext(1)
	if err := srv.SetPrice("BTCUSDT", "58990"); err != nil {
		t.Fatal(err)
	}
	first := waitUpdate(t, s, "qd-part-1", exchange.StatusPartiallyFilled)
	eq(t, "executed after the first fill", first.ExecutedQty, "0.005")
	if err := srv.SetPrice("BTCUSDT", "58980"); err != nil {
		t.Fatal(err)
	}
	last := waitUpdate(t, s, "qd-part-1", exchange.StatusFilled)
	eq(t, "executed after the second fill", last.ExecutedQty, "0.01")
	if len(first.Fills) != 1 || len(last.Fills) != 1 || first.Fills[0].TradeID == last.Fills[0].TradeID {
		t.Fatalf("fills = %+v then %+v, want one distinct trade each", first.Fills, last.Fills)
	}
	eq(t, "first fill", first.Fills[0].Qty, "0.005")
	eq(t, "second fill", last.Fills[0].Qty, "0.005")
	sum, err := first.Fills[0].Qty.Add(last.Fills[0].Qty)
	if err != nil || !sum.Equal(last.ExecutedQty) {
		t.Fatalf("fills add up to %s (%v), executed %s", sum, err, last.ExecutedQty)
	}
}

func TestFakeOrderUpdatesBackOffARefusedHandshake(t *testing.T) {
	srv, c := fakeExchange(t, fake.Options{})
	c.backoffMin, c.backoffMax = time.Millisecond, time.Millisecond
	srv.RateLimitPathNext(wsAPIPath, 1, http.StatusTooManyRequests, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
	var rl *exchange.RateLimitError
	if !errors.As(ev.Err, &rl) || rl.Banned || ev.RetryIn < time.Second {
		t.Fatalf("reconnecting = %+v, want the 429's 1 s back-off", ev)
	}
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	if n := countRequests(srv, http.MethodGet, wsAPIPath); n != 2 {
		t.Fatalf("%d WebSocket API connection attempts, want 2 (refused, then after the back-off)", n)
	}
}
