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

// Following an order's fills as they happen: StartOrderUpdates subscribes to the account's user
// data stream and pushes every change, each with the trade that caused it. The fake exchange
// serves REST, market streams and the WebSocket API on one port, so the endpoint is derived
// from WSURL; against Binance it is the network's own or Config.WSAPIURL.
func ExampleClient_StartOrderUpdates() {
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.StartOrderUpdates(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for ev := range s.StreamEvents() {
		if ev.State == exchange.StreamLive {
			break
		}
	}
	if _, err := s.PlaceOrder(ctx, exchange.OrderRequest{
		ClientID: "qd-example-2", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: decimal.MustParse("59000"), Quantity: decimal.MustParse("0.01"),
	}); err != nil {
		log.Fatal(err)
	}
	if err := srv.SetPrice("BTCUSDT", "58900"); err != nil { // the market falls through the bid
		log.Fatal(err)
	}
	// An execution report carries the trade in o.Fills; after a reconnect the stream looks its
	// open orders up instead, and such an update has the status and quantity but no trade.
	for o := range s.OrderUpdates() {
		if o.Status.Final() {
			fmt.Println(o.ClientID, o.Status, o.ExecutedQty.Trim(0))
			break
		}
	}
	// Output:
	// qd-example-2 FILLED 0.01
}
