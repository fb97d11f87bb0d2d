package binance

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

const exchangeInfoJSON = `{"timezone":"UTC","serverTime":1764370000000,
"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100}],
"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[
{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
{"filterType":"ICEBERG_PARTS","limit":10},
{"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000","maxQty":"83.47960000","stepSize":"0.00000000"},
{"filterType":"TRAILING_DELTA","minTrailingAboveDelta":10,"maxTrailingAboveDelta":2000},
{"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2","askMultiplierUp":"5","askMultiplierDown":"0.2","avgPriceMins":5},
{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5},
{"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}]}]}`

const legacyInfoJSON = `{"rateLimits":[],"symbols":[{"symbol":"LTCBTC","status":"TRADING","baseAsset":"LTC","quoteAsset":"BTC","filters":[
{"filterType":"PRICE_FILTER","minPrice":"0.00000100","maxPrice":"100000.00000000","tickSize":"0.00000100"},
{"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"100000.00000000","stepSize":"0.00100000"},
{"filterType":"MIN_NOTIONAL","minNotional":"0.00010000","applyToMarket":true,"avgPriceMins":5}]}]}`

func limitBuy(id, price, qty string) exchange.OrderRequest {
	return exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: decimal.MustParse(price), Quantity: decimal.MustParse(qty)}
}

func TestRulesFromExchangeInfo(t *testing.T) {
	tests := []struct {
		name, symbol, body string
		check              func(t *testing.T, r exchange.Rules)
	}{
		{"modern filters", "BTCUSDT", exchangeInfoJSON, func(t *testing.T, r exchange.Rules) {
			if r.Base != "BTC" || r.Quote != "USDT" || r.Status != "TRADING" {
				t.Fatalf("identity = %+v", r)
			}
			eq(t, "tick", r.TickSize, "0.01")
			eq(t, "step", r.StepSize, "0.00001")
			eq(t, "minQty", r.MinQty, "0.00001")
			eq(t, "market max", r.MarketMaxQty, "83.4796")
			eq(t, "minNotional", r.MinNotional, "5")
			eq(t, "maxNotional", r.MaxNotional, "9000000")
			if !r.ApplyMinToMarket || r.ApplyMaxToMarket {
				t.Fatalf("apply flags = %v %v", r.ApplyMinToMarket, r.ApplyMaxToMarket)
			}
		}},
		{"legacy MIN_NOTIONAL", "LTCBTC", legacyInfoJSON, func(t *testing.T, r exchange.Rules) {
			eq(t, "minNotional", r.MinNotional, "0.0001")
			if !r.ApplyMinToMarket {
				t.Fatal("applyToMarket not carried over")
			}
			if !r.MaxNotional.IsZero() {
				t.Fatal("max notional should be unset")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			c := rs.client(t)
			r, err := c.Rules(context.Background(), tt.symbol)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
			if _, err := c.Rules(context.Background(), tt.symbol); err != nil {
				t.Fatal(err)
			}
			if n := len(rs.requests("/api/v3/exchangeInfo")); n != 1 {
				t.Fatalf("%d exchangeInfo requests, want 1 (cached)", n)
			}
		})
	}
}

func eq(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if got.Cmp(decimal.MustParse(want)) != 0 {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func TestPlaceOrderSendsNormalizedParameters(t *testing.T) {
	tests := []struct {
		name string
		req  exchange.OrderRequest
		want map[string]string
	}{
		{"limit buy rounds price down and quantity to the step", limitBuy("qd-a", "64000.129", "0.0012345"),
			map[string]string{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "64000.12", "quantity": "0.00123", "newClientOrderId": "qd-a", "newOrderRespType": "FULL"}},
		{"limit sell rounds price up", exchange.OrderRequest{ClientID: "qd-b", Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Limit, Price: decimal.MustParse("64000.121"), Quantity: decimal.MustParse("0.01"), TimeInForce: exchange.IOC},
			map[string]string{"side": "SELL", "price": "64000.13", "quantity": "0.01", "timeInForce": "IOC"}},
		{"market by quote amount", exchange.OrderRequest{ClientID: "qd-c", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, QuoteQty: decimal.MustParse("25.50")},
			map[string]string{"type": "MARKET", "quoteOrderQty": "25.5", "quantity": "", "price": "", "timeInForce": ""}},
		{"market by quantity", exchange.OrderRequest{ClientID: "qd-d", Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Market, Quantity: decimal.MustParse("0.5")},
			map[string]string{"type": "MARKET", "quantity": "0.5", "quoteOrderQty": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, exchangeInfoJSON) })
			rs.handle("GET /api/v3/ticker/price", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"symbol":"BTCUSDT","price":"64000.00000000"}`)
			})
			rs.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"symbol":"BTCUSDT","orderId":7,"clientOrderId":"`+r.FormValue("newClientOrderId")+`","transactTime":1764370000000,"price":"0","origQty":"0.5","executedQty":"0.5","cummulativeQuoteQty":"32000","status":"FILLED","type":"MARKET","side":"SELL","fills":[{"price":"64000","qty":"0.5","commission":"0.032","commissionAsset":"USDT","tradeId":99}]}`)
			})
			c := rs.client(t)
			o, err := c.PlaceOrder(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if o.ClientID != tt.req.ClientID {
				t.Fatalf("client id = %q", o.ClientID)
			}
			reqs := rs.requests("/api/v3/order")
			if len(reqs) != 1 || !reqs[0].SigOK {
				t.Fatalf("want one signed placement, got %+v", reqs)
			}
			for k, v := range tt.want {
				if got := reqs[0].Query.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if len(o.Fills) != 1 || o.Fills[0].TradeID != 99 || o.Fills[0].FeeAsset != "USDT" || o.Fills[0].ClientID != tt.req.ClientID {
				t.Fatalf("fills = %+v", o.Fills)
			}
		})
	}
}

