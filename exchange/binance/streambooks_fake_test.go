package binance

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// The book stream against the fake exchange on loopback: partial depth messages become books
// with the fake's ladder, on a connection of their own.
func TestFakeStreamBooks(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	books, events, err := c.StreamBooks(ctx, []string{"BTCUSDT", "ETHUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, exchange.StreamLive)
	// The fake publishes on quote changes: move the quote until the subscription sees one.
	deadline := time.After(10 * time.Second)
	every := time.NewTicker(20 * time.Millisecond)
	defer every.Stop()
	var got exchange.Book
	for found := false; !found; {
		if err := srv.SetQuote("ETHUSDT", "3000.00", "3000.03"); err != nil {
			t.Fatal(err)
		}
	wait:
		for {
			select {
			case b, ok := <-books:
				if !ok {
					t.Fatal("books closed")
				}
				if b.Symbol == "ETHUSDT" {
					got, found = b, true
					break wait
				}
			case <-every.C:
				break wait
			case <-deadline:
				t.Fatal("no ETHUSDT book within 10 s")
			}
		}
	}
	if got.NBids != exchange.BookDepth || got.NAsks != exchange.BookDepth {
		t.Fatalf("book with %d bids and %d asks", got.NBids, got.NAsks)
	}
	for i, want := range []struct{ bid, ask string }{{"3000", "3000.03"}, {"2999.99", "3000.04"}, {"2999.98", "3000.05"}} {
		if !got.Bids[i].Price.Equal(d(want.bid)) || !got.Asks[i].Price.Equal(d(want.ask)) || !got.Bids[i].Qty.IsPos() {
			t.Fatalf("level %d: %+v / %+v, want %s / %s", i, got.Bids[i], got.Asks[i], want.bid, want.ask)
		}
	}
	if s, ok := got.Spread(); !ok || !s.Equal(d("0.03")) || got.UpdateID == 0 || got.Time.IsZero() {
		t.Fatalf("spread %s %v, update %d, time %v", s, ok, got.UpdateID, got.Time)
	}
	cancel()
	for range books {
	}
	waitEvent(t, events, exchange.StreamClosed)
}

// Trade ticks carry the exchange's trade id and the aggressor's side.
func TestFakeTradeTicksCarryIDAndSide(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := pumpUntilTick(t, srv, ticks, "BTCUSDT")
	if first.TradeID <= 0 || (first.Taker != exchange.Buy && first.Taker != exchange.Sell) {
		t.Fatalf("trade tick %+v lacks its id or side", first)
	}
	// Down from the last price: a seller hit the bid. Up: a buyer took the ask.
	for _, step := range []struct {
		price string
		taker exchange.Side
	}{{"59000.00", exchange.Sell}, {"59500.00", exchange.Buy}} {
		if err := srv.SetPrice("BTCUSDT", step.price); err != nil {
			t.Fatal(err)
		}
		seen := false
		for tk := range ticks {
			if tk.Last.IsZero() {
				continue
			}
			seen = true
			if !tk.Last.Equal(d(step.price)) || tk.Taker != step.taker || tk.TradeID <= first.TradeID {
				t.Fatalf("trade at %s: %+v, want taker %s and an id after %d", step.price, tk, step.taker, first.TradeID)
			}
			first = tk
			break
		}
		if !seen {
			t.Fatalf("the stream closed before the trade at %s", step.price)
		}
	}
}
