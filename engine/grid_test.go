package engine

import (
	"context"
	"testing"
)

// A grid at its open-order cap still places the sell for a filled buy: the fill freed one
// slot, and the sell that takes the coins back out goes before any buy held for later.
func TestGridAtOpenOrderCapKeepsItsSell(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	c := gridBot("g")
	c.MaxOpenOrders = 2
	if err := r.e.AddBot(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101") // buys at 100 and 95; the one at 90 waits for a free slot
	eventually(t, "the capped ladder", func() bool {
		return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND state = 'acked'`) == 2
	})
	r.tick(t, "99") // fills the buy at 100
	eventually(t, "the fill", func() bool { return r.bot(t, "g").Buys == 1 })
	r.tick(t, "99")
	r.tick(t, "99")
	if n := r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND side = 'SELL' AND price = '105'`); n != 1 {
		t.Fatalf("%d sells at 105 for the filled buy, want 1 (the position must not be stranded)", n)
	}
	if v := r.bot(t, "g"); v.OpenOrders > 2 {
		t.Fatalf("%d open orders, above the cap of 2", v.OpenOrders)
	}
}
