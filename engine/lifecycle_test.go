package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

func TestKillSwitch(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	r := newRig(t, db, x)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	eventually(t, "the ladder", func() bool {
		return r.count(t, `SELECT count(*) FROM orders WHERE state = 'acked'`) == 3
	})
	if err := r.e.EngageKillSwitch(ctx, "market is mad"); err != nil {
		t.Fatal(err)
	}
	if n := r.count(t, `SELECT count(*) FROM orders WHERE state <> 'cancelled'`); n != 0 {
		t.Fatalf("%d orders not cancelled", n)
	}
	if open, _ := x.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("%d orders still open on the exchange", len(open))
	}
	if v := r.bot(t, "g"); v.State != BotStopped {
		t.Fatalf("bot state %s, want stopped", v.State)
	}
	if err := r.e.StartBot(ctx, "g"); !errors.Is(err, ErrKillSwitch) {
		t.Fatalf("start: err = %v, want ErrKillSwitch", err)
	}
	r.tick(t, "99")

	// A new engine on the same data: still engaged.
	r2 := newRig(t, db, x)
	r2.running(t)
	if s := r2.e.Snapshot(); !s.KillSwitch || s.KillReason != "market is mad" {
		t.Fatalf("after restart: kill switch %v (%q), want engaged", s.KillSwitch, s.KillReason)
	}
	if err := r2.e.StartBot(ctx, "g"); !errors.Is(err, ErrKillSwitch) {
		t.Fatalf("start after restart: err = %v, want ErrKillSwitch", err)
	}
	if err := NewRegistry(db, nil).SetDesired(ctx, "g", true); !errors.Is(err, ErrKillSwitch) {
		t.Fatalf("registry start: err = %v, want ErrKillSwitch", err)
	}
	if err := r2.e.ReleaseKillSwitch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r2.e.StartBot(ctx, "g"); err != nil {
		t.Fatalf("start after release: %v", err)
	}
}

