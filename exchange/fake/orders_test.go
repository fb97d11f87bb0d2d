package fake

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func TestOrderRejections(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	tests := []struct {
		name     string
		kv       []string
		wantCode int
		wantMsg  string
	}{
		{"price off tick", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "50000.005"}, -1013, "Filter failure: PRICE_FILTER"},
		{"qty off step", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.000015", "price", "50000"}, -1013, "Filter failure: LOT_SIZE"},
		{"qty below min", []string{"symbol", "ETHUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.00001", "price", "3000"}, -1013, "Filter failure: LOT_SIZE"},
		{"notional too small", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.00001", "price", "50000"}, -1013, "Filter failure: NOTIONAL"},
		{"legacy min notional", []string{"symbol", "BNBUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "600"}, -1013, "Filter failure: MIN_NOTIONAL"},
		{"market notional too small", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.00001"}, -1013, "Filter failure: NOTIONAL"},
		{"market lot size", []string{"symbol", "BTCUSDT", "side", "SELL", "type", "MARKET", "quantity", "121"}, -1013, "Filter failure: MARKET_LOT_SIZE"},
		{"too much precision", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.000000001", "price", "50000"}, -1111, "Parameter 'quantity' has too much precision."},
		{"illegal characters", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "1e-3", "price", "50000"}, -1100, ""},
		{"unknown symbol", []string{"symbol", "DOGEUSDT", "side", "BUY", "type", "MARKET", "quantity", "1"}, -1121, "Invalid symbol."},
		{"no time in force", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "quantity", "0.001", "price", "50000"}, -1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."},
		{"bad side", []string{"symbol", "BTCUSDT", "side", "HOLD", "type", "MARKET", "quantity", "0.001"}, -1117, "Invalid side."},
		{"bad type", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "STOP", "quantity", "0.001"}, -1116, "Invalid orderType."},
		{"market with price", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "price", "1"}, -1106, "Parameter 'price' sent when not required."},
		{"market with both quantities", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "quoteOrderQty", "10"}, -1106, ""},
		{"market with neither quantity", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET"}, -1102, ""},
		{"market with time in force", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "timeInForce", "GTC"}, -1114, ""},
		{"bad client id", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "newClientOrderId", "has space"}, -1100, ""},
		{"insufficient quote", []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "1"}, -2010, "Account has insufficient balance for requested action."},
		{"insufficient base", []string{"symbol", "ETHUSDT", "side", "SELL", "type", "LIMIT", "timeInForce", "GTC", "quantity", "1", "price", "3000"}, -2010, "Account has insufficient balance for requested action."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.order(tt.kv...)
			if r.status != http.StatusBadRequest || r.code() != tt.wantCode {
				t.Fatalf("got %d %s, want 400 code %d", r.status, r.body, tt.wantCode)
			}
			if tt.wantMsg != "" && r.json(t)["msg"] != tt.wantMsg {
				t.Errorf("msg = %v, want %q", r.json(t)["msg"], tt.wantMsg)
			}
		})
	}
	if n := len(s.Orders(testKey)); n != 0 {
		t.Errorf("%d orders exist after only rejections", n)
	}
	if free, locked := balanceOf(s, "USDT"); free != "10000" || locked != "0" {
		t.Errorf("USDT = %s/%s after rejections, want 10000/0", free, locked)
	}
}

