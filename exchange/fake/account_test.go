package fake

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func TestAccountAndRestrictions(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	var acct struct {
		CanTrade    bool `json:"canTrade"`
		CanWithdraw bool `json:"canWithdraw"`
		Balances    []struct{ Asset, Free, Locked string }
	}
	decode(t, c.signed(http.MethodGet, "/api/v3/account", nil).body, &acct)
	if !acct.CanTrade || acct.CanWithdraw || len(acct.Balances) != 3 || acct.Balances[0].Asset != "BNB" || acct.Balances[2].Free != "10000.00000000" {
		t.Errorf("account = %+v", acct)
	}
	if err := s.AddKey("withdrawer", "w-secret", Permissions{Reading: true, Trade: true, Withdraw: true, IPRestrict: true}, nil); err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, s)
	c2.key, c2.secret = "withdrawer", "w-secret"
	m := c2.signed(http.MethodGet, "/sapi/v1/account/apiRestrictions", nil).json(t)
	if m["enableWithdrawals"] != true || m["ipRestrict"] != true || m["enableSpotAndMarginTrading"] != true || m["enableReading"] != true {
		t.Errorf("apiRestrictions = %v", m)
	}
	testnet := start(t, Options{Testnet: true})
	if r := newClient(t, testnet).signed(http.MethodGet, "/sapi/v1/account/apiRestrictions", nil); r.status != http.StatusNotFound {
		t.Errorf("testnet apiRestrictions = %d, want 404", r.status)
	}
}

func TestCommissionRate(t *testing.T) {
	tests := []struct {
		rate, wantFee, wantRate string
		wantBps                 float64
	}{
		{"0.00075", "0.00000750", "0.00075000", 7},
		{"0", "0.00000000", "0.00000000", 0},
		{"", "0.00001000", "0.00100000", 10},
	}
	for _, tt := range tests {
		t.Run(tt.rate, func(t *testing.T) {
			s := start(t, Options{Commission: tt.rate})
			c := newClient(t, s)
			m := c.order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01").json(t)
			if fee := m["fills"].([]any)[0].(map[string]any)["commission"]; fee != tt.wantFee {
				t.Errorf("commission = %v, want %s", fee, tt.wantFee)
			}
			acct := c.signed(http.MethodGet, "/api/v3/account", nil).json(t)
			if acct["takerCommission"] != tt.wantBps || acct["commissionRates"].(map[string]any)["taker"] != tt.wantRate {
				t.Errorf("account commission = %v %v", acct["takerCommission"], acct["commissionRates"])
			}
		})
	}
	for _, bad := range []string{"-0.1", "1", "abc"} {
		if _, err := New(Options{Commission: bad}); err == nil {
			t.Errorf("commission %q accepted", bad)
		}
	}
}

func TestAllOrders(t *testing.T) {
	s := start(t, Options{})
	c := newClient(t, s)
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "LIMIT", "timeInForce", "GTC", "quantity", "0.01", "price", "50000", "newClientOrderId", "open")
	c.order("symbol", "BTCUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.001", "newClientOrderId", "filled")
	c.order("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newClientOrderId", "other-symbol")
	c.signed(http.MethodDelete, "/api/v3/order", values("symbol", "BTCUSDT", "origClientOrderId", "open"))
	ids := func(q url.Values) []string {
		var list []struct{ ClientOrderID, Status string }
		decode(t, c.signed(http.MethodGet, "/api/v3/allOrders", q).body, &list)
		var out []string
		for _, o := range list {
			out = append(out, o.ClientOrderID+":"+o.Status)
		}
		return out
	}
	if got := ids(values("symbol", "BTCUSDT")); len(got) != 2 || got[0] != "open:CANCELED" || got[1] != "filled:FILLED" {
		t.Errorf("allOrders = %v", got)
	}
	if got := ids(values("symbol", "BTCUSDT", "limit", "1")); len(got) != 1 || got[0] != "open:CANCELED" {
		t.Errorf("allOrders limit 1 = %v", got)
	}
	second := strconv.FormatInt(s.Orders(testKey)[1].ExchangeID, 10)
	if got := ids(values("symbol", "BTCUSDT", "orderId", second)); len(got) != 1 || got[0] != "filled:FILLED" {
		t.Errorf("allOrders from the second = %v", got)
	}
}
