package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// A bot's ledger replays its fills in the order they were recorded, as it applied them while
// running: a sell whose exchange time is behind the local time of the buy before it (clocks
// differ, or the buy's time was missing) must not be replayed first and ignored.
func TestLedgerReplayFollowsRecordedOrder(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	j, err := journal.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	local := time.Date(2026, 3, 10, 12, 0, 5, 450_000_000, time.UTC)
	fills := []FillView{
		{TradeID: 1, Bot: "g", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Price: d("100"), Qty: d("0.1"), Time: local},
		{TradeID: 2, Bot: "g", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Sell, Price: d("105"), Qty: d("0.1"), Time: local.Add(-time.Second)},
	}
	for i := range fills {
		f := &fills[i]
		rec := &journal.Row{Order: OrderView{Bot: f.Bot, Mode: f.Mode, Symbol: f.Symbol, Side: f.Side, Type: exchange.Limit,
			Price: f.Price, Quantity: f.Qty, Created: local, Updated: local}, Tag: "g2"}
		if err := j.InsertIntent(ctx, rec); err != nil {
			t.Fatal(err)
		}
		f.ClientID = rec.ClientID
		if err := j.Write(ctx, func(tx *journal.Tx) error {
			_, err := tx.InsertFill(*f)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	led, err := loadLedger(ctx, j, BotConfig{Name: "g", Symbol: "BTCUSDT"}, btcRules)
	if err != nil {
		t.Fatal(err)
	}
	if !led.qty.IsZero() || !led.realized.Equal(d("0.5")) {
		t.Fatalf("replayed position %s, realized %s; want 0 and 0.5", led.qty, led.realized)
	}
}
