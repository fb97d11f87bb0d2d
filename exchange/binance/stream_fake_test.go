package binance

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// pumpUntilTick moves symbol's price on the fake exchange every 20 ms until the stream delivers
// a trade tick for it, and returns that tick and whether a book tick for it came first.
func pumpUntilTick(t *testing.T, srv *fake.Server, ticks <-chan exchange.Tick, symbol string) (exchange.Tick, bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	every := time.NewTicker(20 * time.Millisecond)
	defer every.Stop()
	prices := []string{"60000.00", "60001.50"}
	sawBook := false
	for i := 0; ; i++ {
		if err := srv.SetPrice(symbol, prices[i%2]); err != nil {
			t.Fatal(err)
		}
	wait:
		for {
			select {
			case tk, ok := <-ticks:
				if !ok {
					t.Fatal("ticks closed")
				}
				if tk.Symbol != symbol {
					continue
				}
				if !tk.Bid.IsZero() && !tk.Ask.IsZero() {
					sawBook = true
				}
				if !tk.Last.IsZero() {
					return tk, sawBook
				}
			case <-every.C:
				break wait
			case <-deadline:
				t.Fatalf("no %s trade tick within 10 s", symbol)
			}
		}
	}
}

func TestFakeStreamSurvivesDropAndSilence(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, err := fake.New(fake.Options{PingInterval: 100 * time.Millisecond, PongTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL(), StaleAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffMin, c.backoffMax = 10*time.Millisecond, 100*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT", "ETHUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, exchange.StreamLive)

	// Prices flow, book and trade, for longer than the fake's pong timeout: pings are answered.
	start := time.Now()
	sawBook := false
	for time.Since(start) < 1200*time.Millisecond {
		_, book := pumpUntilTick(t, srv, ticks, "BTCUSDT")
		sawBook = sawBook || book
	}
	if !sawBook {
		t.Fatal("no bookTicker tick while prices moved")
	}
	for len(events) > 0 {
		if ev := <-events; ev.State != exchange.StreamLive {
			t.Fatalf("unexpected %s event while prices flowed (err %v): pings not answered?", ev.State, ev.Err)
		}
	}
	if tk, _ := pumpUntilTick(t, srv, ticks, "ETHUSDT"); tk.Qty.IsZero() || tk.Time.IsZero() {
		t.Fatalf("ETH trade tick = %+v", tk)
	}

	// A dropped connection is redialled and prices flow again.
	srv.DropStreams()
	if ev := waitEvent(t, events, exchange.StreamReconnecting); ev.Reconnects != 1 {
		t.Fatalf("reconnecting after drop = %+v", ev)
	}
	waitEvent(t, events, exchange.StreamLive)
	pumpUntilTick(t, srv, ticks, "BTCUSDT")

	// A silent connection is reported stale and replaced; prices flow once the silence ends.
	srv.Silence(1500 * time.Millisecond)
	waitEvent(t, events, exchange.StreamStale)
	waitEvent(t, events, exchange.StreamReconnecting)
	pumpUntilTick(t, srv, ticks, "ETHUSDT")

	cancel()
	drain(t, ticks, events)
	srv.Close()
	noLeak(t, base)
}

func TestFakeStreamHonoursHandshakeLimits(t *testing.T) {
	tests := []struct {
		name   string
		status int
		banned bool
	}{
		{"429 delays the stream only", http.StatusTooManyRequests, false},
		{"418 bans REST too", http.StatusTeapot, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := fakeExchange(t, fake.Options{})
			c.backoffMin, c.backoffMax = time.Millisecond, time.Millisecond
			srv.RateLimitPathNext("/stream", 1, tt.status, time.Second)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
			if err != nil {
				t.Fatal(err)
			}
			ev := waitEvent(t, events, exchange.StreamReconnecting)
			var rl *exchange.RateLimitError
			if !errors.As(ev.Err, &rl) || rl.Banned != tt.banned || ev.RetryIn < time.Second {
				t.Fatalf("reconnecting event = %+v, want a %d back-off of at least 1 s", ev, tt.status)
			}
			before := len(srv.Requests())
			_, err = c.Candles(ctx, "BTCUSDT", time.Minute, 1)
			if gotBan := errors.As(err, &rl); gotBan != tt.banned {
				t.Fatalf("REST during the stream's back-off: %v (banned=%v)", err, tt.banned)
			}
			if tt.banned && len(srv.Requests()) != before {
				t.Fatal("a REST request was sent during an IP ban")
			}
			waitEvent(t, events, exchange.StreamLive)
			pumpUntilTick(t, srv, ticks, "BTCUSDT")
			if n := countRequests(srv, http.MethodGet, "/stream"); n != 2 {
				t.Fatalf("%d stream connection attempts, want 2 (refused, then after the back-off)", n)
			}
		})
	}
}

func TestFakeStreamMeasuresClockOffset(t *testing.T) {
	srv, err := fake.New(fake.Options{Clock: clock.Func(func() time.Time { return time.Now().Add(-5 * time.Second) })})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL()}) // no key: market data only
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, exchange.StreamLive)
	if off := c.ClockOffset(); off > -4*time.Second || off < -6*time.Second {
		t.Fatalf("offset = %s, want about -5 s", off)
	}
	cancel()
	drain(t, ticks, events)
}
