package paper

import (
	"context"
	"fmt"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// BenchmarkOnTick100Resting is the common case: 100 resting orders on the symbol, ticks that
// move around without crossing any of them.
func BenchmarkOnTick100Resting(b *testing.B) {
	r := newRig(b, map[string]decimal.Decimal{"USDT": d("1000000"), "BTC": d("100")})
	r.tick("50000.00", "50000.10")
	for i := range 50 {
		r.mustPlace(limit(fmt.Sprint("b", i), exchange.Buy, "0.01", fmt.Sprint(40000+i*10)))
		r.mustPlace(limit(fmt.Sprint("s", i), exchange.Sell, "0.01", fmt.Sprint(60000+i*10)))
	}
	ticks := make([]exchange.Tick, 64)
	for i := range ticks {
		p := decimal.MustNew(int64(4500000+i*1000), 2)
		ask, _ := p.Add(decimal.MustNew(1, 2))
		ticks[i] = exchange.Tick{Symbol: "BTCUSDT", Bid: p, Ask: ask, Last: p}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.acct.OnTick(ticks[i%len(ticks)])
		i++
	}
	if open, _ := r.acct.OpenOrders(context.Background(), ""); len(open) != 100 {
		b.Fatalf("%d open orders, want 100 untouched", len(open))
	}
}

// BenchmarkOnTickFill measures a tick that fills one resting order of a file-backed account:
// the match, made in memory, and the hand-over of the fill to the account's writer (the
// commit itself happens off the tick path; placing the next order, untimed, waits for it).
func BenchmarkOnTickFill(b *testing.B) {
	r := newRig(b, map[string]decimal.Decimal{"USDT": d("1000000000")})
	r.tick("50000.00", "50000.10")
	for i := range 100 {
		r.mustPlace(limit(fmt.Sprint("rest", i), exchange.Buy, "0.01", fmt.Sprint(40000+i)))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		r.tick("50000.00", "50000.10")
		r.mustPlace(limit(fmt.Sprint("x", i), exchange.Buy, "0.01", "49000"))
		i++
		b.StartTimer()
		r.tick("48999.00", "48999.10")
	}
}

// BenchmarkMemoryMarketOrder is a replay's order: a market buy by quote amount, then the
// sell of what it bought less the fee, on a memory account with a synchronous update hook.
// Client ids are made before the timer: they are the caller's.
func BenchmarkMemoryMarketOrder(b *testing.B) {
	var updates int
	a, err := NewMemory(Options{Rules: sim.New(sim.Options{}), StartingBalances: map[string]decimal.Decimal{"USDT": d("1000000")},
		Clock: newClock(), OnUpdate: func(o exchange.Order) { updates += len(o.Fills) }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d("50000"), Ask: d("50000.1"), Last: d("50000")})
	ids := make([]string, 2*b.N+2)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for range b.N {
		sell := market(ids[i+1], exchange.Sell, "0.00098")
		if _, err := a.PlaceOrder(ctx, marketQuote(ids[i], exchange.Buy, "50")); err != nil {
			b.Fatal(err)
		}
		if _, err := a.PlaceOrder(ctx, sell); err != nil {
			b.Fatal(err)
		}
		i += 2
	}
	if updates != i {
		b.Fatalf("%d fills reported for %d orders", updates, i)
	}
}

// BenchmarkOnTickFillStream measures a stream of ticks that each fill one resting order of a
// file-backed account, with the writer saving them alongside as it would in live trading;
// orders are placed (untimed) a hundred at a time.
func BenchmarkOnTickFillStream(b *testing.B) {
	r := newRig(b, map[string]decimal.Decimal{"USDT": d("1000000000")})
	const chunk = 100
	var ticks []exchange.Tick
	placed := 0
	b.ReportAllocs()
	for b.Loop() {
		if len(ticks) == 0 {
			b.StopTimer()
			r.tick("50000.00", "50000.10")
			for i := range chunk { // buys at 49999, 49998, ...: tick i crosses buy i alone
				r.mustPlace(limit(fmt.Sprint("s", placed+i), exchange.Buy, "0.01", fmt.Sprint(49999-i)))
				p := decimal.MustNew(int64(49999-i), 0)
				ticks = append(ticks, exchange.Tick{Symbol: "BTCUSDT", Bid: p, Ask: p, Last: p})
			}
			placed += chunk
			b.StartTimer()
		}
		r.acct.OnTick(ticks[0])
		ticks = ticks[1:]
	}
	b.StopTimer()
	if open, _ := r.acct.OpenOrders(context.Background(), ""); len(open) != len(ticks) {
		b.Fatalf("%d orders open, want the %d not crossed yet", len(open), len(ticks))
	}
}

// BenchmarkPlaceSaved measures a placement on a file-backed account that waits for its save:
// matching, the writer's transaction (the order row and the locked balance) and its sync.
// The orders rest below the market, so each one is one insert and one balance update.
func BenchmarkPlaceSaved(b *testing.B) {
	r := newRig(b, map[string]decimal.Decimal{"USDT": d("1000000000")})
	r.tick("50000.00", "50000.10")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.mustPlace(limit(fmt.Sprint("p", i), exchange.Buy, "0.01", "40000"))
		i++
	}
}
