package engine

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
)

// sentRow journals a live order as sent (one attempt) and, when place is set, places it on the
// fake exchange under its client id, as a run that died before recording the answer leaves it.
func sentRow(t testing.TB, e *Engine, c *binance.Client, symbol string, price, qty decimal.Decimal, place bool) string {
	t.Helper()
	ctx := context.Background()
	now := e.now().UTC()
	row := &journal.Row{Order: OrderView{Mode: Live, Symbol: symbol, Side: exchange.Buy, Type: exchange.Limit,
		Price: price, Quantity: qty, Created: now, Updated: now}, KeyLabel: "k"}
	if err := e.j.InsertIntent(ctx, row); err != nil {
		t.Fatal(err)
	}
	if place {
		if _, err := c.PlaceOrder(ctx, (&orderRec{Row: *row}).request()); err != nil {
			t.Fatal(fmt.Errorf("placing %s on the fake: %w", row.ClientID, err))
		}
	}
	row.State, row.Attempts, row.SentAt = OrderSent, 1, now
	if err := e.j.SaveOrder(ctx, row); err != nil {
		t.Fatal(err)
	}
	return row.ClientID
}

// Reconciliation at restart lists each symbol's open orders once and settles every row the
// listing shows from it; only the rows it cannot show (here one that filled and one that never
// reached the exchange) are looked up one by one.
func TestResumeListsOncePerSymbolAndLooksUpTheRest(t *testing.T) {
	r := newInflightRig(t)
	ctx := context.Background()
	e1, c := r.engine(t, 0, nil)
	if err := e1.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.fx.SetBalance(crashKey, "USDT", "100000000"); err != nil {
		t.Fatal(err)
	}
	want := map[string]OrderState{}
	for range 4 {
		want[sentRow(t, e1, c, "BTCUSDT", d("50000"), d("0.001"), true)] = OrderAcked // resting below the market
	}
	for range 3 {
		want[sentRow(t, e1, c, "ETHUSDT", d("2500"), d("0.01"), true)] = OrderAcked
	}
	filled := sentRow(t, e1, c, "BTCUSDT", d("61000"), d("0.001"), true) // marketable: filled, off the book
	want[filled] = OrderFilled
	// Sent by the journal's account, but the process died before anything was signed: no
	// recorded send, nothing on the exchange.
	want[sentRow(t, e1, c, "ETHUSDT", d("2500"), d("0.01"), false)] = OrderRejected
	e1.Close()

	e2, _ := r.engine(t, 0, nil)
	before := len(r.fx.Requests())
	if err := e2.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, req := range r.fx.Requests()[before:] {
		if req.Method == http.MethodGet && req.Path != "/api/v3/time" {
			got[req.Path]++
		}
	}
	// Nothing for the seven resting rows but the two listings. The filled row costs a lookup
	// and its fills (the adapter's fill listing looks the order up again for its exchange
	// id, then lists its trades); the row that never left costs one lookup.
	wantReqs := map[string]int{"/api/v3/openOrders": 2, "/api/v3/order": 3, "/api/v3/myTrades": 1}
	for path, n := range wantReqs {
		if got[path] != n {
			t.Errorf("GET %s: %d requests, want %d (all: %v)", path, got[path], n, got)
		}
	}
	if len(got) != len(wantReqs) {
		t.Errorf("requests %v, want only %v", got, wantReqs)
	}
	for id, st := range want {
		if got := orderState(t, r.db, id); got != st {
			t.Errorf("%s: journal %s, want %s", id, got, st)
		}
	}
	var fills int
	if err := r.db.QueryRow(`SELECT count(*) FROM fills WHERE client_id = ?`, filled).Scan(&fills); err != nil || fills == 0 {
		t.Errorf("the filled order has %d fills recorded (%v), want its fill", fills, err)
	}
}

// With rows on so many symbols that one listing for every symbol weighs less than one per
// symbol (Binance: 80 against 6 each), reconciliation lists once for all of them.
func TestResumeListsAllSymbolsAtOnceWhenCheaper(t *testing.T) {
	var specs []fake.SymbolSpec
	for i := range allSymbolsAt {
		specs = append(specs, fake.SymbolSpec{Symbol: fmt.Sprintf("X%cUSDT", 'A'+i), Quote: "USDT", Price: "10.00"})
	}
	specs = append(specs, fake.DefaultSymbols()[0]) // the engine's own BTCUSDT
	r := newInflightRig(t, specs...)
	ctx := context.Background()
	e1, c := r.engine(t, 0, nil)
	var ids []string
	for _, s := range specs[:allSymbolsAt] {
		ids = append(ids, sentRow(t, e1, c, s.Symbol, d("9"), d("1"), true)) // resting below 10
	}
	e1.Close()

	e2, _ := r.engine(t, 0, nil)
	before := len(r.fx.Requests())
	if err := e2.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, req := range r.fx.Requests()[before:] {
		if req.Method == http.MethodGet && req.Path != "/api/v3/time" {
			got[req.Path]++
		}
	}
	if want := map[string]int{"/api/v3/openOrders": 1}; len(got) != 1 || got["/api/v3/openOrders"] != 1 {
		t.Errorf("requests %v for %d symbols, want %v", got, allSymbolsAt, want)
	}
	for _, id := range ids {
		if st := orderState(t, r.db, id); st != OrderAcked {
			t.Errorf("%s: journal %s, want acked", id, st)
		}
	}
}