func TestMarketOrders(t *testing.T) {
	tests := []struct {
		name                  string
		kv                    []string
		wantPrice, wantQty    string
		wantFee, wantFeeAsset string
		wantBalances          map[string]string // asset -> free
	}{
		{
			name:      "buy fills at the ask, fee in base",
			kv:        []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "mkt-buy"},
			wantPrice: "60000.01000000", wantQty: "0.01000000", wantFee: "0.00001000", wantFeeAsset: "BTC",
			// 10000 - 600.0001 ; 1 + 0.01 - 0.00001
			wantBalances: map[string]string{"USDT": "9399.9999", "BTC": "1.00999"},
		},
		{
			name:      "sell fills at the bid, fee in quote",
			kv:        []string{"symbol", "BTCUSDT", "side", "SELL", "type", "MARKET", "quantity", "0.1"},
			wantPrice: "59999.99000000", wantQty: "0.10000000", wantFee: "5.99999900", wantFeeAsset: "USDT",
			// 10000 + 5999.999 - 5.999999 ; 1 - 0.1
			wantBalances: map[string]string{"USDT": "15993.999001", "BTC": "0.9"},
		},
		{
			name:      "quote quantity buys what the amount affords, rounded down to the step",
			kv:        []string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "100"},
			wantPrice: "60000.01000000", wantQty: "0.00166000", wantFee: "0.00000166", wantFeeAsset: "BTC",
			// 0.00166 * 60000.01 = 99.6000166
			wantBalances: map[string]string{"USDT": "9900.3999834", "BTC": "1.00165834"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			c := newClient(t, s)
			r := c.order(tt.kv...)
			if r.status != 200 {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			m := r.json(t)
			if m["status"] != "FILLED" || m["executedQty"] != tt.wantQty || m["type"] != "MARKET" {
				t.Errorf("answer = %s", r.body)
			}
			fills, _ := m["fills"].([]any)
			if len(fills) != 1 {
				t.Fatalf("fills = %v, want one", m["fills"])
			}
			f := fills[0].(map[string]any)
			if f["price"] != tt.wantPrice || f["qty"] != tt.wantQty || f["commission"] != tt.wantFee || f["commissionAsset"] != tt.wantFeeAsset {
				t.Errorf("fill = %v, want %s @ %s fee %s %s", f, tt.wantQty, tt.wantPrice, tt.wantFee, tt.wantFeeAsset)
			}
			for asset, want := range tt.wantBalances {
				if free, locked := balanceOf(s, asset); free != want || locked != "0" {
					t.Errorf("%s = %s/%s, want %s/0", asset, free, locked, want)
				}
			}
		})
	}
}

func TestLimitOrderLifecycle(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	r := c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "59000", "newClientOrderId", "grid-1")
	if r.status != 200 || r.json(t)["status"] != "NEW" {
		t.Fatalf("placing: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["orderId"].(float64))
	if free, locked := balanceOf(s, "USDT"); free != "9410" || locked != "590" {
		t.Fatalf("USDT after placing = %s/%s, want 9410/590", free, locked)
	}
	open := c.signed(http.MethodGet, "/api/v3/openOrders", values("symbol", "BTCUSDT"))
	if string(open.body) == "[]" || open.status != 200 {
		t.Fatalf("openOrders = %d %s", open.status, open.body)
	}
	// A price above the order does not fill it; one that brings the ask to 59000 does.
	if err := s.SetPrice("BTCUSDT", "59500"); err != nil {
		t.Fatal(err)
	}
	if got := c.signed(http.MethodGet, "/api/v3/order", values("symbol", "BTCUSDT", "origClientOrderId", "grid-1")).json(t)["status"]; got != "NEW" {
		t.Fatalf("status after 59500 = %v, want NEW", got)
	}
	if err := s.SetPrice("BTCUSDT", "58999.99"); err != nil {
		t.Fatal(err)
	}
	got := c.signed(http.MethodGet, "/api/v3/order", values("symbol", "BTCUSDT", "orderId", strconv.FormatInt(id, 10))).json(t)
	if got["status"] != "FILLED" || got["executedQty"] != "0.01000000" || got["cummulativeQuoteQty"] != "590.00000000" {
		t.Fatalf("order after crossing = %v", got)
	}
	if free, locked := balanceOf(s, "USDT"); free != "9410" || locked != "0" {
		t.Errorf("USDT after fill = %s/%s, want 9410/0", free, locked)
	}
	if free, _ := balanceOf(s, "BTC"); free != "1.00999" {
		t.Errorf("BTC after fill = %s, want 1.00999", free)
	}
	trades := c.signed(http.MethodGet, "/api/v3/myTrades", values("symbol", "BTCUSDT", "orderId", strconv.FormatInt(id, 10)))
	var list []map[string]any
	decode(t, trades.body, &list)
	if len(list) != 1 || list[0]["price"] != "59000.00000000" || list[0]["isMaker"] != true || list[0]["isBuyer"] != true || list[0]["commission"] != "0.00001000" {
		t.Errorf("myTrades = %s", trades.body)
	}
	orders := s.Orders(testKey)
	if len(orders) != 1 || len(orders[0].Fills) != 1 || orders[0].ClientID != "grid-1" || orders[0].Fills[0].TradeID != int64(list[0]["id"].(float64)) {
		t.Errorf("Orders() = %+v", orders)
	}
}

func TestMarketableLimitFillsAtTheBookAndReleasesTheRest(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	r := c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "61000")
	m := r.json(t)
	if m["status"] != "FILLED" || m["cummulativeQuoteQty"] != "600.00010000" {
		t.Fatalf("answer = %s", r.body)
	}
	if free, locked := balanceOf(s, "USDT"); free != "9399.9999" || locked != "0" {
		t.Errorf("USDT = %s/%s, want 9399.9999/0", free, locked)
	}
}

