package sim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestTicksCarryConsistentTrades(t *testing.T) {
	clock := newFakeClock()
	m := New(Options{Seed: 3, Clock: clock, Speed: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"BTCUSDT", "DOGEUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	last := map[string]int64{}
	for _, tk := range collect(t, ticks, 80) {
		switch {
		case tk.Last.Equal(tk.Ask) && tk.Taker == exchange.Buy, tk.Last.Equal(tk.Bid) && tk.Taker == exchange.Sell:
		default:
			t.Fatalf("trade at %s between %s and %s has taker %q", tk.Last, tk.Bid, tk.Ask, tk.Taker)
		}
		if tk.TradeID <= last[tk.Symbol] {
			t.Fatalf("%s trade id %d after %d", tk.Symbol, tk.TradeID, last[tk.Symbol])
		}
		last[tk.Symbol] = tk.TradeID
		if !tk.Qty.IsPos() {
			t.Fatalf("trade without quantity: %+v", tk)
		}
	}
}

func TestBookAroundTheLatestTick(t *testing.T) {
	for _, sym := range []string{"BTCUSDT", "DOGEUSDT", "ETHBTC", "PEPEUSDT"} {
		clock := newFakeClock()
		m := New(Options{Seed: 9, Clock: clock, Speed: 10})
		ctx, cancel := context.WithCancel(context.Background())
		ticks, _, err := m.Stream(ctx, []string{sym})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second) // 40 ticks due at speed 10
		got := collect(t, ticks, 40)
		tk := got[len(got)-1]
		b, err := m.Book(sym)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := m.Book(sym)
		cancel()
		if b != again {
			t.Fatalf("%s: two books for the same tick differ", sym)
		}
		r, _ := m.Rules(context.Background(), sym)
		if b.Symbol != sym || b.NBids != exchange.BookDepth || b.NAsks != exchange.BookDepth || !b.Time.Equal(tk.Time) {
			t.Fatalf("%s: book %s with %d/%d levels at %v, tick at %v", sym, b.Symbol, b.NBids, b.NAsks, b.Time, tk.Time)
		}
		if !b.Bids[0].Price.Equal(tk.Bid) || !b.Asks[0].Price.Equal(tk.Ask) || !b.Bids[0].Qty.Equal(tk.BidQty) || !b.Asks[0].Qty.Equal(tk.AskQty) {
			t.Fatalf("%s: top %+v / %+v, tick %+v", sym, b.Bids[0], b.Asks[0], tk)
		}
		checkLadder(t, sym, b.BidLevels(), -1, r)
		checkLadder(t, sym, b.AskLevels(), 1, r)
	}
}

// checkLadder checks levels move away from the touch (dir -1 for bids) on the tick and step.
func checkLadder(t *testing.T, sym string, lv []exchange.Level, dir int, r exchange.Rules) {
	t.Helper()
	for i, l := range lv {
		if !l.Price.IsPos() || !l.Qty.IsPos() || !multipleOf(l.Price, r.TickSize) || !multipleOf(l.Qty, r.StepSize) {
			t.Fatalf("%s: level %d %+v is off the grid or empty", sym, i, l)
		}
		if i > 0 && l.Price.Cmp(lv[i-1].Price) != dir {
			t.Fatalf("%s: level %d at %s does not move away from %s", sym, i, l.Price, lv[i-1].Price)
		}
	}
}

func TestStreamBooksFollowPushedTicks(t *testing.T) {
	m := New(Options{Manual: true})
	ctx, cancel := context.WithCancel(context.Background())
	books, events, err := m.StreamBooks(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-events; ev.State != exchange.StreamLive {
		t.Fatalf("first event %v", ev.State)
	}
	p := decimal.MustParse("70000.00")
	ask := decimal.MustParse("70000.03")
	if err := m.PushTick(exchange.Tick{Symbol: "BTCUSDT", Bid: p, BidQty: decimal.MustParse("1.5"), Ask: ask, AskQty: decimal.MustParse("2"), Last: p}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for found := false; !found; {
		select {
		case b := <-books:
			found = b.Bids[0].Price.Equal(p) && b.Asks[0].Price.Equal(ask) && b.Bids[0].Qty.Equal(decimal.MustParse("1.5"))
		case <-deadline:
			t.Fatal("no book at the pushed quote")
		}
	}
	cancel()
	drain(t, books)
	if evs := drain(t, events); len(evs) != 1 || evs[0].State != exchange.StreamClosed {
		t.Fatalf("closing events %v", evs)
	}
}

func TestContinueFromSavedPrices(t *testing.T) {
	clock := newFakeClock()
	m := New(Options{Seed: 12345, Clock: clock, Speed: 10})
	m.ContinueFrom(map[string]decimal.Decimal{"BTCUSDT": decimal.MustParse("43210.55"), "bad name": decimal.One, "ETHUSDT": decimal.Zero})
	cs, err := m.Candles(context.Background(), "BTCUSDT", time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if c := cs[len(cs)-1].C; !c.Equal(decimal.MustParse("43210.55")) {
		t.Fatalf("history ends at %s, want the saved price", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := m.Stream(ctx, []string{"BTCUSDT", "ETHUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	for _, tk := range collect(t, ticks, 40) {
		f, _ := tk.Last.Float64()
		switch tk.Symbol {
		case "BTCUSDT":
			if f < 43210.55*0.99 || f > 43210.55*1.01 {
				t.Fatalf("BTCUSDT trades at %s, far from the saved 43210.55", tk.Last)
			}
		case "ETHUSDT":
			// A zero price is ignored: the seeded start price (3500 give or take) stands.
			if f < 2000 || f > 6000 {
				t.Fatalf("ETHUSDT trades at %s", tk.Last)
			}
		}
	}
}

func TestStreamedBooksDoNotAllocate(t *testing.T) {
	m := New(Options{Seed: 1})
	s, err := m.symbol("BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	var b exchange.Book
	var src rand.PCG
	rng := rand.New(&src)
	if allocs := testing.AllocsPerRun(100, func() { m.bookOf(s, &b, &src, rng) }); allocs != 0 {
		t.Fatalf("a book allocates %.1f times", allocs)
	}
}
