package paper

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// A memory account trades exactly as a saved one: the same script of orders, ticks and a
// cancel gives the same answers, order ids, fills, updates and balances, with nothing saved.
func TestMemoryAccountTradesLikeASavedOne(t *testing.T) {
	start := map[string]decimal.Decimal{"USDT": d("1000")}
	saved := newRig(t, start)
	stream := saved.acct.OrderUpdates()
	var memUpdates []string
	clk := newClock()
	mem, err := NewMemory(Options{Rules: sim.New(sim.Options{}), StartingBalances: start, Clock: clk,
		OnUpdate: func(o exchange.Order) { memUpdates = append(memUpdates, describe(o)) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type step struct {
		tick    [2]string
		place   *exchange.OrderRequest
		cancel  string
		wantErr bool
	}
	req := func(r exchange.OrderRequest) *exchange.OrderRequest { return &r }
	script := []step{
		{place: req(market("m0", exchange.Buy, "0.001")), wantErr: true}, // no price yet
		{tick: [2]string{"100", "100.5"}},
		{place: req(marketQuote("m1", exchange.Buy, "100"))},
		{place: req(limit("l1", exchange.Buy, "0.5", "95"))},
		{place: req(limit("l2", exchange.Sell, "0.5", "110"))},
		{place: req(limit("l3", exchange.Buy, "0.1", "90"))},
		{place: req(limit("l1", exchange.Buy, "0.1", "90")), wantErr: true}, // id used
		{tick: [2]string{"94", "94.5"}},
		{tick: [2]string{"111", "111.5"}},
		{cancel: "l3"},
		{cancel: "l3", wantErr: true},
		{place: req(market("m2", exchange.Sell, "0.5"))},
		{place: req(market("m3", exchange.Buy, "100")), wantErr: true}, // funds
	}
	var savedUpdates []string
	for i, s := range script {
		var answers []string
		for _, acct := range []*Account{saved.acct, mem} {
			var got string
			var err error
			switch {
			case s.place != nil:
				var o exchange.Order
				o, err = acct.PlaceOrder(ctx, *s.place)
				got = describe(o)
			case s.cancel != "":
				var o exchange.Order
				o, err = acct.CancelOrder(ctx, "BTCUSDT", s.cancel)
				got = describe(o)
			default:
				acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d(s.tick[0]), Ask: d(s.tick[1]), Last: d(s.tick[0])})
			}
			if (err != nil) != s.wantErr {
				t.Fatalf("step %d: err = %v, want error %v", i, err, s.wantErr)
			}
			answers = append(answers, got)
		}
		if answers[0] != answers[1] {
			t.Fatalf("step %d: saved answered %s, memory %s", i, answers[0], answers[1])
		}
	}
	for len(savedUpdates) < len(memUpdates) {
		savedUpdates = append(savedUpdates, describe(<-stream))
	}
	if !reflect.DeepEqual(savedUpdates, memUpdates) {
		t.Fatalf("updates differ:\nsaved  %q\nmemory %q", savedUpdates, memUpdates)
	}
	if len(memUpdates) < 6 {
		t.Fatalf("only %d updates: the script did not trade", len(memUpdates))
	}
	for _, id := range []string{"m1", "l1", "l2", "l3", "m2"} {
		a, errA := saved.acct.GetOrder(ctx, "BTCUSDT", id)
		b, errB := mem.GetOrder(ctx, "BTCUSDT", id)
		if errA != nil || errB != nil || describe(a) != describe(b) {
			t.Fatalf("order %s: saved %s (%v), memory %s (%v)", id, describe(a), errA, describe(b), errB)
		}
		fa, _ := saved.acct.OrderFills(ctx, "BTCUSDT", id)
		fb, _ := mem.OrderFills(ctx, "BTCUSDT", id)
		if fmt.Sprint(fa) != fmt.Sprint(fb) {
			t.Fatalf("fills of %s: saved %v, memory %v", id, fa, fb)
		}
	}
	ba, _ := saved.acct.Balances(ctx)
	bb, _ := mem.Balances(ctx)
	if fmt.Sprint(ba) != fmt.Sprint(bb) {
		t.Fatalf("balances: saved %v, memory %v", ba, bb)
	}
}

func describe(o exchange.Order) string {
	s := fmt.Sprintf("%d %s %s %s %s %s %s/%s", o.ExchangeID, o.ClientID, o.Side, o.Type, o.Status, o.Price, o.ExecutedQty, o.Quantity)
	for _, f := range o.Fills {
		s += fmt.Sprintf(" fill %d %s@%s fee %s %s", f.TradeID, f.Qty, f.Price, f.Fee, f.FeeAsset)
	}
	return s
}