func TestTimeInForce(t *testing.T) {
	tests := []struct {
		tif, price, want string
	}{
		{"IOC", "59000", "EXPIRED"},
		{"FOK", "59000", "EXPIRED"},
		{"IOC", "60001", "FILLED"},
		{"FOK", "60001", "FILLED"},
		{"GTC", "59000", "NEW"},
	}
	for _, tt := range tests {
		t.Run(tt.tif+"@"+tt.price, func(t *testing.T) {
			s := start(t, Options{})
			c := newClient(t, s)
			r := c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", tt.tif, "quantity", "0.01", "price", tt.price)
			if got := r.json(t)["status"]; got != tt.want {
				t.Fatalf("status = %v, want %s (%s)", got, tt.want, r.body)
			}
			if tt.want == "EXPIRED" {
				if free, locked := balanceOf(s, "USDT"); free != "10000" || locked != "0" {
					t.Errorf("USDT = %s/%s, want everything released", free, locked)
				}
			}
		})
	}
}

func TestDuplicateClientOrderID(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	limit := []string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "50000", "newClientOrderId", "dup-1"}
	if r := c.order(limit...); r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	r := c.order(limit...)
	if r.code() != -2010 || r.json(t)["msg"] != "Duplicate order sent." {
		t.Fatalf("second: %d %s, want -2010 Duplicate order sent.", r.status, r.body)
	}
	// Once the first is final the id may be used again, as on Binance.
	if r := c.signed(http.MethodDelete, "/api/v3/order", values("symbol", "BTCUSDT", "origClientOrderId", "dup-1")); r.status != 200 || r.json(t)["status"] != "CANCELED" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := c.order(limit...); r.status != 200 {
		t.Fatalf("after cancel: %d %s", r.status, r.body)
	}
	want := []string{"dup-1", "dup-1", "dup-1"}
	if got := s.NewOrderIDs(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("NewOrderIDs = %v, want %v", got, want)
	}
}

func TestLookupAndCancel(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000", "newClientOrderId", "keep")
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "newClientOrderId", "done")
	tests := []struct {
		name       string
		method     string
		params     url.Values
		wantStatus int
		wantCode   int
	}{
		{"get unknown client id", "GET", values("symbol", "BTCUSDT", "origClientOrderId", "never-sent"), 400, -2013},
		{"get unknown order id", "GET", values("symbol", "BTCUSDT", "orderId", "999999"), 400, -2013},
		{"get on the wrong symbol", "GET", values("symbol", "ETHUSDT", "origClientOrderId", "keep"), 400, -2013},
		{"get without an id", "GET", values("symbol", "BTCUSDT"), 400, -1102},
		{"cancel unknown", "DELETE", values("symbol", "BTCUSDT", "origClientOrderId", "never-sent"), 400, -2011},
		{"cancel a filled order", "DELETE", values("symbol", "BTCUSDT", "origClientOrderId", "done"), 400, -2011},
		{"get filled", "GET", values("symbol", "BTCUSDT", "origClientOrderId", "done"), 200, 0},
		{"cancel open", "DELETE", values("symbol", "BTCUSDT", "origClientOrderId", "keep"), 200, 0},
		{"cancel twice", "DELETE", values("symbol", "BTCUSDT", "origClientOrderId", "keep"), 400, -2011},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.signed(tt.method, "/api/v3/order", tt.params)
			if r.status != tt.wantStatus || r.code() != tt.wantCode {
				t.Fatalf("got %d %s, want %d code %d", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
		})
	}
	if free, locked := balanceOf(s, "USDT"); locked != "0" || free != "9939.99999" {
		t.Errorf("USDT after cancel = %s/%s, want 9939.99999/0", free, locked)
	}
}

