package fake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	testKey    = "testkey0000000000000000000000000000000000000000000000000000000001"
	testSecret = "testsecret"
)

// start runs a server with a funded trade-only test key and closes it with the test.
func start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.AddKey(testKey, testSecret, TradeOnly(), map[string]string{"USDT": "10000", "BTC": "1", "BNB": "10"}); err != nil {
		t.Fatalf("AddKey: %v", err)
	}
	return s
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return m
}

// code returns the Binance error code of the answer, 0 for none.
func (r reply) code() int {
	var e struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

// client speaks to a Server as Binance clients do.
type client struct {
	t      testing.TB
	s      *Server
	key    string
	secret string
	hc     *http.Client
}

func newClient(t testing.TB, s *Server) *client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, s: s, key: testKey, secret: testSecret, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// public sends an unsigned GET.
func (c *client) public(path string, q url.Values) reply {
	c.t.Helper()
	u := c.s.URL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return c.send(http.MethodGet, u, "")
}

// signed sends a signed request: params in the query for GET/DELETE, in the body for POST.
func (c *client) signed(method, path string, q url.Values) reply {
	c.t.Helper()
	r, err := c.trySigned(method, path, q)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *client) trySigned(method, path string, q url.Values) (reply, error) {
	if q == nil {
		q = url.Values{}
	}
	if q.Get("timestamp") == "" {
		q.Set("timestamp", strconv.FormatInt(c.s.now().UnixMilli(), 10))
	}
	payload := q.Encode()
	payload += "&signature=" + Sign(c.secret, payload)
	if method == http.MethodPost {
		return c.trySend(method, c.s.URL()+path, payload)
	}
	return c.trySend(method, c.s.URL()+path+"?"+payload, "")
}

func (c *client) send(method, u, body string) reply {
	c.t.Helper()
	r, err := c.trySend(method, u, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	return r
}

func (c *client) trySend(method, u, body string) (reply, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.key != "" {
		req.Header.Set("X-MBX-APIKEY", c.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// order places an order from name=value pairs and returns the answer.
func (c *client) order(kv ...string) reply {
	c.t.Helper()
	return c.signed(http.MethodPost, "/api/v3/order", values(kv...))
}

func values(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// balance returns free and locked of an asset as text trimmed of trailing zeros.
func balanceOf(s *Server, asset string) (free, locked string) {
	b := s.Balances(testKey)[asset]
	return b.Free.Trim(0).String(), b.Locked.Trim(0).String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func decode(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}