func TestPlaceOrderRefusesBeforeSending(t *testing.T) {
	tests := []struct {
		name string
		req  exchange.OrderRequest
		want error
	}{
		{"empty client id", limitBuy("", "64000", "0.001"), exchange.ErrRejected},
		{"client id too long", limitBuy("qd-0123456789012345678901234567890123", "64000", "0.001"), exchange.ErrRejected},
		{"client id with a space", limitBuy("qd 1", "64000", "0.001"), exchange.ErrRejected},
		{"below min notional", limitBuy("qd-1", "64000", "0.00005"), exchange.ErrFilter},
		{"quantity rounds to zero", limitBuy("qd-1", "64000", "0.000001"), exchange.ErrFilter},
		{"market quote below min notional", exchange.OrderRequest{ClientID: "qd-2", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, QuoteQty: decimal.MustParse("1")}, exchange.ErrFilter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, exchangeInfoJSON) })
			c := rs.client(t)
			_, err := c.PlaceOrder(context.Background(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if n := len(rs.requests("/api/v3/order")); n != 0 {
				t.Fatalf("%d orders sent, want 0", n)
			}
		})
	}
}

func TestPlaceOrderRulesFailureIsNeverAmbiguous(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /api/v3/exchangeInfo", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 503, `{}`) })
	c := rs.client(t)
	_, err := c.PlaceOrder(context.Background(), limitBuy("qd-1", "64000", "0.001"))
	if errors.Is(err, exchange.ErrAmbiguous) || !errors.Is(err, exchange.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable and not ErrAmbiguous (nothing was sent)", err)
	}
}

func TestCancelOpenOrdersBalancesFills(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("DELETE /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"symbol":"BTCUSDT","origClientOrderId":"`+r.URL.Query().Get("origClientOrderId")+`","orderId":42,"clientOrderId":"cancel-xyz","transactTime":1764370000500,"price":"64000.00","origQty":"0.001","executedQty":"0","cummulativeQuoteQty":"0","status":"CANCELED","type":"LIMIT","side":"BUY"}`)
	})
	rs.handle("GET /api/v3/openOrders", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[`+orderJSON+`,`+orderJSON+`]`)
	})
	rs.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"canTrade":true,"balances":[{"asset":"BTC","free":"0.5","locked":"0.001"},{"asset":"ETH","free":"0.00000000","locked":"0.00000000"},{"asset":"USDT","free":"1000.5","locked":"0"}]}`)
	})
	rs.handle("GET /api/v3/order", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, orderJSON) })
	rs.handle("GET /api/v3/myTrades", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[{"symbol":"BTCUSDT","id":1001,"orderId":42,"price":"64000","qty":"0.0004","quoteQty":"25.6","commission":"0.0000004","commissionAsset":"BTC","time":1764370000100,"isBuyer":true,"isMaker":true},
{"symbol":"BTCUSDT","id":1002,"orderId":42,"price":"64000","qty":"0.0006","quoteQty":"38.4","commission":"0.0000006","commissionAsset":"BTC","time":1764370000200,"isBuyer":true,"isMaker":false}]`)
	})
	c := rs.client(t)
	ctx := context.Background()

	o, err := c.CancelOrder(ctx, "BTCUSDT", "qd-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.ClientID != "qd-1" || o.Status != exchange.StatusCanceled || !o.Status.Final() {
		t.Fatalf("cancel = %+v (the cancel's own id must not replace the order's)", o)
	}
	open, err := c.OpenOrders(ctx, "")
	if err != nil || len(open) != 2 {
		t.Fatalf("open orders = %v, %v", open, err)
	}
	if q := rs.requests("/api/v3/openOrders")[0].Query; q.Has("symbol") {
		t.Fatal("all-symbol listing must not send a symbol")
	}
	if _, err := c.OpenOrders(ctx, "btcusdt"); err != nil {
		t.Fatal(err)
	}
	bals, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bals) != 2 || bals[0].Asset != "BTC" || bals[1].Asset != "USDT" {
		t.Fatalf("balances = %+v (zero balances must be left out)", bals)
	}
	eq(t, "BTC locked", bals[0].Locked, "0.001")
	fills, err := c.OrderFills(ctx, "BTCUSDT", "qd-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(fills) != 2 || fills[0].TradeID != 1001 || fills[1].Side != exchange.Buy || fills[1].ClientID != "qd-1" {
		t.Fatalf("fills = %+v", fills)
	}
	if got := rs.requests("/api/v3/myTrades")[0].Query.Get("orderId"); got != "42" {
		t.Fatalf("myTrades orderId = %q, want 42", got)
	}
	for _, r := range rs.requests("") {
		if r.Path != "/api/v3/time" && !r.SigOK {
			t.Fatalf("%s %s not signed correctly", r.Method, r.Path)
		}
	}
}
