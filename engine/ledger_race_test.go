package engine

import (
	"context"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Fills recorded while a bot starts are in its ledger exactly once: the ledger a start
// replays from the journal and the fills applied beside it must not miss each other.
func TestFillsDuringStartReachTheLedger(t *testing.T) {
	r := stoppedBot(t) // the rows below exist only in the journal: no poller may cancel them
	ctx := context.Background()
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
		// A fill is settled (queued for the bot) only after it is recorded: read in this
		// order, the ledger never holds more buys than the journal has fills. One counted
		// twice by the replay and its news would show here; one missed shows at the end.
		buys := 0
		r.e.do(b, func(b *bot) { buys = b.led.buys })
		recorded := r.count(t, `SELECT count(*) FROM fills WHERE bot = 'b'`)
		if buys > recorded {
			t.Fatalf("after a start the ledger has %d buys, the journal only %d fills", buys, recorded)
		}
		r.e.stopBot(b, BotStopped, "")
	}
	if v := r.bot(t, "b"); !v.Position.Equal(d("0.15")) || v.Buys != n {
		t.Fatalf("ledger: position %s from %d buys, want 0.15 from %d", v.Position, v.Buys, n)
	}
}

// A fill recorded before a start's replay but settled after it (its news reaches the bot's
// loop once the replayed ledger is in place) counts once; a fill recorded after the replay
// counts when its news arrives.
func TestFillSettledAfterReplayCountsOnce(t *testing.T) {
	r, rec := stoppedBotWithOpenBuy(t, "0.002")
	e, ctx, now := r.e, context.Background(), rec.Created
	fill := func(id int64) FillView {
		return FillView{TradeID: id, ClientID: rec.ClientID, Bot: "b", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy,
			Price: d("100"), Qty: d("0.001"), Time: now}
	}
	record := func(f FillView) {
		if err := e.j.Write(ctx, func(tx *journal.Tx) error { _, err := tx.InsertFill(f); return err }); err != nil {
			t.Fatal(err)
		}
	}
	settle := func(f FillView) {
		e.jmu.Lock()
		e.tellBot(e.botNamed("b"), rec, []FillView{f}, false, now)
		e.jmu.Unlock()
	}
	first, second := fill(1), fill(2)
	record(first) // on disk before the start's replay
	if err := e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	settle(first) // its news after the replay
	record(second)
	settle(second)
	if v := r.bot(t, "b"); v.Buys != 2 || !v.Position.Equal(d("0.002")) {
		t.Fatalf("ledger: %d buys, position %s; want 2 buys, 0.002", v.Buys, v.Position)
	}
}

// A start's replay reads the journal without jmu; a fill recorded and settled after that read
// (its news queued before the replayed ledger is in place, so applied to the old one) must not
// be lost: the replay sees the news and reads again. A bot whose fills keep coming is read
// under jmu after replayTries reads.
func TestReplayReadsAgainWhenNewsOvertakesIt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		overtake int // reads that news overtakes
		reads    int // unlocked reads expected
	}{
		{"once", 1, 2},
		{"every time: read under jmu", 100, replayTries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rec := stoppedBotWithOpenBuy(t, "1")
			e, ctx, now := r.e, context.Background(), rec.Created
			reads, trade := 0, int64(0)
			var fills []exchange.Fill
			e.hooks.replayRead = func(string) {
				reads++
				if reads > tc.overtake {
					return
				}
				// Recorded after the read, settled before the replay is handed over.
				trade++
				exec, _ := d("0.001").Mul(decimal.MustNew(trade, 0))
				quote, _ := exec.Mul(d("100"))
				fills = append(fills, exchange.Fill{TradeID: trade, ClientID: rec.ClientID, Symbol: "BTCUSDT", Side: exchange.Buy,
					Price: d("100"), Qty: d("0.001"), Time: now})
				o := exchange.Order{ClientID: rec.ClientID, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
					Status: exchange.StatusPartiallyFilled, Price: d("100"), Quantity: d("1"), ExecutedQty: exec, QuoteQty: quote,
					Fills: fills} // every fill so far, as the order's executed quantity says
				if err := e.applyOrder(ctx, r.x, o); err != nil {
					t.Error(err)
				}
			}
			if err := e.StartBot(ctx, "b"); err != nil {
				t.Fatal(err)
			}
			if reads != tc.reads {
				t.Errorf("%d reads without jmu, want %d", reads, tc.reads)
			}
			want := int(trade)
			if got := r.count(t, `SELECT count(*) FROM fills WHERE bot = 'b'`); got != want {
				t.Fatalf("%d fills recorded, want %d", got, want)
			}
			if v := r.bot(t, "b"); v.Buys != want {
				t.Fatalf("ledger: %d buys, want the %d fills recorded", v.Buys, want)
			}
		})
	}
}

// stoppedBot is a running engine with a stopped DCA bot "b" on BTCUSDT and no poller: rows a
// test writes to the journal alone are left as they are.
func stoppedBot(t *testing.T) *rig {
	t.Helper()
	lim := fastLimits()
	lim.PollInterval = time.Hour
	m := newTestMarket()
	e, err := New(Config{DB: testDB(t), Market: m, Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r := &rig{e: e, db: e.cfg.DB, mkt: m, x: e.cfg.Paper.(*memExchange)}
	r.running(t)
	if err := e.AddBot(context.Background(), dcaBot("b")); err != nil {
		t.Fatal(err)
	}
	return r
}

// stoppedBotWithOpenBuy is stoppedBot with one partly filled limit buy of qty at 100 in the
// journal, open in the engine.
func stoppedBotWithOpenBuy(t *testing.T, qty string) (*rig, *orderRec) {
	t.Helper()
	r := stoppedBot(t)
	now := time.Now().UTC()
	rec := &orderRec{Row: journal.Row{Order: OrderView{Bot: "b", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: d("100"), Quantity: d(qty), State: OrderPartial, Created: now, Updated: now}, Tag: "x"}}
	if err := r.e.j.InsertIntent(context.Background(), &rec.Row); err != nil {
		t.Fatal(err)
	}
	r.e.jmu.Lock()
	r.e.addOpen(rec)
	r.e.jmu.Unlock()
	return r, rec
}
