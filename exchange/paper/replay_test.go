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

// A replay's account (Submit instead of PlaceOrder, final orders forgotten) trades exactly as
// a memory account that answers every call: the same updates with the same fills and ids, the
// same refusals and balances. Only its records of final orders are gone.
func TestReplayAccountTradesTheSame(t *testing.T) {
	type variant struct {
		name   string
		submit bool
		forget bool
	}
	variants := []variant{{"place", false, false}, {"submit", true, false}, {"submit, forget final", true, true}}
	req := func(r exchange.OrderRequest) *exchange.OrderRequest { return &r }
	script := []struct {
		tick, volume [2]string
		place        *exchange.OrderRequest
		cancel       string
	}{
		{tick: [2]string{"100", "100.5"}},
		{place: req(marketQuote("m1", exchange.Buy, "100"))},
		{place: req(limit("l1", exchange.Buy, "0.5", "95"))},
		{place: req(limit("l2", exchange.Sell, "0.5", "110"))},
		{place: req(limit("l3", exchange.Buy, "0.3", "90"))},
		{place: req(market("m2", exchange.Buy, "1000"))}, // refused: funds
		{tick: [2]string{"94", "94.5"}},
		{volume: [2]string{"89", "0.1"}}, // l3 fills 0.1 of 0.3
		{volume: [2]string{"89", "1"}},   // and the rest
		{cancel: "l2"},
		{place: req(limit("l4", exchange.Sell, "0.2", "120"))},
		{place: req(market("m3", exchange.Sell, "0.1"))},
	}
	ctx := context.Background()
	updates := make([][]string, len(variants))
	accts := make([]*Account, len(variants))
	for v, vr := range variants {
		var got []string
		a, err := NewMemory(Options{Rules: sim.New(sim.Options{}), StartingBalances: map[string]decimal.Decimal{"USDT": d("1000")},
			Clock: newClock(), ForgetFinal: vr.forget, OnUpdate: func(o exchange.Order) { got = append(got, describe(o)) }})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range script {
			switch {
			case s.place != nil:
				if vr.submit {
					err = a.Submit(ctx, *s.place)
				} else {
					_, err = a.PlaceOrder(ctx, *s.place)
				}
				got = append(got, fmt.Sprintf("step %d: %v", i, err))
			case s.cancel != "":
				_, err = a.CancelOrder(ctx, "BTCUSDT", s.cancel)
				got = append(got, fmt.Sprintf("step %d: %v", i, err))
			case s.volume[0] != "":
				a.OnTickVolume(exchange.Tick{Symbol: "BTCUSDT", Bid: d(s.volume[0]), Ask: d(s.volume[0]), Last: d(s.volume[0])}, d(s.volume[1]))
			default:
				a.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d(s.tick[0]), Ask: d(s.tick[1]), Last: d(s.tick[0])})
			}
		}
		updates[v], accts[v] = got, a
	}
	if len(updates[0]) < 15 {
		t.Fatalf("only %d updates and answers: the script did not trade", len(updates[0]))
	}
	for v := 1; v < len(variants); v++ {
		if !reflect.DeepEqual(updates[0], updates[v]) {
			t.Fatalf("%s:\n%q\nplace:\n%q", variants[v].name, updates[v], updates[0])
		}
		ba, _ := accts[0].Balances(ctx)
		bb, _ := accts[v].Balances(ctx)
		if fmt.Sprint(ba) != fmt.Sprint(bb) {
			t.Fatalf("balances: %s %v, place %v", variants[v].name, bb, ba)
		}
	}
	for v, a := range accts {
		for _, id := range []string{"m1", "l1", "l2", "l3", "l4", "m3"} {
			_, err := a.GetOrder(ctx, "BTCUSDT", id)
			open := id == "l4"
			if known := err == nil; known != (open || !variants[v].forget) {
				t.Errorf("%s: GetOrder(%s) = %v", variants[v].name, id, err)
			}
		}
	}
}
