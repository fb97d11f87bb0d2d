package binance

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

const orderJSON = `{"symbol":"BTCUSDT","orderId":42,"clientOrderId":"qd-1","price":"64000.00000000","origQty":"0.00100000","executedQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","time":1764370000000,"updateTime":1764370000001}`

func TestSignedRequestIsSignedAndTimestamped(t *testing.T) {
	rs := newRESTServer(t)
	offset := 10 * time.Second
	rs.handle("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"serverTime":`+itoa(time.Now().Add(offset).UnixMilli())+`}`)
	})
	rs.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, orderJSON) })
	c := rs.client(t)
	o, err := c.GetOrder(context.Background(), "btcusdt", "qd-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.ClientID != "qd-1" || o.ExchangeID != 42 || o.Status != exchange.StatusNew || o.Price.String() != "64000.00000000" {
		t.Fatalf("order = %+v", o)
	}
	if off := c.ClockOffset(); off < offset-time.Second || off > offset+time.Second {
		t.Fatalf("ClockOffset = %s, want about %s", off, offset)
	}
	reqs := rs.requests("/api/v3/order")
	if len(reqs) != 1 {
		t.Fatalf("%d order requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.SigOK {
		t.Fatalf("signature does not verify over %q", r.Total)
	}
	if r.APIKey != testKey {
		t.Fatal("X-MBX-APIKEY header missing or wrong")
	}
	if got := r.Query.Get("recvWindow"); got != "5000" {
		t.Fatalf("recvWindow = %q", got)
	}
	if r.Query.Get("symbol") != "BTCUSDT" || r.Query.Get("origClientOrderId") != "qd-1" {
		t.Fatalf("query = %v", r.Query)
	}
	ts, _ := strconv.ParseInt(r.Query.Get("timestamp"), 10, 64)
	if d := time.UnixMilli(ts).Sub(time.Now().Add(offset)); d < -2*time.Second || d > time.Second {
		t.Fatalf("timestamp is %s off the server clock", d)
	}
	if !strings.HasSuffix(r.Total, "&signature="+r.Query.Get("signature")) {
		t.Fatal("signature is not the last parameter")
	}
}

func TestPostParametersGoInTheSignedBody(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, exchangeInfoJSON) })
	rs.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.URL.RawQuery != "" {
			writeJSON(w, 400, `{"code":-1102,"msg":"expected a form body"}`)
			return
		}
		writeJSON(w, 200, orderJSON)
	})
	c := rs.client(t)
	if _, err := c.PlaceOrder(context.Background(), limitBuy("qd-1", "64000", "0.001")); err != nil {
		t.Fatal(err)
	}
	r := rs.requests("/api/v3/order")[0]
	if !r.SigOK {
		t.Fatalf("body signature does not verify over %q", r.Total)
	}
}

func TestClockSkewResyncsAndRetriesOnce(t *testing.T) {
	tests := []struct {
		name       string
		failures   int // -1021 answers before success
		wantErr    error
		wantOrders int
		wantSyncs  int
	}{
		{"recovers after one rejection", 1, nil, 2, 2},
		{"gives up after the retry", 5, exchange.ErrClockSkew, 2, 2},
		{"no rejection, one sync", 0, nil, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			var n atomic.Int32
			rs.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
				if int(n.Add(1)) <= tt.failures {
					writeJSON(w, 400, `{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}`)
					return
				}
				writeJSON(w, 200, orderJSON)
			})
			c := rs.client(t)
			_, err := c.GetOrder(context.Background(), "BTCUSDT", "qd-1")
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := len(rs.requests("/api/v3/order")); got != tt.wantOrders {
				t.Fatalf("%d order requests, want %d", got, tt.wantOrders)
			}
			if got := len(rs.requests("/api/v3/time")); got != tt.wantSyncs {
				t.Fatalf("%d time requests, want %d", got, tt.wantSyncs)
			}
		})
	}
}

