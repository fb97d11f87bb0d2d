package fake

import (
	"encoding/json"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dial connects a websocket client and waits until the server has registered it.
func dial(t testing.TB, s *Server, path string) *websocket.Conn {
	t.Helper()
	before := s.StreamCount()
	c, resp, err := websocket.DefaultDialer.Dial(s.WSURL()+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	resp.Body.Close()
	t.Cleanup(func() { c.Close() })
	waitFor(t, "the stream to register", func() bool { return s.StreamCount() > before })
	return c
}

// next reads one message as a JSON object.
func next(t testing.TB, c *websocket.Conn) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return m
}

func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestRawBookTicker(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "/ws/btcusdt@bookTicker")
	if err := s.SetPrice("BTCUSDT", "61000"); err != nil {
		t.Fatal(err)
	}
	m := next(t, c)
	if keys(m) != "A,B,a,b,s,u" || m["s"] != "BTCUSDT" || m["b"] != "60999.99000000" || m["a"] != "61000.01000000" {
		t.Fatalf("bookTicker = %v", m)
	}
}

func TestCombinedStreams(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "/stream?streams=ethusdt@bookTicker/ethusdt@trade/ethusdt@aggTrade/ethusdt@kline_1m/ethusdt@miniTicker")
	if err := s.SetPrice("ETHUSDT", "3100"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ethusdt@bookTicker": "A,B,a,b,s,u",
		"ethusdt@trade":      "E,M,T,e,m,p,q,s,t",
		"ethusdt@aggTrade":   "E,M,T,a,e,f,l,m,p,q,s",
		"ethusdt@kline_1m":   "E,e,k,s",
		"ethusdt@miniTicker": "E,c,e,h,l,o,q,s,v",
	}
	for n := len(want); n > 0; n-- {
		m := next(t, c)
		if keys(m) != "data,stream" {
			t.Fatalf("combined message = %v", m)
		}
		stream := m["stream"].(string)
		data := m["data"].(map[string]any)
		if keys(data) != want[stream] {
			t.Errorf("%s payload keys = %s, want %s", stream, keys(data), want[stream])
		}
		delete(want, stream)
		switch stream {
		case "ethusdt@trade":
			if data["p"] != "3100.00000000" || data["e"] != "trade" {
				t.Errorf("trade = %v", data)
			}
		case "ethusdt@kline_1m":
			k := data["k"].(map[string]any)
			if k["i"] != "1m" || k["c"] != "3100.00000000" || k["x"] != false {
				t.Errorf("kline = %v", k)
			}
		case "ethusdt@miniTicker":
			if data["e"] != "24hrMiniTicker" || data["c"] != "3100.00000000" || data["h"] != "3100.00000000" || data["o"] != "3000.00000000" {
				t.Errorf("miniTicker = %v", data)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("streams never seen: %v", want)
	}
}

func TestLiveSubscriptions(t *testing.T) {
	s := start(t, Options{MaxClientMessages: -1})
	c := dial(t, s, "/ws")
	send := func(msg string) map[string]any {
		t.Helper()
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		return next(t, c)
	}
	if m := send(`{"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1}`); keys(m) != "id,result" || m["result"] != nil || m["id"] != float64(1) {
		t.Fatalf("SUBSCRIBE answer = %v", m)
	}
	if err := s.SetPrice("BTCUSDT", "61000"); err != nil {
		t.Fatal(err)
	}
	if m := next(t, c); m["s"] != "BTCUSDT" || m["b"] != "60999.99000000" {
		t.Fatalf("after SUBSCRIBE = %v", m)
	}
	if m := send(`{"method":"LIST_SUBSCRIPTIONS","id":"list1"}`); m["id"] != "list1" || len(m["result"].([]any)) != 1 {
		t.Fatalf("LIST_SUBSCRIPTIONS = %v", m)
	}
	if m := send(`{"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":3}`); m["id"] != float64(3) {
		t.Fatalf("UNSUBSCRIBE answer = %v", m)
	}
	send(`{"method":"SUBSCRIBE","params":["solusdt@trade"],"id":4}`)
	// BTC moves first; the unsubscribed stream must not arrive before SOL's trade.
	_ = s.SetPrice("BTCUSDT", "62000")
	_ = s.SetPrice("SOLUSDT", "151")
	if m := next(t, c); m["s"] != "SOLUSDT" || m["e"] != "trade" {
		t.Fatalf("after UNSUBSCRIBE got %v, want the SOL trade", m)
	}
	if m := send(`{"method":"SET_PROPERTY","params":["combined",true],"id":5}`); m["result"] != nil {
		t.Fatalf("SET_PROPERTY = %v", m)
	}
	_ = s.SetPrice("SOLUSDT", "152")
	if m := next(t, c); m["stream"] != "solusdt@trade" {
		t.Fatalf("after combined=true got %v", m)
	}
	errs := []struct{ msg, wantCode string }{
		{`{"method":`, "3"},
		{`{"method":"PUBLISH","params":[],"id":6}`, "2"},
		{`{"method":"SUBSCRIBE","params":["BTCUSDT"],"id":7}`, "2"},
		{`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":{"x":1}}`, "2"},
		{`{"method":"GET_PROPERTY","params":["colour"],"id":8}`, "0"},
	}
	for _, e := range errs {
		m := send(e.msg)
		body, ok := m["error"].(map[string]any)
		if !ok {
			// Combined mode does not wrap answers.
			t.Fatalf("%s: answer %v has no error", e.msg, m)
		}
		if code, _ := json.Marshal(body["code"]); string(code) != e.wantCode {
			t.Errorf("%s: code %s, want %s", e.msg, code, e.wantCode)
		}
	}
}

func TestClientMessageLimit(t *testing.T) {
	s := start(t, Options{MaxClientMessages: 3})
	c := dial(t, s, "/ws")
	for i := 1; i <= 3; i++ {
		msg := `{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":` + string(rune('0'+i)) + `}`
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if m := next(t, c); m["id"] != float64(i) {
			t.Fatalf("answer %d = %v", i, m)
		}
	}
	if n := s.Subscribers("btcusdt@trade"); n != 1 {
		t.Errorf("Subscribers = %d, want 1", n)
	}
	// The fourth message within the second is one too many.
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"method":"LIST_SUBSCRIPTIONS","id":4}`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := c.ReadMessage(); err == nil {
		t.Fatalf("got %s, want the connection closed", b)
	}
	waitFor(t, "the connection to go", func() bool { return s.StreamCount() == 0 })
}

func TestPingPong(t *testing.T) {
	s := start(t, Options{PingInterval: 10 * time.Millisecond, PongTimeout: 300 * time.Millisecond})

	// A client that answers pings stays connected through many of them.
	good := dial(t, s, "/ws/btcusdt@trade")
	var goodPings atomic.Int32
	good.SetPingHandler(func(data string) error {
		goodPings.Add(1)
		return good.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	goodErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := good.ReadMessage(); err != nil {
				goodErr <- err
				return
			}
		}
	}()

	// A client that never answers is dropped after PongTimeout.
	bad := dial(t, s, "/ws/btcusdt@trade")
	var badPings atomic.Int32
	bad.SetPingHandler(func(string) error { badPings.Add(1); return nil })
	t0 := time.Now()
	_ = bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := bad.ReadMessage(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("the silent client was not dropped")
			}
			break
		}
	}
	if el := time.Since(t0); el < 300*time.Millisecond {
		t.Errorf("dropped after %s, before the pong timeout", el)
	}
	if n := badPings.Load(); n != 1 {
		t.Errorf("the silent client got %d pings; want one outstanding at a time", n)
	}
	waitFor(t, "ten pings answered", func() bool { return goodPings.Load() >= 10 })
	select {
	case err := <-goodErr:
		t.Fatalf("the answering client was dropped: %v", err)
	default:
	}
	if n := s.StreamCount(); n != 1 {
		t.Errorf("StreamCount = %d, want 1", n)
	}
}

func TestDropStreams(t *testing.T) {
	s := start(t, Options{})
	a := dial(t, s, "/ws/btcusdt@trade")
	b := dial(t, s, "/stream?streams=ethusdt@trade")
	s.DropStreams()
	for _, c := range []*websocket.Conn{a, b} {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := c.ReadMessage()
		if err == nil {
			t.Fatal("read succeeded after DropStreams")
		}
		if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
			t.Fatal("connection still open after DropStreams")
		}
	}
	waitFor(t, "no streams", func() bool { return s.StreamCount() == 0 })
	// Clients can reconnect.
	dial(t, s, "/ws/btcusdt@trade")
}

func TestSilence(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "/ws/btcusdt@bookTicker")
	s.Silence(0)
	_ = s.SetPrice("BTCUSDT", "61000") // swallowed
	s.Resume()
	_ = s.SetPrice("BTCUSDT", "62000")
	if m := next(t, c); m["b"] != "61999.99000000" {
		t.Fatalf("first message after the silence = %v, want the 62000 update", m)
	}
	if n := s.StreamCount(); n != 1 {
		t.Errorf("StreamCount = %d during and after silence, want 1", n)
	}
	s.Silence(30 * time.Millisecond)
	waitFor(t, "a timed silence to end", func() bool { return !s.hub.isSilent() })
	_ = s.SetPrice("BTCUSDT", "63000")
	if m := next(t, c); m["b"] != "62999.99000000" {
		t.Fatalf("after a timed silence = %v", m)
	}
}

func TestStreamRateLimit(t *testing.T) {
	s := start(t, Options{})
	s.RateLimitPathNext("/ws", 1, 429, 10*time.Second)
	_, resp, err := websocket.DefaultDialer.Dial(s.WSURL()+"/ws/btcusdt@trade", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "10" {
		t.Fatalf("dial during a 429: err %v resp %+v", err, resp)
	}
	resp.Body.Close()
	dial(t, s, "/ws/btcusdt@trade")
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := New(Options{Drift: true, TickInterval: 2 * time.Millisecond, PingInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddKey(testKey, testSecret, TradeOnly(), map[string]string{"USDT": "1000"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.order("symbol", "ETHUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "2000")
	conns := []*websocket.Conn{dial(t, s, "/ws/btcusdt@trade"), dial(t, s, "/stream?streams=ethusdt@bookTicker")}
	for _, ws := range conns {
		next(t, ws) // the drift is streaming
	}
	s.DelayNext(1, time.Hour)
	go func() { _, _ = c.trySend(http.MethodGet, s.URL()+"/api/v3/ping", "") }()
	waitFor(t, "the delayed request", func() bool { return len(s.Requests()) >= 2 })
	s.Close()
	for _, ws := range conns {
		ws.Close()
	}
	c.hc.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInjectStream(t *testing.T) {
	s := start(t, Options{})
	raw := dial(t, s, "/ws/btcusdt@trade")
	combined := dial(t, s, "/stream?streams=btcusdt@trade")
	for _, payload := range []string{`not json{`, ``} {
		s.InjectStream("btcusdt@trade", []byte(payload))
		for _, tc := range []struct {
			c    *websocket.Conn
			want string
		}{{raw, payload}, {combined, `{"stream":"btcusdt@trade","data":` + payload + `}`}} {
			_ = tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, b, err := tc.c.ReadMessage()
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %q (%v), want %q", b, err, tc.want)
			}
		}
	}
}

func TestShutdownStreams(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "/ws/btcusdt@trade")
	s.ShutdownStreams()
	if m := next(t, c); m["e"] != "serverShutdown" || m["E"] == nil {
		t.Fatalf("got %v, want serverShutdown", m)
	}
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after serverShutdown: %v, want close 1001", err)
	}
}

func TestMaxConnAge(t *testing.T) {
	s := start(t, Options{MaxConnAge: 50 * time.Millisecond})
	c := dial(t, s, "/ws/btcusdt@trade")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := c.ReadMessage(); err == nil {
		t.Fatal("read a message; want the connection ended")
	} else if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
		t.Fatal("connection outlived MaxConnAge")
	}
	waitFor(t, "the connection to go", func() bool { return s.StreamCount() == 0 })
}

// TestSilenceTimerDoesNotEndALaterSilence: a timed silence replaced by an open-ended one must
// not end it when its (already firing) timer runs.
func TestSilenceTimerDoesNotEndALaterSilence(t *testing.T) {
	s := start(t, Options{})
	s.Silence(time.Hour)
	s.hub.mu.Lock()
	stale := s.hub.silentGen
	s.hub.mu.Unlock()
	s.Silence(0)
	s.hub.endSilence(stale) // what the first timer does if it fires now
	if !s.hub.isSilent() {
		t.Fatal("a stale timer ended the open-ended silence")
	}
	s.hub.mu.Lock()
	current := s.hub.silentGen
	s.hub.mu.Unlock()
	s.Resume()
	s.Silence(0)
	s.hub.endSilence(current) // Resume and a new Silence came in between
	if !s.hub.isSilent() {
		t.Fatal("a timer from before Resume ended a later silence")
	}
}
