package fake

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// A late request: the connection drops at once, nothing is placed while the request is held,
// and it lands at timestamp + recvWindow (by the server's clock), before the request that
// comes after that moment, or by DeliverDue.
func TestDeliverLate(t *testing.T) {
	start0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		recvWindow string // "" sends none (5 s)
		advance    time.Duration
		trigger    func(c *client, s *Server)
		wantPlaced bool
	}{
		{"before its moment: still held", "", 4999 * time.Millisecond, func(c *client, _ *Server) { c.public("/api/v3/time", nil) }, false},
		{"at its moment: applied by the next request", "", 5 * time.Second, func(c *client, _ *Server) { c.public("/api/v3/time", nil) }, true},
		{"long after: applied by DeliverDue", "", time.Hour, func(_ *client, s *Server) { s.DeliverDue() }, true},
		{"its own receive window counts", "20000", 19 * time.Second, func(c *client, _ *Server) { c.public("/api/v3/time", nil) }, false},
		{"its own receive window, reached", "20000", 20 * time.Second, func(c *client, _ *Server) { c.public("/api/v3/time", nil) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := NewClock(start0)
			s := start(t, Options{Clock: clk})
			c := newClient(t, s)
			s.DeliverLateNext(1)
			q := values("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "late-1")
			if tc.recvWindow != "" {
				q.Set("recvWindow", tc.recvWindow)
			}
			if _, err := c.trySigned(http.MethodPost, "/api/v3/order", q); err == nil {
				t.Fatal("the late request was answered; want the connection dropped")
			}
			if n := len(s.Orders(testKey)); n != 0 || s.Held() != 1 {
				t.Fatalf("right after sending: %d orders, %d held; want 0 and 1", n, s.Held())
			}
			// A lookup in the meantime does not find it.
			if r := c.signed(http.MethodGet, "/api/v3/order", values("symbol", "ETHUSDT", "origClientOrderId", "late-1")); r.code() != -2013 {
				t.Fatalf("lookup while held: %d %s, want -2013", r.status, r.body)
			}
			clk.Advance(tc.advance)
			tc.trigger(c, s)
			orders := s.Orders(testKey)
			if placed := len(orders) == 1; placed != tc.wantPlaced {
				t.Fatalf("placed = %v (%+v), want %v", placed, orders, tc.wantPlaced)
			}
			if tc.wantPlaced {
				if s.Held() != 0 || orders[0].ClientID != "late-1" || orders[0].Status != "FILLED" {
					t.Fatalf("orders %+v, held %d", orders, s.Held())
				}
				if got := orders[0].Created; got.After(clk.Now()) || got.Before(start0.Add(5*time.Second)) {
					t.Errorf("applied at %s, want its last valid moment", got)
				}
			}
		})
	}
}

// A request that fails its checks is answered as usual and never held; only valid ones count.
func TestDeliverLateOnlyValidRequests(t *testing.T) {
	clk := NewClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	c := newClient(t, s)
	s.DeliverLateNext(1)
	stale := values("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "late-2",
		"timestamp", strconv.FormatInt(clk.Now().Add(-time.Minute).UnixMilli(), 10))
	if r := c.signed(http.MethodPost, "/api/v3/order", stale); r.code() != -1021 {
		t.Fatalf("stale request: %d %s, want -1021", r.status, r.body)
	}
	if _, err := c.trySigned(http.MethodPost, "/api/v3/order", values("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "late-2")); err == nil {
		t.Fatal("the valid request was answered; want it held")
	}
	if s.Held() != 1 {
		t.Fatalf("held %d, want 1", s.Held())
	}
}

// With a Clock, SlowNext moves the server's clock instead of waiting.
func TestSlowNextAdvancesClock(t *testing.T) {
	clk := NewClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Clock: clk})
	c := newClient(t, s)
	s.SlowNext("/api/v3/time", 1, 12*time.Second)
	t0 := clk.Now()
	var got struct {
		ServerTime int64 `json:"serverTime"`
	}
	decode(t, c.public("/api/v3/time", nil).body, &got)
	if want := t0.Add(12 * time.Second).UnixMilli(); got.ServerTime != want {
		t.Fatalf("server time %d, want %d (12 s later)", got.ServerTime, want)
	}
	decode(t, c.public("/api/v3/time", nil).body, &got)
	if want := t0.Add(12 * time.Second).UnixMilli(); got.ServerTime != want {
		t.Fatalf("second request: server time %d, want %d (not slow)", got.ServerTime, want)
	}
	if err := clk.Sleep(context.Background(), time.Minute); err != nil || !clk.Now().Equal(t0.Add(72*time.Second)) {
		t.Fatalf("Sleep: %v, now %s", err, clk.Now())
	}
}

// UseWeight shows in the next answer's weight header.
func TestUseWeight(t *testing.T) {
	s := start(t, Options{Clock: NewClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))})
	c := newClient(t, s)
	s.UseWeight(5500)
	if r := c.public("/api/v3/time", nil); r.header.Get("X-MBX-USED-WEIGHT-1M") != "5501" {
		t.Fatalf("weight header %q, want 5501", r.header.Get("X-MBX-USED-WEIGHT-1M"))
	}
}
