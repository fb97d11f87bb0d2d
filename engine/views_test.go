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

// A bot saved by `quantdeck bots add` while the engine runs shows up in its snapshots, and
// starts from there.
func TestBotAddedByAnotherProcessIsAdopted(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := NewRegistry(r.db, nil).Add(ctx, dcaBot("cli"), btcRules); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bot in the snapshot", func() bool {
		for _, b := range r.e.Snapshot().Bots {
			if b.Config.Name == "cli" {
				return b.State == BotStopped
			}
		}
		return false
	})
	if err := r.e.StartBot(ctx, "cli"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100")
	eventually(t, "its first buy", func() bool { return r.bot(t, "cli").Buys == 1 })
	if n := len(r.e.Snapshot().Bots); n != 1 {
		t.Fatalf("%d bots in the snapshot, want 1", n)
	}
}
