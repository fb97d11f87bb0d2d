package binance

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

const (
	testKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	testSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// staticCreds lends a fixed key pair, copying it per call like the vault does, and counts uses.
type staticCreds struct {
	key, secret string
	mu          sync.Mutex
	uses        int
}

func (s *staticCreds) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	s.mu.Lock()
	s.uses++
	s.mu.Unlock()
	k, sec := []byte(s.key), []byte(s.secret)
	defer clear(k)
	defer clear(sec)
	return fn(k, sec)
}

// seenRequest is what the test server saw of one request.
type seenRequest struct {
	Method, Path string
	Query        url.Values // query and form body merged
	Total        string     // query string + body, as signed
	APIKey       string
	SigOK        bool
}

// restServer is a tiny Binance-shaped REST server for unit tests: handlers per "METHOD /path",
// signature verification against testSecret, and a log of requests.
type restServer struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	seen     []seenRequest
	handlers map[string]http.HandlerFunc
}

func newRESTServer(t *testing.T) *restServer {
	t.Helper()
	rs := &restServer{t: t, handlers: map[string]http.HandlerFunc{}}
	rs.handle("GET /api/v3/time", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"serverTime":`+itoa(time.Now().UnixMilli())+`}`)
	})
	rs.srv = httptest.NewServer(http.HandlerFunc(rs.serve))
	t.Cleanup(rs.srv.Close)
	return rs
}

func (rs *restServer) handle(route string, h http.HandlerFunc) {
	rs.mu.Lock()
	rs.handlers[route] = h
	rs.mu.Unlock()
}

func (rs *restServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	total := r.URL.RawQuery + string(body)
	q, _ := url.ParseQuery(r.URL.RawQuery)
	if len(body) > 0 {
		bq, _ := url.ParseQuery(string(body))
		for k, v := range bq {
			q[k] = append(q[k], v...)
		}
	}
	sr := seenRequest{Method: r.Method, Path: r.URL.Path, Query: q, Total: total, APIKey: r.Header.Get("X-MBX-APIKEY")}
	if i := strings.LastIndex(total, "&signature="); i >= 0 {
		m := hmac.New(sha256.New, []byte(testSecret))
		m.Write([]byte(total[:i]))
		sr.SigOK = strings.EqualFold(total[i+len("&signature="):], hex.EncodeToString(m.Sum(nil)))
	}
	rs.mu.Lock()
	rs.seen = append(rs.seen, sr)
	h := rs.handlers[r.Method+" "+r.URL.Path]
	rs.mu.Unlock()
	if h == nil {
		writeJSON(w, 404, `{"code":-1,"msg":"no handler"}`)
		return
	}
	h(w, r)
}

// requests returns the requests seen so far, optionally only those to path.
func (rs *restServer) requests(path string) []seenRequest {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []seenRequest
	for _, s := range rs.seen {
		if path == "" || s.Path == path {
			out = append(out, s)
		}
	}
	return out
}

func (rs *restServer) client(t *testing.T, mut ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{Name: Mainnet, RESTURL: rs.srv.URL, WSURL: "ws://127.0.0.1:1", Creds: &staticCreds{key: testKey, secret: testSecret}}
	for _, m := range mut {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fakeClock is a clock that moves only when told (a Sleep moves it), for Config.Clock;
// onSleep, when set, sees each wait before the clock moves.
type fakeClock struct {
	*clock.Fake
	onSleep func(d time.Duration)
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{Fake: clock.NewFake(t)} }

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if f.onSleep != nil {
		f.onSleep(d)
	}
	return f.Fake.Sleep(ctx, d)
}

// assertNoSecrets fails when text carries the key, the secret or a signature.
func assertNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{testKey, testSecret, "signature=", testKey[:16], testSecret[:16]} {
		if strings.Contains(text, s) {
			t.Fatalf("text leaks %q: %s", s[:8], text)
		}
	}
}
