package fake

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestRateLimitFaults(t *testing.T) {
	tests := []struct {
		name       string
		arm        func(s *Server)
		path       string
		wantStatus int
		wantRetry  string
	}{
		{"429 on any path", func(s *Server) { s.RateLimitNext(1, 429, 30*time.Second) }, "/api/v3/time", 429, "30"},
		{"418 ban", func(s *Server) { s.RateLimitNext(1, 418, 2*time.Minute) }, "/api/v3/time", 418, "120"},
		{"rounds up to whole seconds", func(s *Server) { s.RateLimitNext(1, 429, 1500*time.Millisecond) }, "/api/v3/time", 429, "2"},
		{"path filter skips other paths", func(s *Server) { s.RateLimitPathNext("/api/v3/order", 1, 429, time.Second) }, "/api/v3/time", 200, ""},
		{"path filter hits its path", func(s *Server) { s.RateLimitPathNext("/api/v3/exchangeInfo", 1, 429, time.Second) }, "/api/v3/exchangeInfo", 429, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			c := newClient(t, s)
			tt.arm(s)
			r := c.public(tt.path, nil)
			if r.status != tt.wantStatus || r.header.Get("Retry-After") != tt.wantRetry {
				t.Fatalf("got %d Retry-After %q %s, want %d %q", r.status, r.header.Get("Retry-After"), r.body, tt.wantStatus, tt.wantRetry)
			}
			if tt.wantStatus != 200 && r.code() != -1003 {
				t.Errorf("code = %d, want -1003", r.code())
			}
			// The fault is used up: the next request passes.
			if r := c.public(tt.path, nil); r.status != 200 {
				t.Errorf("next request: %d %s", r.status, r.body)
			}
		})
	}
}

func TestRateLimitedOrderIsNotPlacedButRecorded(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	s.RateLimitNext(1, 418, time.Minute)
	r := c.order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "newClientOrderId", "banned-1")
	if r.status != 418 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if n := len(s.Orders(testKey)); n != 0 {
		t.Errorf("%d orders placed during a ban", n)
	}
	reqs := s.Requests()
	last := reqs[len(reqs)-1]
	if last.Method != "POST" || last.Path != "/api/v3/order" || last.Status != 418 || last.Code != -1003 || last.ClientOrderID != "banned-1" {
		t.Errorf("recorded %+v", last)
	}
	if ids := s.NewOrderIDs(); len(ids) != 1 || ids[0] != "banned-1" {
		t.Errorf("NewOrderIDs = %v", ids)
	}
}

