package paper

import (
	"context"
	"fmt"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// FuzzPlaceOrder throws arbitrary order sizes and prices (as a user or a strategy might type
// them) at one account: whatever is accepted or refused, no balance goes negative and the
// locked balances are exactly what the open orders hold.
func FuzzPlaceOrder(f *testing.F) {
	for _, s := range [][3]string{
		{"0.01", "49000", "L"}, {"0.01", "51000", "M"}, {"1e-3", "5e4", "L"}, {"-1", "1", "L"},
		{"99999999999999999", "0.01", "M"}, {"0.00000001", "0.00000001", "L"}, {"abc", "1", "Q"},
		{"3", "60000", "S"}, {"100", "", "Q"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	r := newRig(f, map[string]decimal.Decimal{"USDT": d("10000"), "BTC": d("1")})
	r.tick("50000.00", "50000.10")
	n := 0
	f.Fuzz(func(t *testing.T, qty, price, kind string) {
		n++
		q, err1 := decimal.Parse(qty)
		p, err2 := decimal.Parse(price)
		if err1 != nil || err2 != nil {
			return // the engine never hands over text that is not a decimal
		}
		id := fmt.Sprint("f", n)
		var req exchange.OrderRequest
		switch kind {
		case "L":
			req = exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Quantity: q, Price: p}
		case "S":
			req = exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Limit, Quantity: q, Price: p}
		case "Q":
			req = exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, QuoteQty: q}
		default:
			req = exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.Market, Quantity: q}
		}
		r.acct.PlaceOrder(context.Background(), req)
		// Move the market so resting orders sometimes fill.
		if p.IsPos() {
			ask, _ := p.Add(decimal.MustNew(1, 2))
			r.acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: p, Ask: ask})
		}
		open, err := r.acct.OpenOrders(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		lockedUSDT, lockedBTC := decimal.Zero, decimal.Zero
		for _, o := range open {
			if o.Side == exchange.Buy {
				v, _ := o.Price.Mul(o.Quantity)
				lockedUSDT, _ = lockedUSDT.Add(v)
			} else {
				lockedBTC, _ = lockedBTC.Add(o.Quantity)
			}
		}
		bs, err := r.acct.Balances(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			want := lockedUSDT
			if b.Asset == "BTC" {
				want = lockedBTC
			}
			if b.Free.IsNeg() || !b.Locked.Equal(want) {
				t.Fatalf("after %+v: %s free %s locked %s, open orders hold %s", req, b.Asset, b.Free, b.Locked, want)
			}
		}
	})
}
