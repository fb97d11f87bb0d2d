package fake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/exchange/fake"
)

// A test starts the fake, registers a key, and talks to it as it would to Binance.
func Example() {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.AddKey("key", "secret", fake.TradeOnly(), map[string]string{"USDT": "1000"}); err != nil {
		panic(err)
	}

	q := url.Values{
		"symbol": {"ETHUSDT"}, "side": {"BUY"}, "type": {"LIMIT"}, "timeInForce": {"GTC"},
		"quantity": {"0.1"}, "price": {"2900"}, "newClientOrderId": {"example-1"},
		"timestamp": {strconv.FormatInt(time.Now().UnixMilli(), 10)},
	}
	body := q.Encode() + "&signature=" + fake.Sign("secret", q.Encode())
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v3/order", strings.NewReader(body))
	req.Header.Set("X-MBX-APIKEY", "key")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var placed struct{ Status string }
	_ = json.NewDecoder(resp.Body).Decode(&placed)
	resp.Body.Close()
	fmt.Println("placed:", placed.Status)

	// Moving the price through the order fills it at its limit price.
	_ = srv.SetPrice("ETHUSDT", "2850")
	o := srv.Orders("key")[0]
	fmt.Println("now:", o.Status, o.ExecutedQty, "fee", o.Fills[0].Fee, o.Fills[0].FeeAsset)
	fmt.Println("USDT:", srv.Balances("key")["USDT"].Free)
	// Output:
	// placed: NEW
	// now: FILLED 0.1 fee 0.0001 ETH
	// USDT: 710.0
}
