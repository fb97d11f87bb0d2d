package binance_test

import (
	"context"
	"fmt"
	"log"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// keyPair lends a fixed key; QuantDeck's vault decrypts one per call instead.
type keyPair struct{ key, secret string }

func (k keyPair) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	return fn([]byte(k.key), []byte(k.secret))
}

// Placing a limit order through the adapter, here against the local fake exchange. The price and
// quantity are rounded to the symbol's tick and step sizes before they are sent.
func Example() {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.AddKey("demo-key", "demo-secret", fake.TradeOnly(), map[string]string{"USDT": "1000"}); err != nil {
		log.Fatal(err)
	}
	c, err := binance.New(binance.Config{
		Name:    binance.Testnet,
		RESTURL: srv.URL(),
		WSURL:   srv.WSURL(),
		Creds:   keyPair{"demo-key", "demo-secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	o, err := c.PlaceOrder(context.Background(), exchange.OrderRequest{
		ClientID: "qd-example-1",
		Symbol:   "BTCUSDT",
		Side:     exchange.Buy,
		Type:     exchange.Limit,
		Price:    decimal.MustParse("59000.019"),
		Quantity: decimal.MustParse("0.0012345"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.ClientID, o.Status, o.Price.Trim(0), o.Quantity.Trim(0))
	// Output: qd-example-1 NEW 59000.01 0.00123
}