func TestWeightHeaderAndLimit(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC))
	s := start(t, Options{Clock: clk, WeightLimit: 45})
	c := newClient(t, s)
	wants := []struct {
		path   string
		status int
		weight string
	}{
		{"/api/v3/time", 200, "1"},
		{"/api/v3/exchangeInfo", 200, "21"},
		{"/api/v3/exchangeInfo", 200, "41"},
		{"/api/v3/klines?symbol=BTCUSDT&interval=1m", 200, "43"},
		{"/api/v3/exchangeInfo", 429, "63"},
	}
	for i, w := range wants {
		r := c.send(http.MethodGet, s.URL()+w.path, "")
		if r.status != w.status || r.header.Get("X-MBX-USED-WEIGHT-1M") != w.weight {
			t.Fatalf("request %d %s: %d weight %q, want %d %q", i, w.path, r.status, r.header.Get("X-MBX-USED-WEIGHT-1M"), w.status, w.weight)
		}
	}
	if r := c.public("/api/v3/time", nil); r.header.Get("Retry-After") != "50" {
		t.Errorf("Retry-After = %q, want 50 (seconds to the next minute)", r.header.Get("Retry-After"))
	}
	clk.Advance(time.Minute)
	if r := c.public("/api/v3/time", nil); r.status != 200 || r.header.Get("X-MBX-USED-WEIGHT-1M") != "1" {
		t.Errorf("next minute: %d weight %q", r.status, r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
}

func TestOrderCountHeadersAndLimit(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Clock: clk, OrderLimit10s: 2})
	c := newClient(t, s)
	buy := []string{"symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01"}
	for i, want := range []string{"1", "2"} {
		r := c.order(buy...)
		if r.status != 200 || r.header.Get("X-MBX-ORDER-COUNT-10S") != want || r.header.Get("X-MBX-ORDER-COUNT-1D") != want {
			t.Fatalf("order %d: %d 10S=%q 1D=%q", i, r.status, r.header.Get("X-MBX-ORDER-COUNT-10S"), r.header.Get("X-MBX-ORDER-COUNT-1D"))
		}
	}
	if r := c.order(buy...); r.status != 429 || r.code() != -1015 || r.header.Get("Retry-After") != "" {
		t.Fatalf("third order: %d %s Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	clk.Advance(11 * time.Second)
	if r := c.order(buy...); r.status != 200 || r.header.Get("X-MBX-ORDER-COUNT-10S") != "1" || r.header.Get("X-MBX-ORDER-COUNT-1D") != "3" {
		t.Fatalf("after 10s: %d 10S=%q 1D=%q", r.status, r.header.Get("X-MBX-ORDER-COUNT-10S"), r.header.Get("X-MBX-ORDER-COUNT-1D"))
	}
}

func TestClockSkewFault(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	s.ClockSkewNext(1)
	if r := c.public("/api/v3/time", nil); r.status != 200 {
		t.Fatalf("unsigned request hit the skew fault: %d", r.status)
	}
	if r := c.signed(http.MethodGet, "/api/v3/account", nil); r.code() != -1021 {
		t.Fatalf("got %d %s, want -1021", r.status, r.body)
	}
	if r := c.signed(http.MethodGet, "/api/v3/account", nil); r.status != 200 {
		t.Fatalf("after the fault: %d %s", r.status, r.body)
	}
}

func TestServerErrorFaults(t *testing.T) {
	tests := []struct {
		name       string
		arm        func(s *Server)
		wantPlaced bool
	}{
		{"before processing", func(s *Server) { s.ServerErrorNext(1) }, false},
		{"after applying", func(s *Server) { s.ServerErrorAfterApplyNext(1) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			c := newClient(t, s)
			tt.arm(s)
			r := c.order("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "five-hundred")
			if r.status != 500 || r.code() != -1000 {
				t.Fatalf("got %d %s, want 500 -1000", r.status, r.body)
			}
			get := c.signed(http.MethodGet, "/api/v3/order", values("symbol", "ETHUSDT", "origClientOrderId", "five-hundred"))
			if placed := get.status == 200; placed != tt.wantPlaced {
				t.Fatalf("lookup after 500: %d %s, want placed=%v", get.status, get.body, tt.wantPlaced)
			}
		})
	}
}

// TestDropOrderResponse is the duplicate-order trap: the order is placed, the answer never
// comes, and the client order id shows exactly one new-order request.
func TestDropOrderResponse(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	s.DropOrderResponseNext(1)
	_, err := c.trySigned(http.MethodPost, "/api/v3/order", values("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "trap-1"))
	if err == nil {
		t.Fatal("the order was answered; want the connection dropped")
	}
	orders := s.Orders(testKey)
	if len(orders) != 1 || orders[0].ClientID != "trap-1" || orders[0].Status != "FILLED" {
		t.Fatalf("orders = %+v, want trap-1 filled", orders)
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.ClientOrderID != "trap-1" {
		t.Errorf("recorded %+v, want status 0 (no answer)", last)
	}
	// The trap is used up; a lookup by client id finds the order.
	if r := c.signed(http.MethodGet, "/api/v3/order", values("symbol", "ETHUSDT", "origClientOrderId", "trap-1")); r.status != 200 {
		t.Errorf("lookup: %d %s", r.status, r.body)
	}
	if ids := s.NewOrderIDs(); len(ids) != 1 {
		t.Errorf("NewOrderIDs = %v, want one", ids)
	}
}

func TestDelayNext(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	const d = 150 * time.Millisecond
	s.DelayNext(1, d)
	t0 := time.Now()
	if r := c.public("/api/v3/ping", nil); r.status != 200 || string(r.body) != "{}" {
		t.Fatalf("ping: %d %s", r.status, r.body)
	}
	if el := time.Since(t0); el < d {
		t.Errorf("delayed request took %s, want at least %s", el, d)
	}
}

func TestDelayedRequestEndsOnClose(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	s.DelayNext(1, time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := c.trySend(http.MethodGet, s.URL()+"/api/v3/ping", "")
		done <- err
	}()
	waitFor(t, "the request to arrive", func() bool { return len(s.Requests()) == 1 })
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a delayed request outlived Close")
	}
}

func TestBanOnEarlyRetry(t *testing.T) {
	clk := NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Clock: clk, BanOnEarlyRetry: true, BanDuration: 5 * time.Minute})
	c := newClient(t, s)
	s.RateLimitNext(1, 429, 30*time.Second)
	if r := c.public("/api/v3/time", nil); r.status != 429 {
		t.Fatalf("first: %d", r.status)
	}
	clk.Advance(10 * time.Second) // still inside Retry-After: the client is banned
	if r := c.public("/api/v3/time", nil); r.status != 418 || r.header.Get("Retry-After") != "300" || r.code() != -1003 {
		t.Fatalf("early retry: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	clk.Advance(4 * time.Minute)
	if r := c.public("/api/v3/time", nil); r.status != 418 || r.header.Get("Retry-After") != "60" {
		t.Fatalf("during the ban: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	clk.Advance(time.Minute)
	if r := c.public("/api/v3/time", nil); r.status != 200 {
		t.Fatalf("after the ban: %d %s", r.status, r.body)
	}
	// A client that waits out Retry-After is never banned.
	s.RateLimitNext(1, 429, 30*time.Second)
	c.public("/api/v3/time", nil)
	clk.Advance(30 * time.Second)
	if r := c.public("/api/v3/time", nil); r.status != 200 {
		t.Fatalf("after waiting: %d %s", r.status, r.body)
	}
}

func TestWeightDependsOnParameters(t *testing.T) {
	tests := []struct {
		method, path string
		params       []string
		want         string
	}{
		{"GET", "/api/v3/openOrders", []string{"symbol", "BTCUSDT"}, "6"},
		{"GET", "/api/v3/openOrders", nil, "80"},
		{"GET", "/api/v3/order", []string{"symbol", "BTCUSDT", "origClientOrderId", "x"}, "4"},
		{"DELETE", "/api/v3/order", []string{"symbol", "BTCUSDT", "origClientOrderId", "x"}, "1"},
		{"GET", "/api/v3/myTrades", []string{"symbol", "BTCUSDT", "orderId", "1"}, "5"},
		{"GET", "/api/v3/account", nil, "20"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			s := start(t, Options{})
			r := newClient(t, s).signed(tt.method, tt.path, values(tt.params...))
			if got := r.header.Get("X-MBX-USED-WEIGHT-1M"); got != tt.want {
				t.Errorf("weight = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLogfNamesRequestsWithoutParameters(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	s := start(t, Options{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	c := newClient(t, s)
	c.signed(http.MethodGet, "/api/v3/account", nil)
	c.secret = "wrong"
	c.signed(http.MethodGet, "/api/v3/account", nil)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"fake binance: GET /api/v3/account -> 200", "fake binance: GET /api/v3/account -> 400 (code -1022)"}
	if len(lines) != 2 || lines[0] != want[0] || lines[1] != want[1] {
		t.Fatalf("log = %q, want %q", lines, want)
	}
	for _, l := range lines {
		if strings.Contains(l, "signature") || strings.Contains(l, testKey) {
			t.Errorf("log line %q carries request material", l)
		}
	}
}

// TestCloseWaitsForHandlers: when Close returns every handler has finished (and logged), so a
// test's Logf is never called after the test ends.
func TestCloseWaitsForHandlers(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	s, err := New(Options{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	s.DelayNext(1, time.Hour)
	go func() { _, _ = c.trySend(http.MethodGet, s.URL()+"/api/v3/ping", "") }()
	ws, _, err := websocket.DefaultDialer.Dial(s.WSURL()+"/ws/btcusdt@trade", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	waitFor(t, "both requests", func() bool { return len(s.Requests()) == 2 && s.StreamCount() == 1 })
	s.Close()
	mu.Lock()
	got := append([]string(nil), lines...)
	mu.Unlock()
	sort.Strings(got)
	want := []string{"fake binance: GET /api/v3/ping -> 0", "fake binance: GET /ws/btcusdt@trade -> 101"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("logged by the time Close returned: %q, want %q", got, want)
	}
}

func TestRateLimitPathMatching(t *testing.T) {
	tests := []struct {
		fault, path string
		want        bool
	}{
		{"", "/api/v3/time", true},
		{"", "/ws/btcusdt@trade", false},
		{"/api/v3/order", "/api/v3/order", true},
		{"/api/v3/order", "/api/v3/order/test", false},
		{"/ws", "/ws/btcusdt@trade", true},
		{"/ws", "/ws", true},
		{"/ws", "/ws-api/v3", false},
		{"/stream", "/stream", true},
		{"/ws-api/v3", "/ws-api/v3", true},
	}
	for _, tt := range tests {
		t.Run(tt.fault+"~"+tt.path, func(t *testing.T) {
			s := start(t, Options{})
			s.RateLimitPathNext(tt.fault, 1, 429, time.Second)
			if _, hit := s.takeRateLimit(tt.path); hit != tt.want {
				t.Errorf("hit = %v, want %v", hit, tt.want)
			}
		})
	}
}
