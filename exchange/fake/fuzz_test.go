package fake

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// FuzzParams checks the parameter parser and the signed payload: whatever arrives, a request
// signed over its own payload verifies, and the payload never carries the signature.
func FuzzParams(f *testing.F) {
	f.Add(docsQuery, docsBody)
	f.Add(docsPayload, "")
	f.Add("a=1&a=2", "")
	f.Add("signature=abc&x=1", "y=%zz")
	f.Add("", "signature=&signature=")
	f.Fuzz(func(t *testing.T, rawQuery, rawBody string) {
		p, err := parseParams(rawQuery, rawBody)
		if err != nil {
			if err.code != codeIllegalChars && err.code != codeDuplicateParam {
				t.Fatalf("unexpected error code %d", err.code)
			}
			return
		}
		payload := p.signedPayload()
		for _, part := range strings.Split(payload, "&") {
			if strings.HasPrefix(part, "signature=") {
				t.Fatalf("payload %q keeps a signature", payload)
			}
		}
		sig := Sign("secret", payload)
		if !validSignature([]byte("secret"), payload, sig) || !validSignature([]byte("secret"), payload, strings.ToUpper(sig)) {
			t.Fatal("own signature rejected")
		}
		if validSignature([]byte("other"), payload, sig) {
			t.Fatal("signature accepted under another secret")
		}
		_ = checkTimestamp(p, time.Now())
	})
}

// FuzzControl checks that every websocket control message gets a JSON answer.
func FuzzControl(f *testing.F) {
	for _, s := range []string{
		`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}`,
		`{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":"abc"}`,
		`{"method":"LIST_SUBSCRIPTIONS","id":null}`,
		`{"method":"SET_PROPERTY","params":["combined",true],"id":5}`,
		`{"method":"GET_PROPERTY","params":["combined"],"id":2}`,
		`{"method":1}`, `[]`, `{`, `{"id":-1,"method":"SUBSCRIBE","params":[1]}`,
	} {
		f.Add([]byte(s))
	}
	h := &hub{conns: map[*wsConn]struct{}{}}
	f.Fuzz(func(t *testing.T, msg []byte) {
		conn := &wsConn{subs: map[string]bool{}}
		reply := h.control(conn, msg)
		if !json.Valid(reply) {
			t.Fatalf("answer %q is not JSON", reply)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(reply, &m); err != nil {
			t.Fatalf("answer %q is not an object", reply)
		}
		if _, ok := m["id"]; !ok {
			t.Fatalf("answer %q has no id", reply)
		}
		for name := range conn.subs {
			if !validStreamName(name) {
				t.Fatalf("subscribed to invalid stream %q", name)
			}
		}
	})
}

// FuzzNewOrder sends arbitrary new-order parameters through parsing, filters and matching and
// checks the books still balance: no negative balance, and locked funds match open orders.
func FuzzNewOrder(f *testing.F) {
	for _, s := range []string{
		"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01",
		"symbol=BTCUSDT&side=SELL&type=MARKET&quoteOrderQty=100",
		"symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.5&price=2900",
		"symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.5&price=50000",
		"symbol=BNBUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=1&price=700&newClientOrderId=x",
		"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=99999999999999999999.99999999",
	} {
		f.Add(s, "60000")
	}
	f.Fuzz(func(t *testing.T, query, price string) {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.AddKey(testKey, testSecret, TradeOnly(), map[string]string{"USDT": "100000", "BTC": "2", "ETH": "10", "BNB": "50"}); err != nil {
			t.Fatal(err)
		}
		p, perr := parseParams(query, "")
		if perr != nil {
			return
		}
		s.mu.Lock()
		a := s.accounts[testKey]
		if req, m, e := s.parseOrder(p); e == nil {
			_, _, _ = s.place(a, m, req, s.now())
		}
		s.mu.Unlock()
		_ = s.SetPrice("BTCUSDT", price) // may cross a resting order
		s.mu.Lock()
		defer s.mu.Unlock()
		locked := map[string]string{}
		for _, o := range a.orders {
			if o.open() {
				if o.lockAsset == "" || !o.locked.IsPos() {
					t.Fatalf("open order %+v locks nothing", o)
				}
				locked[o.lockAsset] = o.locked.Trim(0).String()
			}
		}
		for asset, b := range a.balances {
			if b.free.IsNeg() || b.locked.IsNeg() {
				t.Fatalf("%s balance went negative: %s/%s", asset, b.free, b.locked)
			}
			if want := locked[asset]; !b.locked.IsZero() && b.locked.Trim(0).String() != want {
				t.Fatalf("%s locked %s, open orders lock %q", asset, b.locked, want)
			}
		}
		for _, o := range a.orders {
			if o.executed.Cmp(o.origQty) > 0 || (o.status == exchange.StatusFilled && o.executed.Cmp(o.origQty) != 0) {
				t.Fatalf("order %+v executed more than its quantity", o)
			}
		}
	})
}

// FuzzWSAPI checks that every WebSocket API request gets a JSON answer whose status agrees
// with its error, and that only a successful answer leaves a subscription behind.
func FuzzWSAPI(f *testing.F) {
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	if err := s.AddKey(testKey, testSecret, TradeOnly(), nil); err != nil {
		f.Fatal(err)
	}
	f.Add(subscribeMsg(s, 1, testKey, testSecret))
	f.Add(subscribeMsg(s, 2, testKey, "x"))
	f.Add([]byte(`{"id":1,"method":"userDataStream.unsubscribe","params":{"subscriptionId":"a"}}`))
	f.Add([]byte(`{"id":null,"method":"session.subscriptions"}`))
	f.Add([]byte(`{"method":"userDataStream.subscribe.signature","params":{"apiKey":1,"timestamp":[],"signature":{}}}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		conn := &wsConn{subs: map[string]bool{}, users: map[*account]int{}}
		reply := s.hub.apiRequest(conn, msg)
		var m struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(reply, &m); err != nil {
			t.Fatalf("answer %q is not a JSON object", reply)
		}
		if (m.Status == 200) == (m.Error != nil) {
			t.Fatalf("answer %q: status and error disagree", reply)
		}
		if len(conn.users) > 0 && m.Status != 200 {
			t.Fatalf("subscribed by a failed request %q", msg)
		}
	})
}