func TestErrorMappingThroughRequests(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"insufficient balance", 400, `{"code":-2010,"msg":"Account has insufficient balance for requested action."}`, exchange.ErrInsufficientBalance},
		{"other new order rejection", 400, `{"code":-2010,"msg":"Order would immediately match and take."}`, exchange.ErrRejected},
		{"no such order", 400, `{"code":-2013,"msg":"Order does not exist."}`, exchange.ErrUnknownOrder},
		{"unknown order sent", 400, `{"code":-2011,"msg":"Unknown order sent."}`, exchange.ErrUnknownOrder},
		{"filter failure", 400, `{"code":-1013,"msg":"Filter failure: NOTIONAL"}`, exchange.ErrFilter},
		{"bad signature", 400, `{"code":-1022,"msg":"Signature for this request is not valid."}`, exchange.ErrAuth},
		{"bad key format", 400, `{"code":-2014,"msg":"API-key format invalid."}`, exchange.ErrAuth},
		{"key rejected", 401, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`, exchange.ErrAuth},
		{"server error", 500, `{"code":-1000,"msg":"An unknown error occured while processing the request."}`, exchange.ErrAmbiguous},
		{"gateway html", 502, `<html>Bad Gateway</html>`, exchange.ErrAmbiguous},
		{"bad parameter", 400, `{"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent."}`, exchange.ErrRejected},
		{"waf", 403, `<html>forbidden</html>`, exchange.ErrRejected},
		{"success with garbage", 200, `{"orderId":`, exchange.ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) })
			c := rs.client(t)
			_, err := c.GetOrder(context.Background(), "BTCUSDT", "qd-1")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

func TestTransportFailuresAreAmbiguousOnceSent(t *testing.T) {
	t.Run("connection refused is unavailable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, err := New(Config{Name: Mainnet, RESTURL: "http://" + addr, Creds: &staticCreds{key: testKey, secret: testSecret}})
		if err != nil {
			t.Fatal(err)
		}
		c.synced = true
		_, err = c.GetOrder(context.Background(), "BTCUSDT", "qd-1")
		if !errors.Is(err, exchange.ErrUnavailable) || errors.Is(err, exchange.ErrAmbiguous) {
			t.Fatalf("err = %v, want only ErrUnavailable", err)
		}
		assertNoSecrets(t, err.Error())
	})
	t.Run("connection dropped after the request is ambiguous", func(t *testing.T) {
		rs := newRESTServer(t)
		rs.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, exchangeInfoJSON) })
		c := rs.client(t)
		_, err := c.PlaceOrder(context.Background(), limitBuy("qd-7", "64000", "0.001"))
		if !errors.Is(err, exchange.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		assertNoSecrets(t, err.Error())
		if n := len(rs.requests("/api/v3/order")); n != 1 {
			t.Fatalf("%d placement requests, want exactly 1 (never resent)", n)
		}
	})
	t.Run("timeout after sending is ambiguous", func(t *testing.T) {
		rs := newRESTServer(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		rs.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := rs.client(t, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} })
		c.synced = true
		_, err := c.GetOrder(context.Background(), "BTCUSDT", "qd-1")
		if !errors.Is(err, exchange.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		assertNoSecrets(t, err.Error())
	})
}

func TestSignedCallWithoutCredentials(t *testing.T) {
	rs := newRESTServer(t)
	c := rs.client(t, func(cfg *Config) { cfg.Creds = nil })
	if _, err := c.Balances(context.Background()); !errors.Is(err, exchange.ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
	if n := len(rs.requests("")); n != 0 {
		t.Fatalf("%d requests sent without a key, want 0", n)
	}
}

func TestCredentialErrorIsReported(t *testing.T) {
	rs := newRESTServer(t)
	locked := errors.New("vault is locked")
	c := rs.client(t, func(cfg *Config) { cfg.Creds = failingCreds{locked} })
	c.synced = true
	if _, err := c.Balances(context.Background()); !errors.Is(err, locked) {
		t.Fatalf("err = %v, want the credentials' error", err)
	}
	if n := len(rs.requests("/api/v3/account")); n != 0 {
		t.Fatalf("%d unsigned requests sent, want 0", n)
	}
}

type failingCreds struct{ err error }

func (f failingCreds) Use(context.Context, func(apiKey, apiSecret []byte) error) error { return f.err }

func TestClockResyncedHourly(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"balances":[]}`) })
	clock := newFakeClock(time.Now())
	c := rs.client(t, func(cfg *Config) { cfg.Clock = clock })
	ctx := context.Background()
	for _, step := range []struct {
		advance   time.Duration
		wantSyncs int
	}{{0, 1}, {30 * time.Minute, 1}, {31 * time.Minute, 2}, {time.Minute, 2}} {
		clock.Advance(step.advance)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(rs.requests("/api/v3/time")); n != step.wantSyncs {
			t.Fatalf("after +%s: %d syncs, want %d", step.advance, n, step.wantSyncs)
		}
	}
	// A failed refresh keeps the old offset instead of failing the call.
	rs.handle("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 503, `{}`) })
	clock.Advance(2 * time.Hour)
	if _, err := c.Balances(ctx); err != nil {
		t.Fatalf("call with a failed refresh: %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	elsewhere := newRESTServer(t)
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	c := rs.client(t)
	if _, err := c.Balances(context.Background()); !errors.Is(err, exchange.ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if n := len(elsewhere.requests("")); n != 0 {
		t.Fatalf("the redirect target got %d requests (key and signature leaked)", n)
	}
}