func TestResponseTypes(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	tests := []struct {
		respType  string
		wantKeys  []string
		wantNoKey []string
	}{
		{"ACK", []string{"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}, []string{"status", "fills"}},
		{"RESULT", []string{"status", "executedQty", "cummulativeQuoteQty", "workingTime"}, []string{"fills"}},
		{"FULL", []string{"status", "fills"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.respType, func(t *testing.T) {
			m := c.order("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newOrderRespType", tt.respType).json(t)
			for _, k := range tt.wantKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("%s answer lacks %q: %v", tt.respType, k, m)
				}
			}
			for _, k := range tt.wantNoKey {
				if _, ok := m[k]; ok {
					t.Errorf("%s answer has %q: %v", tt.respType, k, m)
				}
			}
		})
	}
}

func TestPartialFills(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "59000", "newClientOrderId", "part")
	s.PartialFillNext(1)
	if err := s.SetPrice("BTCUSDT", "58900"); err != nil {
		t.Fatal(err)
	}
	get := func() map[string]any {
		return c.signed(http.MethodGet, "/api/v3/order", values("symbol", "BTCUSDT", "origClientOrderId", "part")).json(t)
	}
	if m := get(); m["status"] != "PARTIALLY_FILLED" || m["executedQty"] != "0.00500000" {
		t.Fatalf("after one partial fill: %v", m)
	}
	if free, locked := balanceOf(s, "USDT"); free != "9410" || locked != "295" {
		t.Errorf("USDT = %s/%s, want 9410/295", free, locked)
	}
	if err := s.SetPrice("BTCUSDT", "58800"); err != nil {
		t.Fatal(err)
	}
	if m := get(); m["status"] != "FILLED" || m["executedQty"] != "0.01000000" {
		t.Fatalf("after the second fill: %v", m)
	}
	if o := s.Orders(testKey)[0]; len(o.Fills) != 2 || o.Fills[0].TradeID == o.Fills[1].TradeID {
		t.Errorf("fills = %+v, want two with distinct trade ids", o.Fills)
	}
}

func TestCancelAllOnSymbol(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000", "newClientOrderId", "a")
	c.order("symbol", "BTCUSDT", "side", "SELL", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "70000", "newClientOrderId", "b")
	c.order("symbol", "BNBUSDT", "side", "SELL", "type", "LIMIT", "timeInForce", "GTC", "quantity", "1", "price", "700", "newClientOrderId", "c")
	r := c.signed(http.MethodDelete, "/api/v3/openOrders", values("symbol", "BTCUSDT"))
	var list []map[string]any
	decode(t, r.body, &list)
	if r.status != 200 || len(list) != 2 || list[0]["origClientOrderId"] != "a" || list[1]["status"] != "CANCELED" {
		t.Fatalf("cancel all: %d %s", r.status, r.body)
	}
	if free, locked := balanceOf(s, "USDT"); free != "10000" || locked != "0" {
		t.Errorf("USDT = %s/%s, want 10000/0", free, locked)
	}
	if free, locked := balanceOf(s, "BNB"); free != "9" || locked != "1" {
		t.Errorf("BNB = %s/%s, want the other symbol's order untouched", free, locked)
	}
	if r := c.signed(http.MethodDelete, "/api/v3/openOrders", values("symbol", "BTCUSDT")); r.code() != -2011 {
		t.Errorf("nothing left to cancel: %d %s, want -2011", r.status, r.body)
	}
}