// Resume reconciles every row without a final state before any bot runs.
func TestResumeReconciles(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	ctx := context.Background()
	j, err := journal.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := NewRegistry(db, nil).Add(ctx, dcaBot("d"), btcRules); err != nil {
		t.Fatal(err)
	}
	if err := NewRegistry(db, nil).SetDesired(ctx, "d", true); err != nil {
		t.Fatal(err)
	}
	old := time.Now().UTC().Add(-time.Minute)
	mk := func(state OrderState, onExchange bool, market bool) string {
		rec := &journal.Row{Order: OrderView{Bot: "d", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
			Price: d("90"), Quantity: d("0.1"), Created: old, Updated: old}, Tag: "buy"}
		if market {
			rec.Type, rec.Price, rec.Quantity, rec.QuoteQty = exchange.Market, d("0"), d("0"), d("10")
		}
		if err := j.InsertIntent(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.State, rec.SentAt = state, old
		if err := j.SaveOrder(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if onExchange {
			if _, err := x.PlaceOrder(ctx, (&orderRec{Row: *rec}).request()); err != nil {
				t.Fatal(err)
			}
		}
		return rec.ClientID
	}
	intentLost := mk(OrderIntent, false, false)
	sentLost := mk(OrderSent, false, false)
	unknownPlaced := mk(OrderUnknown, true, false)
	sentFilled := mk(OrderSent, true, true)
	ackedResting := mk(OrderAcked, true, false)

	r := newRig(t, db, x)
	r.running(t)
	want := map[string]OrderState{intentLost: OrderRejected, sentLost: OrderRejected, unknownPlaced: OrderAcked, sentFilled: OrderFilled, ackedResting: OrderAcked}
	for id, st := range want {
		if got := orderState(t, db, id); got != st {
			t.Errorf("%s: state %s, want %s", id, got, st)
		}
	}
	if n := r.count(t, `SELECT count(*) FROM fills WHERE client_id = ?`, sentFilled); n != 1 {
		t.Fatalf("%d fills for the filled market order, want 1", n)
	}
	v := r.bot(t, "d")
	if v.State != BotRunning || !v.Position.Equal(d("0.1")) {
		t.Fatalf("bot %s with position %s, want running with 0.1", v.State, v.Position)
	}
	if v.OpenOrders != 2 {
		t.Fatalf("bot counts %d open orders, want 2", v.OpenOrders)
	}
	// A second engine: nothing is recorded twice.
	r.e.Close()
	r2 := newRig(t, db, x)
	r2.running(t)
	if n := r2.count(t, `SELECT count(*) FROM fills`); n != 1 {
		t.Fatalf("%d fills after a second restart, want 1", n)
	}
	for id, n := range x.placedCounts() {
		if n != 1 {
			t.Fatalf("%s placed %d times", id, n)
		}
	}
}

// Seal stops live bots but keeps them wanted; Resume brings them back.
func TestSealKeepsDesiredState(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	m := newTestMarket()
	sealed := false
	var mu sync.Mutex
	e, err := New(Config{DB: db, Market: m, ExchangeName: "binance", Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: fastLimits(),
		Live: func(string) (exchange.Trader, error) {
			mu.Lock()
			defer mu.Unlock()
			if sealed {
				return nil, errors.New("vault sealed")
			}
			return x, nil
		},
		KeyOK: func(context.Context, string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := dcaBot("l")
	cfg.Mode, cfg.KeyLabel, cfg.Budget = Live, "main", d("100")
	if err := e.AddBot(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "l"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	sealed = true
	mu.Unlock()
	if err := e.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	var desired, state string
	db.QueryRow(`SELECT desired, state FROM bots WHERE name = 'l'`).Scan(&desired, &state)
	if desired != "running" || state != "stopped" {
		t.Fatalf("after seal: desired %s, state %s; want running, stopped", desired, state)
	}
	if err := e.StartBot(ctx, "l"); !errors.Is(err, ErrLiveUnavailable) {
		t.Fatalf("start while sealed: err = %v, want ErrLiveUnavailable", err)
	}
	mu.Lock()
	sealed = false
	mu.Unlock()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.Snapshot().Bots[0]; v.State != BotRunning {
		t.Fatalf("after unseal: %s, want running", v.State)
	}
}

// An engine that starts with the kill switch engaged cancels what is still open and starts
// nothing.
func TestResumeWithKillSwitchEngagedCancels(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	r := newRig(t, db, x)
	ctx := context.Background()
	r.running(t)
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	r.e.Close() // a crash would leave the same: orders open, the bot wanted
	if open, _ := x.OpenOrders(ctx, ""); len(open) != 3 {
		t.Fatalf("%d open orders before the restart, want 3", len(open))
	}
	if err := r.e.j.SetKillSwitch(ctx, true, "engaged from elsewhere", time.Now()); err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, db, x)
	r2.running(t)
	if open, _ := x.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("%d orders still open on the exchange", len(open))
	}
	if v := r2.bot(t, "g"); v.State == BotRunning {
		t.Fatal("bot started with the kill switch engaged")
	}
}

// A bot stopped from the command line while no engine ran has its orders cancelled when the
// next engine starts, as StopBot would have done.
func TestResumeCancelsOrdersOfBotsStoppedOffline(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	ctx := context.Background()
	r := newRig(t, db, x)
	r.running(t)
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	r.e.Close()
	if err := NewRegistry(db, nil).SetDesired(ctx, "g", false); err != nil {
		t.Fatal(err)
	}
	r2 := newRig(t, db, x)
	r2.running(t)
	if open, _ := x.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("%d orders of the stopped bot still open", len(open))
	}
	if n := r2.count(t, `SELECT count(*) FROM orders WHERE state = 'cancelled'`); n != 3 {
		t.Fatalf("%d cancelled rows, want 3", n)
	}
}

// A new engine's first snapshot shows the recent orders, fills and history of the last one.
func TestSnapshotOpensWithHistory(t *testing.T) {
	db := testDB(t)
	r := newRig(t, db, nil)
	ctx := context.Background()
	v, err := r.e.PlaceManual(ctx, ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, Quantity: d("0.1"), Mode: Paper})
	if err != nil {
		t.Fatal(err)
	}
	r.e.event("", "info", "a line from before")
	r.e.Close()
	s := newRig(t, db, nil).e.Snapshot()
	if len(s.Orders) != 1 || s.Orders[0].ClientID != v.ClientID || len(s.Fills) != 1 {
		t.Fatalf("first snapshot: %d orders, %d fills; want the earlier order and its fill", len(s.Orders), len(s.Fills))
	}
	if len(s.Log) == 0 || s.Log[0].Message != "a line from before" {
		t.Fatalf("first snapshot log %+v, want the earlier line first", s.Log)
	}
}

// rulesHookMarket runs onRules before answering a rules request.
type rulesHookMarket struct {
	*testMarket
	onRules func()
}

func (m *rulesHookMarket) Rules(ctx context.Context, symbol string) (exchange.Rules, error) {
	if m.onRules != nil {
		m.onRules()
	}
	return m.testMarket.Rules(ctx, symbol)
}

// A kill switch engaged while a bot is starting leaves the bot stopped: the start must not
// finish behind the switch's back.
func TestKillSwitchDuringStart(t *testing.T) {
	m := &rulesHookMarket{testMarket: newTestMarket()}
	e, err := New(Config{DB: testDB(t), Market: m, Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{e: e, db: e.cfg.DB, mkt: m.testMarket}
	t.Cleanup(func() { e.Close() })
	r.running(t)
	ctx := context.Background()
	if err := e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.rules = map[string]exchange.Rules{} // StartBot asks the market again
	e.mu.Unlock()
	var once sync.Once
	m.onRules = func() {
		once.Do(func() {
			if err := e.EngageKillSwitch(ctx, "panic"); err != nil {
				t.Error(err)
			}
		})
	}
	if err := e.StartBot(ctx, "g"); !errors.Is(err, ErrKillSwitch) {
		t.Fatalf("start: err = %v, want ErrKillSwitch", err)
	}
	if v := r.bot(t, "g"); v.State == BotRunning {
		t.Fatal("bot running with the kill switch engaged")
	}
	if n := r.count(t, `SELECT count(*) FROM bots WHERE desired = 'running' OR state = 'running'`); n != 0 {
		t.Fatal("the store says the bot runs with the kill switch engaged")
	}
}

// Starts that race (a background resume retry beside the user's start) run one order worker
// for the bot, not one per start: stopping it leaves no worker behind.
func TestConcurrentStartsRunOneWorker(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	base := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.e.StartBot(ctx, "g"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := r.e.StopBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no order worker left", func() bool { return runtime.NumGoroutine() <= base })
}

// An order whose outcome was still unknown when its bot was stopped is cancelled once the
// exchange shows it on the book: the stop's cancels could not see it.
func TestStopCancelsAnOrderResolvedLater(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	fails := make([]fault, 1_000_000)
	for i := range fails {
		fails[i] = faultLookupFails
	}
	r.x.script(faultDropAfter) // the first buy reaches the book; its answer is lost
	r.x.scriptLookups(fails...)
	r.mkt.ticks <- exchange.Tick{Symbol: "BTCUSDT", Last: d("101"), Time: time.Now().UTC()}
	var id string
	eventually(t, "an order with an unknown outcome", func() bool {
		return r.db.QueryRow(`SELECT client_id FROM orders WHERE state = 'unknown'`).Scan(&id) == nil
	})
	if err := r.e.StopBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.x.mu.Lock()
	r.x.lookups = nil // the exchange answers again
	r.x.mu.Unlock()
	eventually(t, "the order cancelled at the exchange", func() bool {
		o, ok := r.x.order(id)
		return ok && o.Status == exchange.StatusCanceled && orderState(t, r.db, id) == OrderCancelled
	})
}
