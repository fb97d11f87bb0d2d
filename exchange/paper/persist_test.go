package paper

import (
	"context"
	"database/sql"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestStateSurvivesReopen(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(market("m1", exchange.Buy, "0.01"))
	r.mustPlace(limit("l1", exchange.Buy, "0.01", "49000"))
	r.mustPlace(limit("l2", exchange.Sell, "0.1", "52000"))
	r.mustPlace(limit("l3", exchange.Buy, "0.02", "48000"))
	if _, err := r.acct.CancelOrder(context.Background(), "BTCUSDT", "l3"); err != nil {
		t.Fatal(err)
	}
	wantBalances := r.balances()
	wantOpen, err := r.acct.OpenOrders(context.Background(), "")
	if err != nil || len(wantOpen) != 2 {
		t.Fatalf("open orders %+v (%v)", wantOpen, err)
	}
	wantFills, _ := r.acct.OrderFills(context.Background(), "BTCUSDT", "m1")
	if err := r.acct.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.acct.Balances(context.Background()); !isErr(err, exchange.ErrUnavailable) {
		t.Fatalf("Balances after Close: %v", err)
	}
	r.db.Close()

	// Reopen the same file; different starting balances must not be applied again.
	r.db = openDB(t, r.dir)
	r.acct = r.open(map[string]decimal.Decimal{"USDT": d("5")})
	if got := r.balances(); len(got) != len(wantBalances) || got["USDT"] != wantBalances["USDT"] || got["BTC"] != wantBalances["BTC"] {
		t.Fatalf("balances after reopen %v, want %v", got, wantBalances)
	}
	gotOpen, err := r.acct.OpenOrders(context.Background(), "")
	if err != nil || len(gotOpen) != len(wantOpen) {
		t.Fatalf("open orders after reopen %+v (%v)", gotOpen, err)
	}
	for i := range gotOpen {
		if !sameOrder(gotOpen[i], wantOpen[i]) {
			t.Fatalf("open order %d after reopen:\n%+v\nwant\n%+v", i, gotOpen[i], wantOpen[i])
		}
	}
	gotFills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", "m1")
	if err != nil || len(gotFills) != 1 || gotFills[0] != wantFills[0] {
		t.Fatalf("fills after reopen %+v (%v), want %+v", gotFills, err, wantFills)
	}
	if o, err := r.acct.GetOrder(context.Background(), "BTCUSDT", "l3"); err != nil || o.Status != exchange.StatusCanceled {
		t.Fatalf("cancelled order after reopen: %+v (%v)", o, err)
	}

	// Resting orders still fill after the restart, and trade ids keep growing.
	r.tick("48999", "48999.01")
	fills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", "l1")
	if err != nil || len(fills) != 1 || fills[0].TradeID <= wantFills[0].TradeID {
		t.Fatalf("fill after reopen %+v (%v), want a new trade id", fills, err)
	}
	r.wantBalance("USDT", "9009.999", "0") // 10000 - 500.001 - 490
	if _, err := r.place(limit("l1", exchange.Buy, "0.01", "40000")); !isErr(err, exchange.ErrRejected) {
		t.Fatalf("client id from before the restart reused: %v", err)
	}
}

func sameOrder(a, b exchange.Order) bool {
	return a.ClientID == b.ClientID && a.ExchangeID == b.ExchangeID && a.Symbol == b.Symbol && a.Side == b.Side &&
		a.Type == b.Type && a.Status == b.Status && a.Price.Equal(b.Price) && a.Quantity.Equal(b.Quantity) &&
		a.ExecutedQty.Equal(b.ExecutedQty) && a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated)
}

func TestAccountsAreSeparate(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	r.mustPlace(market("a", exchange.Buy, "0.01"))
	other, err := New(context.Background(), r.db, Options{Name: "second", Rules: r.acct.rules, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	bs, err := other.Balances(context.Background())
	if err != nil || len(bs) != 1 || bs[0].Asset != "USDT" || !bs[0].Free.Equal(d("10000")) {
		t.Fatalf("second account balances %+v (%v)", bs, err)
	}
	if _, err := other.GetOrder(context.Background(), "BTCUSDT", "a"); !isErr(err, exchange.ErrUnknownOrder) {
		t.Fatalf("second account sees the first's order: %v", err)
	}
	other.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d("50000"), Ask: d("50000.1")})
	o, err := other.PlaceOrder(context.Background(), market("a", exchange.Buy, "0.01"))
	if err != nil {
		t.Fatalf("same client id in another account: %v", err)
	}
	first, _ := r.acct.OrderFills(context.Background(), "BTCUSDT", "a")
	if o.Fills[0].TradeID == first[0].TradeID {
		t.Fatalf("trade id %d used by both accounts", o.Fills[0].TradeID)
	}
}

func TestNeedsPaperTables(t *testing.T) {
	db, err := sql.Open("sqlite3", "file:"+t.TempDir()+"/bare.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := New(context.Background(), db, Options{Rules: newRig(t, nil).acct.rules}); err == nil {
		t.Fatal("opened an account in a database without the paper tables")
	}
}