func TestLastPriceAfterCrossingARestingOrder(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "59000")
	if err := s.SetPrice("BTCUSDT", "58000"); err != nil {
		t.Fatal(err)
	}
	if m := c.public("/api/v3/ticker/price", url.Values{"symbol": {"BTCUSDT"}}).json(t); m["price"] != "58000.00000000" {
		t.Errorf("last price = %v, want 58000 (the fill at 59000 happened on the way down)", m["price"])
	}
}

func TestHaltedSymbol(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	if err := s.SetStatus("ETHUSDT", "BREAK"); err != nil {
		t.Fatal(err)
	}
	buy := []string{"symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01"}
	if r := c.order(buy...); r.code() != -2010 || r.json(t)["msg"] != "Market is closed." {
		t.Fatalf("order on a halted symbol: %d %s", r.status, r.body)
	}
	var info struct{ Symbols []struct{ Status string } }
	decode(t, c.public("/api/v3/exchangeInfo", url.Values{"symbol": {"ETHUSDT"}}).body, &info)
	if info.Symbols[0].Status != "BREAK" {
		t.Errorf("exchangeInfo status = %q, want BREAK", info.Symbols[0].Status)
	}
	if err := s.SetStatus("ETHUSDT", "TRADING"); err != nil {
		t.Fatal(err)
	}
	if r := c.order(buy...); r.status != 200 {
		t.Fatalf("after resuming: %d %s", r.status, r.body)
	}
	if err := s.SetStatus("NOPE", "BREAK"); err == nil {
		t.Error("SetStatus on an unknown symbol succeeded")
	}
}

func TestTestOrderValidatesWithoutPlacing(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	tests := []struct {
		kv       []string
		wantCode int
	}{
		{[]string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000"}, 0},
		{[]string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quoteOrderQty", "1"}, -1013},
		{[]string{"symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "5"}, 0}, // unaffordable: balances are not checked
		{[]string{"symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000.001"}, -1013},
	}
	for _, tt := range tests {
		r := c.signed(http.MethodPost, "/api/v3/order/test", values(tt.kv...))
		if r.code() != tt.wantCode || (tt.wantCode == 0 && string(r.body) != "{}") {
			t.Errorf("%v: %d %s, want code %d", tt.kv, r.status, r.body, tt.wantCode)
		}
	}
	if n := len(s.Orders(testKey)); n != 0 || len(s.NewOrderIDs()) != 0 {
		t.Errorf("test orders placed %d orders and recorded %v", n, s.NewOrderIDs())
	}
}

// TestConcurrentDuplicateClientIDs: of many simultaneous orders with one client id, exactly
// one is accepted while it is open.
func TestConcurrentDuplicateClientIDs(t *testing.T) {
	s := start(t, Options{})
	const n = 8
	results := make(chan int, n)
	for i := 0; i < n; i++ {
		go func() {
			c := newClient(t, s)
			r, err := c.trySigned(http.MethodPost, "/api/v3/order", values("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.001", "price", "50000", "newClientOrderId", "same"))
			if err != nil {
				results <- -1
				return
			}
			results <- r.code()
		}()
	}
	accepted, dup := 0, 0
	for i := 0; i < n; i++ {
		switch <-results {
		case 0:
			accepted++
		case -2010:
			dup++
		}
	}
	if accepted != 1 || dup != n-1 {
		t.Fatalf("accepted %d, duplicates %d; want 1 and %d", accepted, dup, n-1)
	}
	if ids := s.NewOrderIDs(); len(ids) != n {
		t.Errorf("recorded %d new-order ids, want %d", len(ids), n)
	}
}

func TestTradeIDsDifferAcrossSymbols(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	seen := map[int64]string{}
	for _, sym := range []string{"BTCUSDT", "ETHUSDT", "BTCUSDT", "SOLUSDT", "ETHUSDT"} {
		c.order("symbol", sym, "side", "BUY", "type", "MARKET", "quoteOrderQty", "20")
	}
	for _, o := range s.Orders(testKey) {
		for _, f := range o.Fills {
			if prev, dup := seen[f.TradeID]; dup {
				t.Fatalf("trade id %d used by %s and %s", f.TradeID, prev, f.Symbol)
			}
			seen[f.TradeID] = f.Symbol
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct trade ids, want 5", len(seen))
	}
}
