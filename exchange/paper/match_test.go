package paper

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// Which ticks fill a resting buy at 49000 and a resting sell at 51000.
func TestCrossingRules(t *testing.T) {
	for _, tc := range []struct {
		name               string
		tick               exchange.Tick
		buyFills, sellFill bool
	}{
		{"inside the spread", exchange.Tick{Bid: d("49000.01"), Ask: d("50999.99")}, false, false},
		{"ask equal to the buy", exchange.Tick{Bid: d("48999.99"), Ask: d("49000")}, true, false},
		{"bid equal to the sell", exchange.Tick{Bid: d("51000"), Ask: d("51000.01")}, false, true},
		{"ask one tick above the buy", exchange.Tick{Bid: d("48999"), Ask: d("49000.01")}, false, false},
		{"last only, below the buy", exchange.Tick{Last: d("48000")}, true, false},
		{"last only, above the sell", exchange.Tick{Last: d("52000")}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, start)
			r.mustPlace(limit("buy", exchange.Buy, "0.01", "49000"))
			r.mustPlace(limit("sell", exchange.Sell, "0.01", "51000"))
			tk := tc.tick
			tk.Symbol = "BTCUSDT"
			r.acct.OnTick(tk)
			for id, want := range map[string]bool{"buy": tc.buyFills, "sell": tc.sellFill} {
				o, err := r.acct.GetOrder(context.Background(), "BTCUSDT", id)
				if err != nil {
					t.Fatal(err)
				}
				if got := o.Status == exchange.StatusFilled; got != want {
					t.Errorf("%s: status %s, want filled %v", id, o.Status, want)
				}
			}
		})
	}
}

// A tick for another symbol leaves the book alone; one without a book keeps the last one.
func TestTicksMergePerSymbol(t *testing.T) {
	r := newRig(t, start)
	r.mustPlace(limit("buy", exchange.Buy, "0.01", "49000"))
	r.acct.OnTick(exchange.Tick{Symbol: "ETHUSDT", Bid: d("100"), Ask: d("100.01")})
	if open, _ := r.acct.OpenOrders(context.Background(), "BTCUSDT"); len(open) != 1 {
		t.Fatal("an ETHUSDT tick filled a BTCUSDT order")
	}
	r.tick("50000", "50000.1")
	r.acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Last: d("50010")}) // book unchanged
	o := r.mustPlace(market("m", exchange.Buy, "0.01"))
	if !o.Fills[0].Price.Equal(d("50000.1")) {
		t.Fatalf("market buy at %s, want the last known ask 50000.1", o.Fills[0].Price)
	}
	if open, _ := r.acct.OpenOrders(context.Background(), "ETHUSDT"); len(open) != 0 {
		t.Fatalf("ETHUSDT open orders %+v", open)
	}
}

// One order that cannot be filled (its lock is missing from the stored balance) is logged and
// left open; the other orders crossed by the same tick still fill.
func TestOneBadOrderDoesNotBlockTheTick(t *testing.T) {
	r := newRig(t, start)
	r.mustPlace(limit("good", exchange.Buy, "0.01", "49000"))
	r.mustPlace(limit("bad", exchange.Buy, "0.01", "48000"))
	r.acct.Close()
	if _, err := r.db.Exec(`UPDATE paper_balances SET locked = '490' WHERE asset = 'USDT'`); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	acct, err := New(context.Background(), r.db, Options{
		Rules: sim.New(sim.Options{}), Clock: r.clock,
		Logger: slog.New(slog.NewTextHandler(&logged, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d("47000"), Ask: d("47000.01")})
	for id, want := range map[string]exchange.OrderStatus{"good": exchange.StatusFilled, "bad": exchange.StatusNew} {
		o, err := acct.GetOrder(context.Background(), "BTCUSDT", id)
		if err != nil || o.Status != want {
			t.Errorf("%s: %s (%v), want %s", id, o.Status, err, want)
		}
	}
	if !strings.Contains(logged.String(), "client_id=bad") || strings.Contains(logged.String(), "client_id=good") {
		t.Errorf("log %q, want a warning about bad only", logged.String())
	}
}
