package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEveryRouteNeedsToken is generated from the router's own route list, so a route added
// later is covered without touching this test.
func TestEveryRouteNeedsToken(t *testing.T) {
	ts := startServer(t, nil)
	routes := ts.srv.Routes()
	if len(routes) != 12 {
		t.Fatalf("Routes() has %d entries, want the 11 of DESIGN.md's table and /v1/strategies", len(routes))
	}
	bad := []struct {
		name string
		auth []string
	}{
		{"no token", []string{""}},
		{"wrong token", []string{"Bearer " + strings.Repeat("x", len(testToken))}},
		{"token prefix", []string{"Bearer " + testToken[:MinTokenLen]}},
		{"token with suffix", []string{"Bearer " + testToken + "x"}},
		{"wrong scheme", []string{"Basic " + testToken}},
		{"no scheme", []string{testToken}},
		{"empty bearer", []string{"Bearer "}},
		{"two headers", []string{"Bearer " + testToken, "Bearer " + testToken}},
	}
	for _, r := range routes {
		for _, c := range bad {
			t.Run(r.Method+" "+r.Path+"/"+c.name, func(t *testing.T) {
				code, h, body := ts.do(t, r.Method, concrete(r.Path), `{"reason":"x"}`, c.auth...)
				if code != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", code)
				}
				if got := h.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
				}
				if strings.TrimSpace(body) != `{"error":"unauthorized"}` {
					t.Errorf("body %q gives detail", body)
				}
			})
		}
		// The same route with the token is not refused, so the 401s above mean something.
		code, _, body := ts.do(t, r.Method, concrete(r.Path), "")
		if code == http.StatusUnauthorized {
			t.Errorf("%s %s refused the right token", r.Method, r.Path)
		}
		if strings.Contains(body, testToken) {
			t.Errorf("%s %s returns the token", r.Method, r.Path)
		}
	}
	for _, call := range []string{"StartBot", "StopBot", "EngageKillSwitch", "ReleaseKillSwitch", "Orders"} {
		if got, want := ts.eng.count(call), 1; got != want {
			t.Errorf("engine %s called %d times, want %d (only the authenticated request)", call, got, want)
		}
	}
	// Unknown paths and the local-only seal route are refused the same way.
	for _, p := range []string{"/", "/v1/seal", "/v2/status", "/debug/pprof/"} {
		if code, _, _ := ts.do(t, "GET", p, "", ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without token: %d, want 401", p, code)
		}
	}
	if strings.Contains(ts.logs.String(), testToken) {
		t.Error("the log contains the token")
	}
}

// TestRoutesMatchDesign pins the public route table to DESIGN.md.
func TestRoutesMatchDesign(t *testing.T) {
	srv, err := New(Config{Token: testToken, Engine: newFakeEngine()})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /v1/status", "GET /v1/bots", "GET /v1/bots/{name}", "POST /v1/bots/{name}/start",
		"POST /v1/bots/{name}/stop", "GET /v1/orders", "GET /v1/balances", "GET /v1/prices",
		"GET /v1/strategies", "POST /v1/killswitch", "DELETE /v1/killswitch", "GET /metrics",
	}
	got := map[string]bool{}
	for _, r := range srv.Routes() {
		got[r.Method+" "+r.Path] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("route %s missing", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d routes, want %d", len(got), len(want))
	}
}

func TestFailedAuthIsSlowedPerAddress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var slept []time.Duration
	logs := &syncBuffer{}
	clk := funcClock{
		now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			slept = append(slept, d)
			return nil
		},
	}
	a := newAuthenticator(testToken, 100*time.Millisecond, 2*time.Second, clk, slog.New(slog.NewTextHandler(logs, nil)))
	h := a.wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	send := func(remote, auth string) int {
		r := httptest.NewRequest("GET", "/v1/status", nil)
		r.RemoteAddr = remote
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const wrong = "Bearer wrong-token-presented-by-an-attacker-xyz"
	for range 7 {
		if code := send("10.0.0.1:5000", wrong); code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d", code)
		}
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if len(slept) != len(want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}
	for i := range want {
		if slept[i] != want[i] {
			t.Fatalf("delay %d = %v, want %v (all: %v)", i, slept[i], want[i], slept)
		}
	}
	// The right token is never delayed, even from the failing address.
	if code := send("10.0.0.1:5001", "Bearer "+testToken); code != http.StatusTeapot {
		t.Fatalf("right token: %d", code)
	}
	// A forwarded-for header does not make a new address: only the connection's counts.
	r := httptest.NewRequest("GET", "/v1/status", nil)
	r.RemoteAddr = "10.0.0.1:5002"
	r.Header.Set("Authorization", wrong)
	r.Header.Set("X-Forwarded-For", "192.0.2.77")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got := slept[len(slept)-1]; got != 2*time.Second {
		t.Errorf("with X-Forwarded-For delayed %v, want the address's 2s", got)
	}
	// Another address starts from the base delay.
	send("[::1]:6000", wrong)
	if got := slept[len(slept)-1]; got != 100*time.Millisecond {
		t.Errorf("other address delayed %v, want 100ms", got)
	}
	// Failures are forgotten after a quiet period.
	mu.Lock()
	now = now.Add(failureMemory + time.Second)
	mu.Unlock()
	send("10.0.0.1:5000", wrong)
	if got := slept[len(slept)-1]; got != 100*time.Millisecond {
		t.Errorf("after a quiet period delayed %v, want 100ms", got)
	}
	out := logs.String()
	if !strings.Contains(out, "authentication failed") || !strings.Contains(out, "10.0.0.1") {
		t.Errorf("failures not logged with the address: %s", out)
	}
	if strings.Contains(out, "wrong-token") || strings.Contains(out, testToken) {
		t.Error("the log contains a presented token")
	}
}

func TestAuthBookkeepingIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newAuthenticator(testToken, time.Millisecond, time.Second, funcClock{now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))
	for i := range maxTracked + 100 {
		a.fail("addr-" + string(rune('a'+i%26)) + "-" + time.Duration(i).String())
	}
	if n := len(a.fails); n > maxTracked {
		t.Fatalf("tracking %d addresses, want at most %d", n, maxTracked)
	}
}

// TestDelayedFailuresAreCapped shows a flood of bad requests cannot pile up waiting goroutines.
func TestDelayedFailuresAreCapped(t *testing.T) {
	release := make(chan struct{})
	var waiting sync.WaitGroup
	a := newAuthenticator(testToken, time.Hour, time.Hour, funcClock{sleep: func(ctx context.Context, _ time.Duration) error {
		waiting.Done()
		<-release
		return nil
	}}, slog.New(slog.DiscardHandler))
	h := a.wrap(http.NotFoundHandler())
	var done sync.WaitGroup
	waiting.Add(maxDelayed)
	for range maxDelayed {
		done.Add(1)
		go func() {
			defer done.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}()
	}
	waiting.Wait()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusTooManyRequests {
		t.Errorf("request beyond the cap: %d, want 429", w.Code)
	}
	close(release)
	done.Wait()
}
