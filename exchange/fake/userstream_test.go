package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/gorilla/websocket"
)

// subscribeMsg builds a signed userDataStream.subscribe.signature request.
func subscribeMsg(s *Server, id int, key, secret string) []byte {
	ts := strconv.FormatInt(s.now().UnixMilli(), 10)
	sig := Sign(secret, "apiKey="+key+"&recvWindow=5000&timestamp="+ts)
	return []byte(`{"id":` + strconv.Itoa(id) + `,"method":"userDataStream.subscribe.signature","params":{"apiKey":"` + key +
		`","recvWindow":5000,"timestamp":` + ts + `,"signature":"` + sig + `"}}`)
}

func wsSend(t *testing.T, c *websocket.Conn, msg []byte) map[string]any {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
		t.Fatal(err)
	}
	return next(t, c)
}

// event reads the next user data event and returns its body.
func event(t *testing.T, c *websocket.Conn, wantType string) map[string]any {
	t.Helper()
	m := next(t, c)
	ev, ok := m["event"].(map[string]any)
	if !ok || m["subscriptionId"] != float64(0) || ev["e"] != wantType {
		t.Fatalf("got %v, want a %s event for subscription 0", m, wantType)
	}
	return ev
}

func TestUserDataStream(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, wsAPIPath)
	if m := wsSend(t, c, subscribeMsg(s, 1, testKey, "wrong")); m["status"] != float64(400) || m["error"].(map[string]any)["code"] != float64(-1022) {
		t.Fatalf("wrong secret: %v", m)
	}
	if m := wsSend(t, c, subscribeMsg(s, 2, "nokey", testSecret)); m["status"] != float64(401) {
		t.Fatalf("unknown key: %v", m)
	}
	m := wsSend(t, c, subscribeMsg(s, 3, testKey, testSecret))
	if m["status"] != float64(200) || m["id"] != float64(3) || m["result"].(map[string]any)["subscriptionId"] != float64(0) {
		t.Fatalf("subscribe: %v", m)
	}
	if m := wsSend(t, c, subscribeMsg(s, 4, testKey, testSecret)); m["status"] != float64(400) {
		t.Fatalf("second subscription for the same key: %v", m)
	}

	rest := newClient(t, s)
	rest.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "59000", "newClientOrderId", "u-1")
	ev := event(t, c, "executionReport")
	if ev["c"] != "u-1" || ev["x"] != "NEW" || ev["X"] != "NEW" || ev["w"] != true || ev["N"] != nil || ev["p"] != "59000.00000000" {
		t.Errorf("NEW report = %v", ev)
	}
	pos := event(t, c, "outboundAccountPosition")
	if b := pos["B"].([]any)[0].(map[string]any); b["a"] != "USDT" || b["f"] != "9410.00000000" || b["l"] != "590.00000000" {
		t.Errorf("position after placing = %v", pos)
	}

	if err := s.SetPrice("BTCUSDT", "58000"); err != nil {
		t.Fatal(err)
	}
	ev = event(t, c, "executionReport")
	if ev["x"] != "TRADE" || ev["X"] != "FILLED" || ev["l"] != "0.01000000" || ev["L"] != "59000.00000000" || ev["z"] != "0.01000000" ||
		ev["n"] != "0.00001000" || ev["N"] != "BTC" || ev["m"] != true || ev["t"].(float64) < 1 || ev["Y"] != "590.00000000" {
		t.Errorf("TRADE report = %v", ev)
	}
	event(t, c, "outboundAccountPosition")

	rest.order("symbol", "ETHUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.1", "price", "2000", "newClientOrderId", "u-2")
	event(t, c, "executionReport")
	event(t, c, "outboundAccountPosition")
	rest.signed(http.MethodDelete, "/api/v3/order", values("symbol", "ETHUSDT", "origClientOrderId", "u-2", "newClientOrderId", "cancel-u-2"))
	ev = event(t, c, "executionReport")
	if ev["x"] != "CANCELED" || ev["c"] != "cancel-u-2" || ev["C"] != "u-2" {
		t.Errorf("CANCELED report = %v", ev)
	}
	event(t, c, "outboundAccountPosition")

	if m := wsSend(t, c, []byte(`{"id":"list","method":"session.subscriptions"}`)); len(m["result"].([]any)) != 1 {
		t.Fatalf("session.subscriptions = %v", m)
	}
	if m := wsSend(t, c, []byte(`{"id":5,"method":"userDataStream.unsubscribe","params":{"subscriptionId":0}}`)); m["status"] != float64(200) {
		t.Fatalf("unsubscribe = %v", m)
	}
	rest.order("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01")
	// No event was queued for the order: the next message is the answer.
	m = wsSend(t, c, []byte(`{"id":6,"method":"session.subscriptions"}`))
	if m["id"] != float64(6) || len(m["result"].([]any)) != 0 {
		t.Fatalf("after unsubscribe = %v", m)
	}
	if m := wsSend(t, c, []byte(`{"id":7,"method":"order.place","params":{}}`)); m["status"] != float64(400) {
		t.Errorf("unsupported method: %v", m)
	}
	var raw map[string]json.RawMessage
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{`)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.ReadMessage()
	if err != nil || json.Unmarshal(b, &raw) != nil || raw["error"] == nil {
		t.Errorf("bad JSON answer = %s (%v)", b, err)
	}
}

func TestMarketStreamsCarryNoUserData(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s, "/ws/btcusdt@trade")
	newClient(t, s).order("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01")
	_ = s.SetPrice("BTCUSDT", "60100")
	if m := next(t, c); m["e"] != "trade" || m["s"] != "BTCUSDT" {
		t.Fatalf("market stream got %v", m)
	}
}
