package paper

import (
	"context"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// Crossed orders fill only as far as the tick's volume goes, oldest first; a partly filled
// order stays on the book holding what it still needs, and fills the rest later. The saved
// and the memory account agree.
func TestOnTickVolumeFillsPartially(t *testing.T) {
	start := map[string]decimal.Decimal{"USDT": d("1000"), "BTC": d("1")}
	saved := newRig(t, start).acct
	mem, err := NewMemory(Options{Rules: sim.New(sim.Options{}), StartingBalances: start, Clock: newClock()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, a := range map[string]*Account{"saved": saved, "memory": mem} {
		t.Run(name, func(t *testing.T) {
			a.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d("100"), Ask: d("100.5"), Last: d("100")})
			for _, req := range []exchange.OrderRequest{limit("b1", exchange.Buy, "0.5", "99"), limit("b2", exchange.Buy, "0.3", "98")} {
				if _, err := a.PlaceOrder(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			// 0.6 traded at 97: b1 (older) fills whole, b2 gets 0.1.
			a.OnTickVolume(exchange.Tick{Symbol: "BTCUSDT", Bid: d("97"), Ask: d("97"), Last: d("97")}, d("0.6"))
			b1, _ := a.GetOrder(ctx, "BTCUSDT", "b1")
			b2, _ := a.GetOrder(ctx, "BTCUSDT", "b2")
			if b1.Status != exchange.StatusFilled || b2.Status != exchange.StatusPartiallyFilled || !b2.ExecutedQty.Equal(d("0.1")) {
				t.Fatalf("b1 %s %s, b2 %s %s", b1.Status, b1.ExecutedQty, b2.Status, b2.ExecutedQty)
			}
			bal := balances(t, a)
			// Spent 49.5 + 9.8; b2 still holds 0.2 x 98 = 19.6. BTC: 1 + 0.6 less 0.1 % fees.
			if bal["USDT"] != [2]string{"921.1", "19.6"} || bal["BTC"] != [2]string{"1.5994", "0"} {
				t.Fatalf("balances %v", bal)
			}
			a.OnTickVolume(exchange.Tick{Symbol: "BTCUSDT", Bid: d("97"), Ask: d("97"), Last: d("97")}, d("5"))
			b2, _ = a.GetOrder(ctx, "BTCUSDT", "b2")
			fills, _ := a.OrderFills(ctx, "BTCUSDT", "b2")
			if b2.Status != exchange.StatusFilled || !b2.ExecutedQty.Equal(d("0.3")) || len(fills) != 2 {
				t.Fatalf("b2 %s %s with %d fills, want filled 0.3 in 2 fills", b2.Status, b2.ExecutedQty, len(fills))
			}
			if bal := balances(t, a); bal["USDT"] != [2]string{"921.1", "0"} || bal["BTC"] != [2]string{"1.7992", "0"} {
				t.Fatalf("balances %v", bal)
			}
			if open, _ := a.OpenOrders(ctx, "BTCUSDT"); len(open) != 0 {
				t.Fatalf("%d orders still open", len(open))
			}
		})
	}
}

func balances(t *testing.T, a *Account) map[string][2]string {
	t.Helper()
	bs, err := a.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, b := range bs {
		out[b.Asset] = [2]string{b.Free.Trim(0).String(), b.Locked.Trim(0).String()}
	}
	return out
}
