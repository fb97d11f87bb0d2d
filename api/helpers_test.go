package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

// testToken is a well-formed token used only by tests.
const testToken = "qd-test-token-0123456789-abcdefghijklmnopqrstuvwxyz"

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	srv  *Server
	url  string
	eng  *fakeEngine
	logs *syncBuffer
}

// startServer runs a Server on 127.0.0.1 with a fake engine until the test ends.
func startServer(t testing.TB, mod func(*Config)) *testServer {
	t.Helper()
	eng := newFakeEngine()
	logs := &syncBuffer{}
	cfg := Config{
		Token: testToken, Engine: eng, Version: "1.2.3", Exchange: "sim",
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		FailureDelay: time.Microsecond, MaxFailureDelay: 10 * time.Microsecond,
		Clock: funcClock{now: func() time.Time { return eng.started.Add(90 * time.Second) }},
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	})
	return &testServer{srv: srv, url: "http://" + ln.Addr().String(), eng: eng, logs: logs}
}

// do sends one request with the test token (unless auth is given: "" sends no header).
func (ts *testServer) do(t testing.TB, method, path, body string, auth ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(auth) == 0 {
		req.Header.Set("Authorization", "Bearer "+testToken)
	}
	for _, a := range auth {
		if a != "" {
			req.Header.Add("Authorization", a)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// concrete turns a route pattern into a path it matches.
func concrete(p string) string { return strings.ReplaceAll(p, "{name}", "dca-btc") }

// serve runs one request through h in memory.
func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// funcClock is a clock made of two functions, for tests that set the time or watch the waits;
// a nil function is the system clock's.
type funcClock struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func (c funcClock) Now() time.Time {
	if c.now == nil {
		return time.Now()
	}
	return c.now()
}

func (c funcClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.sleep == nil {
		return clock.System{}.Sleep(ctx, d)
	}
	return c.sleep(ctx, d)
}

func (c funcClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
