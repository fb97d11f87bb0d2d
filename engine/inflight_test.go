package engine

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/binance"
	"github.com/quantdeck/quantdeck/exchange/fake"
	"github.com/quantdeck/quantdeck/store"
)

// inflightRig is the engine trading live through the Binance adapter against the fake
// exchange, everything on one controllable clock: waits advance it, no real time passes.
type inflightRig struct {
	clk *fake.Clock
	fx  *fake.Server
	db  *sql.DB
	dir string
	lim Limits // the engine's limits; the defaults when zero
}

func newInflightRig(t testing.TB, symbols ...fake.SymbolSpec) *inflightRig {
	t.Helper()
	clk := fake.NewClock(time.Date(2026, 12, 6, 12, 0, 0, 500_000_000, time.UTC))
	fx, err := fake.New(fake.Options{Clock: clk, OrderLimit10s: -1, Symbols: symbols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fx.Close)
	if err := fx.AddKey(crashKey, crashSecret, fake.TradeOnly(), map[string]string{"USDT": "100000"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &inflightRig{clk: clk, fx: fx, db: db, dir: dir}
}

// engine starts an engine on the rig's database with a fresh adapter; wrap, when set, stands
// between them.
func (r *inflightRig) engine(t testing.TB, recvWindow time.Duration, wrap func(exchange.Trader) exchange.Trader) (*Engine, *binance.Client) {
	t.Helper()
	c, err := binance.New(binance.Config{Name: "binance", RESTURL: r.fx.URL(), WSURL: r.fx.WSURL(),
		Creds: staticCreds{crashKey, crashSecret}, Clock: r.clk, RecvWindow: recvWindow})
	if err != nil {
		t.Fatal(err)
	}
	var tr exchange.Trader = c
	if wrap != nil {
		tr = wrap(c)
	}
	e, err := New(Config{DB: r.db, Market: c, ExchangeName: "binance", Symbols: []string{"BTCUSDT"}, Limits: r.lim,
		Live:  func(string) (exchange.Trader, error) { return tr, nil },
		KeyOK: func(context.Context, string) error { return nil }, Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, c
}

// placements counts the orders the exchange holds under one client id.
func (r *inflightRig) placements(id string) int {
	n := 0
	for _, o := range r.fx.Orders(crashKey) {
		if o.ClientID == id {
			n++
		}
	}
	return n
}

// settle lets every late request that can still land do so.
func (r *inflightRig) settle() {
	r.clk.Advance(2 * time.Minute)
	r.fx.DeliverDue()
}

func marketableBuy() ManualOrder {
	// A marketable limit order: it fills at once, so a second placement is a second fill.
	return ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Price: d("61000"), Quantity: d("0.001"), Mode: Live, KeyLabel: "k"}
}

// A request delivered late, at the last moment its own timestamp and receive window allow,
// must never be followed by a second placement of the same order: the engine looks it up
// again only after every request that carried the id has expired. The old rule (InFlightWindow
// after the journal's sent time) resent too early in every case below.
func TestLateRequestNotPlacedTwice(t *testing.T) {
	tests := []struct {
		name       string
		recvWindow time.Duration
		warm       bool // clock synced and rules loaded before the order
		inject     func(*fake.Server)
		byQty      bool // a market order by quantity: the adapter looks its price up first
	}{
		{"delayed past the old window, within its own receive window", 20 * time.Second, true,
			func(f *fake.Server) { f.DeliverLateNext(1) }, false},
		{"slow clock sync before signing (and a -1021 resend)", 0, false, func(f *fake.Server) {
			f.SlowNext("/api/v3/time", 1, 12*time.Second)
			f.DeliverLateNext(1)
		}, false},
		// The price lookup's answer shows the minute's budget nearly spent (other clients on
		// the address): the adapter waits for the next minute, after the journal's sent time.
		{"price lookup, then a wait on the weight budget before signing", 0, true, func(f *fake.Server) {
			f.UseWeight(5950)
			f.DeliverLateNext(1)
		}, true},
		{"-1021, then a wait on the weight budget before the second send", 0, true, func(f *fake.Server) {
			f.UseWeight(5390)
			f.ClockSkewNext(1)
			f.DeliverLateNext(1)
		}, false},
		{"delayed within the old window (control)", 0, true, func(f *fake.Server) { f.DeliverLateNext(1) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newInflightRig(t)
			e, c := r.engine(t, tc.recvWindow, nil)
			ctx := context.Background()
			if err := e.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.warm {
				if _, err := e.Rules(ctx, "BTCUSDT"); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Balances(ctx); err != nil {
					t.Fatal(err)
				}
			}
			tc.inject(r.fx)
			o := marketableBuy()
			if tc.byQty {
				o.Type, o.Price = exchange.Market, d("0")
			}
			v, err := e.PlaceManual(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			r.settle()
			if n := r.placements(v.ClientID); n != 1 || v.State != OrderFilled {
				for _, q := range r.fx.Requests() {
					t.Logf("%s %s %s %d %d %s", q.Time.Format("15:04:05.000"), q.Method, q.Path, q.Status, q.Code, q.ClientOrderID)
				}
				t.Fatalf("placed %d times, state %s (%s); want once, filled", n, v.State, v.Reason)
			}
			if r.fx.Held() != 0 {
				t.Fatalf("%d requests still held", r.fx.Held())
			}
			var sends int
			if err := r.db.QueryRow(`SELECT count(*) FROM order_sends WHERE client_id = ? AND source = 'signed'`, v.ClientID).Scan(&sends); err != nil {
				t.Fatal(err)
			}
			if want := countNewOrders(r.fx, v.ClientID); sends != want {
				t.Fatalf("%d sends in the journal, %d new-order requests reached the exchange", sends, want)
			}
		})
	}
}

func countNewOrders(fx *fake.Server, id string) int {
	n := 0
	for _, x := range fx.NewOrderIDs() {
		if x == id {
			n++
		}
	}
	return n
}

// stopAfterPlace ends the engine's placement right after the request went out, as a crash
// would: the row stays unresolved, with its sends in the journal.
type stopAfterPlace struct {
	*binance.Client
	stop context.CancelFunc
}

func (s stopAfterPlace) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := s.Client.PlaceOrder(ctx, req)
	s.stop()
	return o, err
}

// A restart applies the same rule from the journal: the order whose request is still held
// is not declared "never reached the exchange" until that request has expired, and is then
// found.
func TestRestartAppliesInFlightRuleFromJournal(t *testing.T) {
	r := newInflightRig(t)
	ctx := context.Background()
	runCtx, stop := context.WithCancel(ctx)
	e1, c1 := r.engine(t, 20*time.Second, func(tr exchange.Trader) exchange.Trader {
		return stopAfterPlace{Client: tr.(*binance.Client), stop: stop}
	})
	if err := e1.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	r.fx.DeliverLateNext(1)
	v, _ := e1.PlaceManual(runCtx, marketableBuy())
	if v.State != OrderUnknown {
		t.Fatalf("first run: state %s (%s), want unknown", v.State, v.Reason)
	}
	e1.Close()

	r.clk.Advance(11 * time.Second) // past the old InFlightWindow, within the receive window
	e2, _ := r.engine(t, 0, nil)
	if err := e2.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	r.settle()
	if got := orderState(t, r.db, v.ClientID); got != OrderFilled || r.placements(v.ClientID) != 1 {
		t.Fatalf("after the restart: journal %s, placed %d times; want filled, once", got, r.placements(v.ClientID))
	}
}

// A row whose attempt has no recorded send (the process died between the journal write and
// the signature) sent nothing: the restart declares it never placed without waiting.
func TestRestartWithoutRecordedSend(t *testing.T) {
	r := newInflightRig(t)
	ctx := context.Background()
	e1, _ := r.engine(t, 0, nil)
	now := r.clk.Now()
	rec := &orderRec{Row: journal.Row{Order: OrderView{Mode: Live, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: d("61000"), Quantity: d("0.001"), Created: now, Updated: now}, KeyLabel: "k"}}
	if err := e1.j.InsertIntent(ctx, &rec.Row); err != nil {
		t.Fatal(err)
	}
	if err := e1.markSent(ctx, rec, true); err != nil {
		t.Fatal(err)
	}
	e1.Close()
	e2, _ := r.engine(t, 0, nil)
	if err := e2.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got := orderState(t, r.db, rec.ClientID); got != OrderRejected {
		t.Fatalf("journal %s, want rejected (never sent)", got)
	}
	if waited := r.clk.Now().Sub(now); waited >= time.Second {
		t.Fatalf("waited %s for a request that never left", waited)
	}
}

// A row sent by a version that did not record its sends gets, from the migration, the
// longest receive window Binance allows plus a minute for clock error.
func TestMigrationGivesLegacySentRowsTheLongestWindow(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := journal.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE order_sends; UPDATE schema_versions SET version = 1 WHERE owner = 'journal'`); err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 12, 6, 12, 0, 0, 123456789, time.UTC)
	for _, row := range []struct{ id, state string }{{"qd-x-m-1", "sent"}, {"qd-x-m-2", "unknown"}, {"qd-x-m-3", "filled"}} {
		if _, err := db.Exec(`INSERT INTO orders(client_id, mode, symbol, side, type, state, attempts, created_at, updated_at, sent_at)
			VALUES (?, 'live', 'BTCUSDT', 'BUY', 'LIMIT', ?, 1, ?, ?, ?)`, row.id, row.state, fmtTime(sent), fmtTime(sent), fmtTime(sent)); err != nil {
			t.Fatal(err)
		}
	}
	if err := journal.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	j := journal.New(db)
	for _, tc := range []struct {
		id   string
		want time.Time
	}{
		{"qd-x-m-1", sent.Add(120 * time.Second).Truncate(time.Millisecond)},
		{"qd-x-m-2", sent.Add(120 * time.Second).Truncate(time.Millisecond)},
		{"qd-x-m-3", time.Time{}},
	} {
		got, err := j.QuietAt(ctx, tc.id)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: quiet at %s (%v), want %s", tc.id, got, err, tc.want)
		}
	}
}

// BenchmarkPlaceLiveOrder: one live order through the journal (intent, attempt, the signed
// send recorded before it leaves, the answer) and the Binance adapter to the fake exchange.
func BenchmarkPlaceLiveOrder(b *testing.B) {
	r := newInflightRig(b)
	e, c := r.engine(b, 0, nil)
	ctx := context.Background()
	if err := e.Resume(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Balances(ctx); err != nil {
		b.Fatal(err)
	}
	if err := r.fx.SetBalance(crashKey, "USDT", "100000000000"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.PlaceManual(ctx, marketableBuy()); err != nil {
			b.Fatal(err)
		}
	}
}

// A signed send's expiry is kept on the monotonic clock: the wait for it is elapsed time, so a
// step of the wall clock (NTP, a hand-set date) cannot make a lookup's "unknown" trusted early.
// On the system clock the row's deadline carries a monotonic reading and is the instant the
// journal recorded; a reading without one (a fake clock's) is kept as it is.
func TestInFlightExpiryOnTheMonotonicClock(t *testing.T) {
	_, e, _ := liveOnFake(t)
	ctx := context.Background()
	// A limit buy far below the market: it rests, so its row stays open.
	v, err := e.PlaceManual(ctx, ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Price: d("30000"),
		Quantity: d("0.001"), Mode: Live, KeyLabel: "k"})
	if err != nil {
		t.Fatal(err)
	}
	rec := e.openFor(func(r *orderRec) bool { return r.ClientID == v.ClientID })
	if len(rec) != 1 {
		t.Fatalf("order %s is not open", v.ClientID)
	}
	e.jmu.Lock()
	q := rec[0].quietAt
	e.jmu.Unlock()
	if !strings.Contains(q.String(), " m=") {
		t.Fatalf("the in-flight deadline %s has no monotonic reading", q)
	}
	stored, err := e.j.QuietAt(ctx, v.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if d := q.Sub(stored); d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("deadline %s, the journal's %s: want the same instant", q, stored)
	}

	wall := time.Date(2026, 12, 6, 12, 0, 5, 0, time.UTC)
	if got := onMonotonic(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), wall); got != wall {
		t.Fatalf("on a clock without monotonic readings: %s, want %s unchanged", got, wall)
	}
	now := time.Now()
	at := onMonotonic(now, now.Round(0).Add(5*time.Second))
	if !strings.Contains(at.String(), " m=") || at.Sub(now) != 5*time.Second {
		t.Fatalf("onMonotonic(now, now+5s) = %s, %s after now; want a monotonic reading 5s on", at, at.Sub(now))
	}
}
