package binance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestWSAPIURLResolution(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"mainnet default", Config{Name: Mainnet}, MainnetWSAPIURL},
		{"testnet default", Config{Name: Testnet}, TestnetWSAPIURL},
		{"only the market stream overridden", Config{Name: Mainnet, WSURL: "wss://proxy.example:9443"}, MainnetWSAPIURL},
		{"REST overridden: off", Config{Name: Mainnet, RESTURL: "https://proxy.example"}, ""},
		{"REST and streams on different hosts: off", Config{Name: Testnet, RESTURL: "http://127.0.0.1:8080", WSURL: "ws://127.0.0.1:8081"}, ""},
		{"REST and streams on one host (the fake)", Config{Name: Testnet, RESTURL: "http://127.0.0.1:8080", WSURL: "ws://127.0.0.1:8080/ws"}, "ws://127.0.0.1:8080/ws-api/v3"},
		{"default ports compare equal", Config{Name: Mainnet, RESTURL: "https://gw.example", WSURL: "wss://gw.example:443"}, "wss://gw.example:443/ws-api/v3"},
		{"explicit endpoint wins", Config{Name: Mainnet, RESTURL: "https://proxy.example", WSAPIURL: "wss://ws.example/ws-api/v3/"}, "wss://ws.example/ws-api/v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if c.wsAPIURL != tt.want {
				t.Fatalf("WebSocket API URL = %q, want %q", c.wsAPIURL, tt.want)
			}
		})
	}
	if _, err := New(Config{Name: Mainnet, WSAPIURL: "https://ws.example"}); err == nil {
		t.Fatal("an http:// WebSocket API URL was accepted")
	}
}

func TestOrderUpdatesNeedAKeyAndAnEndpoint(t *testing.T) {
	creds := &staticCreds{key: testKey, secret: testSecret}
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no key", Config{Name: Testnet}, exchange.ErrNoCredentials},
		{"no endpoint", Config{Name: Testnet, RESTURL: "http://127.0.0.1:1", Creds: creds}, ErrUserStreamOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if c.UserStreamEnabled() {
				t.Fatal("UserStreamEnabled = true")
			}
			if _, err := c.StartOrderUpdates(context.Background()); !errors.Is(err, tt.want) {
				t.Fatalf("StartOrderUpdates: %v, want %v", err, tt.want)
			}
			tr := c.WithOrderUpdates(context.Background())
			if tr != exchange.Trader(c) {
				t.Fatalf("WithOrderUpdates = %T, want the plain client", tr)
			}
			// The engine must keep polling: the plain client must not look like a stream.
			if _, ok := tr.(exchange.OrderStream); ok {
				t.Fatal("a client without order updates implements exchange.OrderStream")
			}
		})
	}
}

// apiServer is a scripted WebSocket API on 127.0.0.1: each connection is handed to the test,
// which reads and writes it itself.
type apiServer struct {
	srv   *httptest.Server
	conns chan *websocket.Conn
}

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	as := &apiServer{conns: make(chan *websocket.Conn, 8)}
	up := websocket.Upgrader{}
	as.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r, nil); err == nil {
			as.conns <- c
		}
	}))
	t.Cleanup(as.srv.Close)
	return as
}

func (as *apiServer) accept(t *testing.T) *websocket.Conn {
	t.Helper()
	select {
	case c := <-as.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no WebSocket API connection within 10 s")
		return nil
	}
}

