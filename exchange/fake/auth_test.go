package fake

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example from Binance's signed-endpoint documentation (reference/binance.md).
const (
	docsKey     = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docsSecret  = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	docsPayload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	docsSig     = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
	docsQuery   = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
	docsBody    = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	docsMixSig  = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
)

func TestSignKnownAnswer(t *testing.T) {
	if got := Sign(docsSecret, docsPayload); got != docsSig {
		t.Errorf("Sign(docs payload) = %s, want %s", got, docsSig)
	}
	if got := Sign(docsSecret, docsQuery+docsBody); got != docsMixSig {
		t.Errorf("Sign(mixed) = %s, want %s", got, docsMixSig)
	}
}

// docsServer lists LTCBTC and knows the docs key, with the clock at the docs timestamp.
func docsServer(t *testing.T, secret string) (*Server, *client) {
	t.Helper()
	clk := NewClock(time.UnixMilli(1499827319559 + 100))
	s := start(t, Options{Clock: clk, Symbols: []SymbolSpec{{Symbol: "LTCBTC", Price: "0.1", TickSize: "0.000001", StepSize: "0.01", MinNotional: "0.0001"}}})
	if err := s.AddKey(docsKey, secret, TradeOnly(), map[string]string{"BTC": "1"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.key = docsKey
	return s, c
}

// TestDocsExample sends the documentation's request in its three forms, byte for byte.
func TestDocsExample(t *testing.T) {
	tests := []struct {
		name        string
		query, body string
		secret      string
		wantStatus  int
		wantCode    int
	}{
		{"body", "", docsPayload + "&signature=" + docsSig, docsSecret, 200, 0},
		{"query", docsPayload + "&signature=" + docsSig, "", docsSecret, 200, 0},
		{"mixed", docsQuery, docsBody + "&signature=" + docsMixSig, docsSecret, 200, 0},
		{"upper-case hex", docsPayload + "&signature=C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71", "", docsSecret, 200, 0},
		{"wrong secret", "", docsPayload + "&signature=" + docsSig, docsSecret + "x", 400, -1022},
		{"mixed signed as one string", docsQuery, docsBody + "&signature=" + docsSig, docsSecret, 400, -1022},
		{"tampered payload", "", docsPayload + "0&signature=" + docsSig, docsSecret, 400, -1022},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := docsServer(t, tt.secret)
			u := s.URL() + "/api/v3/order"
			if tt.query != "" {
				u += "?" + tt.query
			}
			r := c.send(http.MethodPost, u, tt.body)
			if r.status != tt.wantStatus || r.code() != tt.wantCode {
				t.Fatalf("got %d %s, want status %d code %d", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
			if tt.wantStatus == 200 {
				m := r.json(t)
				if m["symbol"] != "LTCBTC" || m["status"] != "NEW" || m["price"] != "0.10000000" || m["origQty"] != "1.00000000" {
					t.Errorf("order answer = %s", r.body)
				}
				if free, locked := s.Balances(docsKey)["BTC"].Free.String(), s.Balances(docsKey)["BTC"].Locked.String(); free != "0.9" || locked != "0.1" {
					t.Errorf("BTC free/locked = %s/%s, want 0.9/0.1", free, locked)
				}
			}
		})
	}
}

func TestSignedRequestChecks(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	if err := s.AddKey("readonly", "ro-secret", Permissions{Reading: true}, nil); err != nil {
		t.Fatal(err)
	}
	now := clk.Now().UnixMilli()
	ts := func(ms int64) string { return strconv.FormatInt(ms, 10) }
	tests := []struct {
		name       string
		key        string
		secret     string
		method     string
		path       string
		params     url.Values
		noSig      bool
		wantStatus int
		wantCode   int
	}{
		{"valid", testKey, testSecret, "GET", "/api/v3/account", nil, false, 200, 0},
		{"wrong secret", testKey, "nope", "GET", "/api/v3/account", nil, false, 400, -1022},
		{"unknown key", "unknown", testSecret, "GET", "/api/v3/account", nil, false, 401, -2015},
		{"no key", "", testSecret, "GET", "/api/v3/account", nil, false, 401, -2014},
		{"no signature", testKey, testSecret, "GET", "/api/v3/account", nil, true, 400, -1102},
		{"no timestamp", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", "x"), false, 400, -1102},
		{"stale", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", ts(now-5001)), false, 400, -1021},
		{"stale within a wider window", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", ts(now-5001), "recvWindow", "10000"), false, 200, 0},
		{"window edge", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", ts(now-5000)), false, 200, 0},
		{"ahead by 999ms", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", ts(now+999)), false, 200, 0},
		{"ahead by 1000ms", testKey, testSecret, "GET", "/api/v3/account", values("timestamp", ts(now+1000)), false, 400, -1021},
		{"recvWindow too large", testKey, testSecret, "GET", "/api/v3/account", values("recvWindow", "60001"), false, 400, -1131},
		{"read-only key may read", "readonly", "ro-secret", "GET", "/api/v3/openOrders", nil, false, 200, 0},
		{"read-only key may not trade", "readonly", "ro-secret", "POST", "/api/v3/order", values("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001"), false, 401, -2015},
		{"duplicate parameter", testKey, testSecret, "GET", "/api/v3/account", url.Values{"omitZeroBalances": {"true", "false"}}, false, 400, -1101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, s)
			c.key, c.secret = tt.key, tt.secret
			q := url.Values{}
			for k, v := range tt.params {
				q[k] = append([]string(nil), v...)
			}
			var r reply
			if tt.noSig {
				q.Set("timestamp", ts(now))
				r = c.send(tt.method, s.URL()+tt.path+"?"+q.Encode(), "")
			} else {
				r = c.signed(tt.method, tt.path, q)
			}
			if r.status != tt.wantStatus || r.code() != tt.wantCode {
				t.Fatalf("got %d %s, want status %d code %d", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestQueryParameterWinsOverBody(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	// The body asks for ETHUSDT, the query for BTCUSDT: Binance uses the query.
	q := values("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "timestamp", strconv.FormatInt(s.now().UnixMilli(), 10))
	body := "symbol=ETHUSDT"
	sig := Sign(testSecret, q.Encode()+body)
	r := c.send(http.MethodPost, s.URL()+"/api/v3/order?"+q.Encode(), body+"&signature="+sig)
	if r.status != 200 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if got := r.json(t)["symbol"]; got != "BTCUSDT" {
		t.Errorf("symbol = %v, want BTCUSDT", got)
	}
}

func TestSecretsNeverEcho(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.secret = "wrong"
	r := c.signed(http.MethodGet, "/api/v3/account", nil)
	for _, secret := range []string{testSecret, testKey} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("error answer %s contains a credential", r.body)
		}
	}
}
