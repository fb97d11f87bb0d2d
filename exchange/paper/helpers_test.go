package paper

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/store"
)

var d = decimal.MustParse

// newClock returns the tests' fake clock.
func newClock() *clock.Fake { return clock.NewFake(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)) }

// openDB opens a QuantDeck database in dir, closed at the end of the test.
func openDB(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rig is an account on a fresh database with sim rules and a fake clock.
type rig struct {
	t     testing.TB
	dir   string
	db    *sql.DB
	clock *clock.Fake
	acct  *Account
}

func newRig(t testing.TB, start map[string]decimal.Decimal) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir(), clock: newClock()}
	r.db = openDB(t, r.dir)
	r.acct = r.open(start)
	return r
}

func (r *rig) open(start map[string]decimal.Decimal) *Account {
	r.t.Helper()
	a, err := New(context.Background(), r.db, Options{
		Rules: sim.New(sim.Options{}), StartingBalances: start, Clock: r.clock,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { a.Close() })
	return a
}

// tick sends a BTCUSDT tick with the given bid and ask (last = bid).
func (r *rig) tick(bid, ask string) {
	r.acct.OnTick(exchange.Tick{Symbol: "BTCUSDT", Bid: d(bid), Ask: d(ask), Last: d(bid), Time: r.clock.Now()})
}

func (r *rig) place(req exchange.OrderRequest) (exchange.Order, error) {
	return r.acct.PlaceOrder(context.Background(), req)
}

func (r *rig) mustPlace(req exchange.OrderRequest) exchange.Order {
	r.t.Helper()
	o, err := r.place(req)
	if err != nil {
		r.t.Fatalf("placing %+v: %v", req, err)
	}
	return o
}

// balances returns free and locked per asset as strings without trailing zeros.
func (r *rig) balances() map[string][2]string {
	r.t.Helper()
	bs, err := r.acct.Balances(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	out := make(map[string][2]string, len(bs))
	for _, b := range bs {
		out[b.Asset] = [2]string{b.Free.Trim(0).String(), b.Locked.Trim(0).String()}
	}
	return out
}

func (r *rig) wantBalance(asset, free, locked string) {
	r.t.Helper()
	got := r.balances()[asset]
	if got != [2]string{free, locked} {
		r.t.Fatalf("%s balance free %s locked %s, want free %s locked %s", asset, got[0], got[1], free, locked)
	}
}

func limit(id string, side exchange.Side, qty, price string) exchange.OrderRequest {
	return exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: side, Type: exchange.Limit, Quantity: d(qty), Price: d(price)}
}

func market(id string, side exchange.Side, qty string) exchange.OrderRequest {
	return exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: side, Type: exchange.Market, Quantity: d(qty)}
}

func marketQuote(id string, side exchange.Side, quote string) exchange.OrderRequest {
	return exchange.OrderRequest{ClientID: id, Symbol: "BTCUSDT", Side: side, Type: exchange.Market, QuoteQty: d(quote)}
}

func isErr(err, target error) bool { return errors.Is(err, target) }
