package binance

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelRequestsReuseTheirConnections sends bursts of parallel requests, as many bots'
// order workers do at once, and checks that a later burst reuses the connections of the first
// instead of opening new ones (each a TLS handshake on the real exchange).
func TestParallelRequestsReuseTheirConnections(t *testing.T) {
	const parallel = 20
	var opened atomic.Int32
	var inFlight sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Done()
		// Answer once the whole burst is in flight, so it needs 20 connections; a burst that
		// never fills up (a request failed on the way) is answered after 10 s.
		all := make(chan struct{})
		go func() { inFlight.Wait(); close(all) }()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[]"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Config{Name: "binance", RESTURL: srv.URL, WSURL: "ws://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for burst := range 3 {
		inFlight.Add(parallel)
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for range parallel {
			wg.Go(func() {
				if _, err := c.Candles(ctx, "BTCUSDT", time.Minute, 1); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("burst %d: %v", burst, err)
		}
	}
	if n := opened.Load(); n > parallel {
		t.Fatalf("3 bursts of %d parallel requests opened %d connections, want at most %d (one per request in flight)", parallel, n, parallel)
	}
}
