package paper

import (
	"context"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

// Which ticks fill a resting buy at 49000 and a resting sell at 51000.
func TestCrossingRules(t *testing.T) {
	for _, tc := range []struct {
		name               string
		tick               exchange.Tick
		buyFills, sellFill bool
	}{
		{"inside the spread", exchange.Tick{Bid: d("49000.01"), Ask: d("50999.99")}, false, false},
		{"ask equal to the buy", exchange.Tick{Bid: d("48999.99"), Ask: d("49000")}, true, false},
		{"bid equal to the sell", exchange.Tick{Bid: d("51000"), Ask: d("51000.01")}, false, true},
		{"ask one tick above the buy", exchange.Tick{Bid: d("48999"), Ask: d("49000.01")}, false, false},
		{"last only, below the buy", exchange.Tick{Last: d("48000")}, true, false},
		{"last only, above the sell", exchange.Tick{Last: d("52000")}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, start)
			r.mustPlace(limit("buy", exchange.Buy, "0.01", "49000"))
			r.mustPlace(limit("sell", exchange.Sell, "0.01", "51000"))
			tk := tc.tick
			tk.Symbol = "BTCUSDT"
			r.acct.OnTick(tk)
			for id, want := range map[string]bool{"buy": tc.buyFills, "sell": tc.sellFill} {
				o, err := r.acct.GetOrder(context.Background(), "BTCUSDT", id)
				if err != nil {
					t.Fatal(err)
				}
				if got := o.Status == exchange.StatusFilled; got != want {
					t.Errorf("%s: status %s, want filled %v", id, o.Status, want)
				}
			}
		})
	}
}

// A tick for another symbol leaves the book alone; one without a book keeps the last one.
func TestTicksMergePerSymbol(t *testing.T) {
	r := newRig(t, start)
	r.mustPlace(limit("buy", exchange.Buy, "0.01", "49000"))
	r.acct.OnTick(exchange.Tick{Symbol: "ETHUSDT", Bid: d("100"), Ask: d("100.01")})
	if open, _ := r.acct.OpenOrders(context.Background(), "BTCUSDT"); len(open) != 1 {
		t.Fatal("an ETHUSDT tick filled a BTCUSDT order")
	}
	r.tick("50000", "50000.1")
	r.acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Last: d("50010")}) // book unchanged
	o := r.mustPlace(market("m", exchange.Buy, "0.01"))
	if !o.Fills[0].Price.Equal(d("50000.1")) {
		t.Fatalf("market buy at %s, want the last known ask 50000.1", o.Fills[0].Price)
	}
	if open, _ := r.acct.OpenOrders(context.Background(), "ETHUSDT"); len(open) != 0 {
		t.Fatalf("ETHUSDT open orders %+v", open)
	}
}
