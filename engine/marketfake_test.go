package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// The engine on the Binance adapter against the fake exchange on loopback: trades from the
// trade stream, books from the partial depth stream, candles from klines joined with ticks,
// and a symbol watched at runtime, streamed while the others keep streaming.
func TestMarketDataFromTheFakeExchange(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := binance.New(binance.Config{Name: binance.Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{DB: testDB(t), Market: c, ExchangeName: binance.Testnet, Symbols: []string{"BTCUSDT"}, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	stop := runEngine(t, e)
	defer stop()
	ctx := context.Background()

	// The fake publishes when prices move: move them until the engine has seen a trade and a
	// book (the subscriptions may start after the first moves).
	pump := func(symbol string, done func() bool) {
		t.Helper()
		prices := []string{"60000.00", "60010.00"}
		for i := 0; !done(); i++ {
			if i > 500 {
				t.Fatalf("no market data for %s", symbol)
			}
			if err := srv.SetPrice(symbol, prices[i%2]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond) // pacing the price moves, not synchronisation
		}
	}
	buf := make([]exchange.Trade, 0, TradeHistory)
	pump("BTCUSDT", func() bool {
		_, ok := e.OrderBook("BTCUSDT")
		return ok && len(e.Trades("BTCUSDT", buf)) >= 2
	})
	trades := e.Trades("BTCUSDT", buf)
	if trades[0].ID <= trades[1].ID || trades[0].Taker == "" || !trades[0].Qty.IsPos() {
		t.Fatalf("trades not newest first or incomplete: %+v", trades[:2])
	}
	bid, ask, _ := srv.Quote("BTCUSDT")
	eventually(t, "the book at the fake's quote", func() bool {
		b, ok := e.OrderBook("BTCUSDT")
		return ok && b.Bids[0].Price.Equal(bid) && b.Asks[0].Price.Equal(ask) && b.NBids == exchange.BookDepth
	})

	cs, err := e.CandlesAt(ctx, "BTCUSDT", 15*time.Minute, 40)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 40 || !cs[len(cs)-1].C.Equal(trades[0].Price) || !cs[len(cs)-1].Volume.IsPos() {
		t.Fatalf("%d candles, last %+v, last trade %s", len(cs), cs[len(cs)-1], trades[0].Price)
	}

	if err := e.Watch(ctx, "NOSUCHUSDT"); err == nil {
		t.Fatal("a symbol the exchange does not list was watched")
	}
	conns := srv.StreamCount()
	if err := e.Watch(ctx, "ETHUSDT"); err != nil {
		t.Fatal(err)
	}
	pump("ETHUSDT", func() bool {
		_, ok := e.OrderBook("ETHUSDT")
		return ok && len(e.Trades("ETHUSDT", buf)) > 0
	})
	n := len(e.Trades("BTCUSDT", buf))
	pump("BTCUSDT", func() bool { return len(e.Trades("BTCUSDT", buf)) > n })
	// The running connections took the symbol in place (live SUBSCRIBE), and let go of the
	// one removed.
	if got := srv.StreamCount(); got != conns {
		t.Fatalf("%d stream connections after watching a symbol, %d before", got, conns)
	}
	if err := e.Unwatch(ctx, "BTCUSDT"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "BTCUSDT's streams to be unsubscribed", func() bool {
		return srv.Subscribers("btcusdt@trade") == 0 && srv.Subscribers("btcusdt@depth20@100ms") == 0 &&
			srv.Subscribers("ethusdt@trade") == 1 && srv.Subscribers("ethusdt@depth20@100ms") == 1
	})
}
