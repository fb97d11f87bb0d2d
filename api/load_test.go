package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

func loadClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// hammer sends total authenticated requests from clients goroutines and returns each latency.
func hammer(url string, client *http.Client, total, clients int) ([]time.Duration, error) {
	paths := []string{"/v1/status", "/v1/bots", "/v1/prices", "/v1/balances", "/v1/orders?open=true", "/v1/bots/dca-btc"}
	lat := make([]time.Duration, total)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < total; i += clients {
				req, err := http.NewRequest("GET", url+paths[i%len(paths)], nil)
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Authorization", "Bearer "+testToken)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("request %d: status %d, %v", i, resp.StatusCode, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return lat, <-errs
}

// TestLoad: 10,000 authenticated requests from 200 concurrent clients on loopback, no errors,
// and no goroutines left behind once the clients and the server are gone.
func TestLoad(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srvT := &subTest{TB: t}
		ts := startServer(srvT, nil)
		client := loadClient(200)
		lat, err := hammer(ts.url, client, 10_000, 200)
		client.CloseIdleConnections()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(lat)
		t.Logf("10,000 requests, 200 clients: p50 %v, p99 %v, max %v", lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
		srvT.cleanup()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// subTest runs a test's cleanups early so the goroutine count can be checked after them.
type subTest struct {
	testing.TB
	fns []func()
}

func (s *subTest) Cleanup(f func()) { s.fns = append(s.fns, f) }

func (s *subTest) cleanup() {
	for i := len(s.fns) - 1; i >= 0; i-- {
		s.fns[i]()
	}
}

// BenchmarkRequestsParallel reports the p99 latency of authenticated requests at 200
// concurrent clients on loopback.
func BenchmarkRequestsParallel(b *testing.B) {
	ts := startServer(b, nil)
	client := loadClient(200)
	defer client.CloseIdleConnections()
	b.ResetTimer()
	lat, err := hammer(ts.url, client, max(b.N, 200), 200)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}

// BenchmarkAuthCheck measures the constant-time token check on its own.
func BenchmarkAuthCheck(b *testing.B) {
	ts := startServer(b, nil)
	r, _ := http.NewRequest("GET", ts.url+"/v1/status", nil)
	r.Header.Set("Authorization", "Bearer "+testToken)
	a := ts.srv.auth
	b.ReportAllocs()
	for b.Loop() {
		if !a.ok(r) {
			b.Fatal("token refused")
		}
	}
}

// BenchmarkHandler measures one authenticated request through the whole middleware chain and
// router, in memory (no network), for the cheapest and the busiest read routes.
func BenchmarkHandler(b *testing.B) {
	srv, err := New(Config{Token: testToken, Engine: newFakeEngine()})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for _, path := range []string{"/v1/status", "/v1/bots", "/v1/orders?open=true"} {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
