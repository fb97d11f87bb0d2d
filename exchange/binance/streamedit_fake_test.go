package binance

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

var _ exchange.StreamEditor = (*Client)(nil)

// Symbols added and removed at runtime change the running connections' subscriptions; no
// connection is replaced, and a reconnect keeps the edited set.
func TestFakeEditStreamsInPlace(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := New(Config{Name: Testnet, RESTURL: srv.URL(), WSURL: srv.WSURL()})
	if err != nil {
		t.Fatal(err)
	}
	c.backoffMin, c.backoffMax = time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, events, err := c.Stream(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	books, bookEvents, err := c.StreamBooks(ctx, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, exchange.StreamLive)
	waitEvent(t, bookEvents, exchange.StreamLive)
	waitFake(t, "the first subscriptions", func() bool {
		return srv.Subscribers("btcusdt@trade") == 1 && srv.Subscribers("btcusdt@depth20@100ms") == 1
	})
	conns := srv.StreamCount()

	if err := c.EditStreams(ctx, []string{"ethusdt"}, []string{"BTCUSDT"}); err != nil {
		t.Fatal(err)
	}
	waitFake(t, "the edited subscriptions", func() bool {
		return srv.Subscribers("ethusdt@trade") == 1 && srv.Subscribers("ethusdt@bookTicker") == 1 &&
			srv.Subscribers("ethusdt@depth20@100ms") == 1 && srv.Subscribers("btcusdt@trade") == 0 &&
			srv.Subscribers("btcusdt@depth20@100ms") == 0
	})
	if n := srv.StreamCount(); n != conns {
		t.Fatalf("%d connections after the edit, %d before", n, conns)
	}
	if err := srv.SetPrice("ETHUSDT", "3100"); err != nil {
		t.Fatal(err)
	}
	tk, _ := pumpUntilTick(t, srv, ticks, "ETHUSDT")
	if !tk.Last.IsPos() {
		t.Fatalf("tick %+v", tk)
	}
	for b := range books {
		if b.Symbol == "ETHUSDT" {
			break
		}
	}
	select {
	case ev := <-events:
		if ev.State != exchange.StreamLive {
			t.Fatalf("the market stream changed state during the edit: %v", ev.State)
		}
	default:
	}

	// A dropped connection comes back with the edited set.
	srv.DropStreams()
	waitFake(t, "the resubscription after a drop", func() bool {
		return srv.Subscribers("ethusdt@trade") == 1 && srv.Subscribers("ethusdt@depth20@100ms") == 1 &&
			srv.Subscribers("btcusdt@trade") == 0
	})
	if err := c.EditStreams(ctx, []string{"BAD-SYMBOL"}, nil); err == nil {
		t.Fatal("an invalid symbol was accepted")
	}
}

// waitFake polls the fake's state until cond holds.
func waitFake(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // polling interval, not synchronisation
	}
}
