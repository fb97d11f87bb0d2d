package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Fills recorded while a bot starts are in its ledger exactly once: the ledger a start
// replays from the journal and the fills applied beside it must not miss each other.
func TestFillsDuringStartReachTheLedger(t *testing.T) {
	lim := fastLimits()
	lim.PollInterval = time.Hour // the rows below exist only in the journal: no poller may cancel them
	m := newTestMarket()
	e, err := New(Config{DB: testDB(t), Market: m, Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r := &rig{e: e, db: e.cfg.DB, mkt: m, x: e.cfg.Paper.(*memExchange)}
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, dcaBot("b")); err != nil {
		t.Fatal(err)
	}
	const n = 150
	var ids []string
	for i := 0; i < n; i++ {
		now := time.Now().UTC()
		rec := &orderRec{Row: journal.Row{Order: OrderView{Bot: "b", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
			Price: d("100"), Quantity: d("0.001"), State: OrderAcked, Created: now, Updated: now}, Tag: "x"}}
		if err := r.e.j.InsertIntent(ctx, &rec.Row); err != nil {
			t.Fatal(err)
		}
		r.e.jmu.Lock()
		r.e.addOpen(rec)
		r.e.jmu.Unlock()
		ids = append(ids, rec.ClientID)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i, id := range ids {
			f := exchange.Fill{TradeID: int64(i + 1), ClientID: id, Symbol: "BTCUSDT", Side: exchange.Buy, Price: d("100"), Qty: d("0.001"), Time: time.Now().UTC()}
			o := exchange.Order{ClientID: id, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Status: exchange.StatusFilled,
				Price: d("100"), Quantity: d("0.001"), ExecutedQty: d("0.001"), QuoteQty: d("0.1"), Fills: []exchange.Fill{f}}
			if err := r.e.applyOrder(ctx, r.x, o); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	b := r.e.botNamed("b")
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if err := r.e.StartBot(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		// Fills are recorded, and their news queued for the bot's loop, under the journal
		// lock: with it held, once the loop has taken everything queued, the ledger and the
		// journal must agree.
		r.e.jmu.Lock()
		recorded := r.count(t, `SELECT count(*) FROM fills WHERE bot = 'b'`)
		buys := 0
		r.e.do(b, func(b *bot) { buys = b.led.buys })
		r.e.jmu.Unlock()
		if buys != recorded {
			t.Fatalf("after a start the ledger has %d buys, the journal %d fills", buys, recorded)
		}
		r.e.stopBot(b, BotStopped, "")
	}
	if v := r.bot(t, "b"); !v.Position.Equal(d("0.15")) || v.Buys != n {
		t.Fatalf("ledger: position %s from %d buys, want 0.15 from %d", v.Position, v.Buys, n)
	}
}
