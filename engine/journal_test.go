package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// Stored times sort as text in time order, which the journal's ORDER BY relies on; times
// written in the older trimmed form still load.
func TestStoredTimesSortInTimeOrder(t *testing.T) {
	base := time.Date(2026, 3, 10, 12, 0, 5, 0, time.UTC)
	tests := []struct {
		name          string
		before, after time.Time
	}{
		{"fractions of different lengths", base.Add(400 * time.Millisecond), base.Add(450 * time.Millisecond)},
		{"a whole second before a fraction", base, base.Add(100 * time.Millisecond)},
		{"nanoseconds", base.Add(time.Nanosecond), base.Add(2 * time.Nanosecond)},
		{"across a second", base.Add(999 * time.Millisecond), base.Add(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := fmtTime(tc.before), fmtTime(tc.after)
			if a >= b {
				t.Fatalf("%q sorts after %q", a, b)
			}
			if got, err := parseStoredTime(a); err != nil || !got.Equal(tc.before) {
				t.Fatalf("parseStoredTime(%q) = %s, %v; want %s", a, got, err, tc.before)
			}
		})
	}
	if got, err := parseStoredTime("2026-03-10T12:00:05.45Z"); err != nil || !got.Equal(base.Add(450*time.Millisecond)) {
		t.Fatalf("a trimmed time reads as %s, %v", got, err)
	}
}

// A bot's ledger replays its fills in the order they were recorded, as it applied them while
// running: a sell whose exchange time is behind the local time of the buy before it (clocks
// differ, or the buy's time was missing) must not be replayed first and ignored.
func TestLedgerReplayFollowsRecordedOrder(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	j, err := openJournal(ctx, db)
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
		rec := &orderRec{OrderView: OrderView{Bot: f.Bot, Mode: f.Mode, Symbol: f.Symbol, Side: f.Side, Type: exchange.Limit,
			Price: f.Price, Quantity: f.Qty, Created: local, Updated: local}, Tag: "g2"}
		if err := j.insertIntent(ctx, rec); err != nil {
			t.Fatal(err)
		}
		f.ClientID = rec.ClientID
		if _, err := insertFill(ctx, db, *f); err != nil {
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
