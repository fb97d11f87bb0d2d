package engine

import (
	"context"
	"testing"
)

// A bot that is not running still shows the orders it has open in the journal: here before
// Resume, after an engine stopped with the bot's ladder on the book.
func TestStoppedBotCountsItsOpenOrders(t *testing.T) {
	x := newMemExchange()
	first := newRig(t, nil, x)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.e.Run(ctx) }()
	if err := first.e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := first.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	first.tick(t, "101")
	eventually(t, "the ladder", func() bool {
		return first.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND state = 'acked'`) == 3
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	next := newRig(t, first.db, x)
	v := next.bot(t, "g")
	if v.State == BotRunning || v.OpenOrders != 3 {
		t.Fatalf("before Resume: state %s with %d open orders, want not running with 3", v.State, v.OpenOrders)
	}
	if err := next.e.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := next.e.StopBot(context.Background(), "g"); err != nil {
		t.Fatal(err)
	}
	if v := next.bot(t, "g"); v.OpenOrders != 0 {
		t.Fatalf("after stop (orders cancelled): %d open orders, want 0", v.OpenOrders)
	}
}