type subscribeReq struct {
	ID     string                     `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
}

func readSubscribe(t *testing.T, c *websocket.Conn) subscribeReq {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading the subscription: %v", err)
	}
	var req subscribeReq
	if err := json.Unmarshal(msg, &req); err != nil {
		t.Fatalf("subscription %s: %v", msg, err)
	}
	return req
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("server write: %v", err)
	}
}

// apiClient starts order updates against as, with a REST server for the clock.
func apiClient(t *testing.T, as *apiServer, mut func(*Client)) *StreamingClient {
	t.Helper()
	rs := newRESTServer(t)
	c := rs.client(t, func(cfg *Config) {
		cfg.WSAPIURL = "ws" + strings.TrimPrefix(as.srv.URL, "http") + wsAPIPath
	})
	c.backoffMin, c.backoffMax = 5*time.Millisecond, 50*time.Millisecond
	c.userMinLife = time.Nanosecond
	if mut != nil {
		mut(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.Done()
	})
	return s
}

const execReportNew = `{"subscriptionId":%d,"event":{"e":"executionReport","E":1700000000100,"s":"BTCUSDT","c":"qd-u-1","S":"BUY","o":"LIMIT","f":"GTC","q":"0.01000000","p":"59000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":4242,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":1700000000099,"t":-1,"I":1,"w":true,"m":false,"M":false,"O":1700000000099,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1700000000099,"V":"EXPIRE_MAKER"}}`

func TestUserStreamSubscribesSignedAndFollowsItsSubscription(t *testing.T) {
	as := newAPIServer(t)
	s := apiClient(t, as, nil)
	conn := as.accept(t)
	req := readSubscribe(t, conn)
	if req.Method != "userDataStream.subscribe.signature" || req.ID == "" || len(req.Params) != 4 {
		t.Fatalf("subscription = %+v", req)
	}
	var key, sig string
	var recv, ts int64
	_ = json.Unmarshal(req.Params["apiKey"], &key)
	_ = json.Unmarshal(req.Params["signature"], &sig)
	_ = json.Unmarshal(req.Params["recvWindow"], &recv)
	_ = json.Unmarshal(req.Params["timestamp"], &ts)
	if key != testKey || recv != 5000 || time.Since(time.UnixMilli(ts)).Abs() > 5*time.Second {
		t.Fatalf("params = %s", req.Params)
	}
	// The WebSocket API signs the other parameters sorted by name, joined as a query string.
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write([]byte("apiKey=" + testKey + "&recvWindow=5000&timestamp=" + strconv.FormatInt(ts, 10)))
	if want := hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
	// Events before the answer, and answers to other ids, are not ours.
	send(t, conn, strings.Replace(execReportNew, "%d", "7", 1))
	send(t, conn, `{"id":"other","status":200,"result":{"subscriptionId":1}}`)
	send(t, conn, `{"id":"`+req.ID+`","status":200,"result":{"subscriptionId":7},"rateLimits":[]}`)
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	send(t, conn, strings.Replace(execReportNew, "%d", "3", 1)) // another subscription's
	send(t, conn, `{"subscriptionId":7,"event":{"e":"outboundAccountPosition","E":1,"u":1,"B":[]}}`)
	send(t, conn, strings.Replace(strings.Replace(execReportNew, "%d", "7", 1), "qd-u-1", "qd-u-2", 1))
	select {
	case o := <-s.OrderUpdates():
		if o.ClientID != "qd-u-2" || o.ExchangeID != 4242 || o.Status != exchange.StatusNew {
			t.Fatalf("update = %+v, want qd-u-2 from subscription 7 only", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no update within 10 s")
	}

	// The exchange ends the subscription: the client subscribes again at once.
	send(t, conn, `{"subscriptionId":7,"event":{"e":"eventStreamTerminated","E":1700000000200}}`)
	ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
	if !errors.Is(ev.Err, errTerminated) || ev.RetryIn != 0 {
		t.Fatalf("after termination: %+v", ev)
	}
	if again := readSubscribe(t, as.accept(t)); again.ID == req.ID {
		t.Fatalf("resubscription reused request id %q", again.ID)
	}
}

func TestUserStreamHonoursRateLimitAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		banned bool
	}{
		{"429 delays the stream", http.StatusTooManyRequests, false},
		{"418 bans REST too", http.StatusTeapot, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAPIServer(t)
			s := apiClient(t, as, nil)
			conn := as.accept(t)
			req := readSubscribe(t, conn)
			until := time.Now().Add(3 * time.Second).UnixMilli()
			send(t, conn, `{"id":"`+req.ID+`","status":`+strconv.Itoa(tt.status)+`,"error":{"code":-1003,"msg":"Too much request weight used.","data":{"retryAfter":`+strconv.FormatInt(until, 10)+`}}}`)
			ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
			var rl *exchange.RateLimitError
			if !errors.As(ev.Err, &rl) || rl.Banned != tt.banned || ev.RetryIn < 2*time.Second {
				t.Fatalf("reconnecting = %+v, want a back-off of about 3 s", ev)
			}
			if banned := s.RateState().Banned; banned != tt.banned {
				t.Fatalf("REST banned = %v, want %v", banned, tt.banned)
			}
		})
	}
}

func TestUserStreamKeepsAliveAndReplacesASilentConnection(t *testing.T) {
	as := newAPIServer(t)
	s := apiClient(t, as, func(c *Client) { c.userStaleAfter, c.userPingEvery = 300*time.Millisecond, 30*time.Millisecond })
	conn := as.accept(t)
	req := readSubscribe(t, conn)
	var pings atomic.Int32
	conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	pongs := make(chan string, 1)
	conn.SetPongHandler(func(data string) error {
		pongs <- data
		return nil
	})
	send(t, conn, `{"id":"`+req.ID+`","status":200,"result":{"subscriptionId":0}}`)
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	if err := conn.WriteControl(websocket.PingMessage, []byte("srv-1"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Read on the server so control frames flow, until the client has pinged for more than
	// three times its silence limit.
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				readErr <- err
				return
			}
		}
	}()
	select {
	case p := <-pongs:
		if p != "srv-1" {
			t.Fatalf("pong payload %q, want the ping's", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server's ping was not answered")
	}
	deadline := time.Now().Add(10 * time.Second)
	for pings.Load() < 35 { // 35 pings at 30 ms outlast the 300 ms limit three times over
		if time.Now().After(deadline) {
			t.Fatalf("only %d client pings in 10 s", pings.Load())
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	for len(s.StreamEvents()) > 0 {
		if ev := <-s.StreamEvents(); ev.State != exchange.StreamLive {
			t.Fatalf("a connection that answers pings was replaced: %+v", ev)
		}
	}

	// A second connection that never answers anything is replaced once silent.
	conn.Close()
	<-readErr
	waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
	conn2 := as.accept(t)
	req2 := readSubscribe(t, conn2)
	send(t, conn2, `{"id":"`+req2.ID+`","status":200,"result":{"subscriptionId":0}}`)
	waitEvent(t, s.StreamEvents(), exchange.StreamLive)
	ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
	if !errors.Is(ev.Err, errUserStale) {
		t.Fatalf("silent connection: %+v, want it reported silent", ev)
	}
}

func TestSubscribeRequestRefusesAKeyThatWouldBreakTheJSON(t *testing.T) {
	tests := []struct {
		name, key string
		ok        bool
	}{
		{"Binance key", testKey, true},
		{"dashes and dots", "demo-key.1", true},
		{"quote", `abc"def` + testKey, false},
		{"backslash", `abc\def` + testKey, false},
		{"newline", "abc\ndef" + testKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{Name: Testnet, Creds: &staticCreds{key: tt.key, secret: testSecret}})
			if err != nil {
				t.Fatal(err)
			}
			msg, err := c.subscribeRequest(context.Background(), "qd-sub-1")
			if tt.ok {
				var req subscribeReq
				if err != nil || json.Unmarshal(msg, &req) != nil || req.ID != "qd-sub-1" {
					t.Fatalf("request %q: %v", msg, err)
				}
				return
			}
			if !errors.Is(err, exchange.ErrAuth) || msg != nil {
				t.Fatalf("got %q, %v; want ErrAuth and no request", msg, err)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

func TestUserStreamPlannedCloses(t *testing.T) {
	tests := []struct {
		name     string
		mut      func(*Client)
		shutdown bool // the server announces a shutdown; otherwise the connection ages out
		wantErr  error
		instant  bool
	}{
		{"server shutdown: at once", nil, true, errServerShutdown, true},
		{"24 h renewal: at once", func(c *Client) { c.connMaxAge = 200 * time.Millisecond }, false, errConnAge, true},
		{"shutdown right after subscribing: back off", func(c *Client) { c.userMinLife = time.Hour }, true, errServerShutdown, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAPIServer(t)
			s := apiClient(t, as, tt.mut)
			conn := as.accept(t)
			req := readSubscribe(t, conn)
			send(t, conn, `{"id":"`+req.ID+`","status":200,"result":{"subscriptionId":0}}`)
			go func() { // answer pings until the client goes away
				for {
					if _, _, err := conn.ReadMessage(); err != nil {
						return
					}
				}
			}()
			waitEvent(t, s.StreamEvents(), exchange.StreamLive)
			if tt.shutdown {
				send(t, conn, `{"event":{"e":"serverShutdown","E":1700000000000}}`)
			}
			ev := waitEvent(t, s.StreamEvents(), exchange.StreamReconnecting)
			if !errors.Is(ev.Err, tt.wantErr) || (ev.RetryIn == 0) != tt.instant {
				t.Fatalf("reconnecting = %+v, want %v with an immediate retry %v", ev, tt.wantErr, tt.instant)
			}
			if tt.instant {
				readSubscribe(t, as.accept(t))
			}
		})
	}
}
