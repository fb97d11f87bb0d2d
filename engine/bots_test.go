package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// clock is a settable clock for the engine.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// running starts Run and Resume and stops the engine at the end of the test.
func (r *rig) running(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if err := r.e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
}

// tick sends one tick and waits until the engine has processed it and every bot's orders
// have settled: nothing queued or in flight.
func (r *rig) tick(t *testing.T, price string) {
	t.Helper()
	n := r.e.ticks.Load()
	r.mkt.ticks <- exchange.Tick{Symbol: "BTCUSDT", Last: d(price), Bid: d(price), Ask: d(price), Time: time.Now().UTC()}
	eventually(t, "the tick to be processed", func() bool { return r.e.ticks.Load() > n })
	eventually(t, "orders to settle", func() bool {
		for _, b := range r.e.Snapshot().Bots {
			if b.State != BotRunning {
				continue
			}
			if b.OpenOrders != r.count(t, `SELECT count(*) FROM orders WHERE bot = ? AND state IN ('acked', 'partial')`, b.Config.Name) {
				return false
			}
		}
		return true
	})
}

func (r *rig) bot(t *testing.T, name string) BotView {
	t.Helper()
	for _, b := range r.e.Snapshot().Bots {
		if b.Config.Name == name {
			return b
		}
	}
	t.Fatalf("no bot %s in the snapshot", name)
	return BotView{}
}

func (r *rig) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := r.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func dcaBot(name string, kv ...string) BotConfig {
	p := map[string]string{"amount": "10", "interval": "1h"}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return BotConfig{Name: name, Symbol: "BTCUSDT", Strategy: "dca", Params: p, Mode: Paper}
}

func gridBot(name string) BotConfig {
	return BotConfig{Name: name, Symbol: "BTCUSDT", Strategy: "grid", Mode: Paper,
		Params: map[string]string{"lower": "90", "upper": "110", "levels": "5", "quantity": "0.1"}}
}

func TestStartBeforeResumeIsRefused(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, dcaBot("d")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "d"); !errors.Is(err, ErrNotResumed) {
		t.Fatalf("err = %v, want ErrNotResumed", err)
	}
}

func TestDCABotTradesAndKeepsPosition(t *testing.T) {
	r := newRig(t, nil, nil)
	r.x.fee = d("0.001")
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, dcaBot("d")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100")
	eventually(t, "a filled buy", func() bool { return r.bot(t, "d").Buys == 1 })
	v := r.bot(t, "d")
	if !v.Position.Equal(d("0.1")) || !v.AvgEntry.Equal(d("100.1")) {
		t.Fatalf("position %s at %s, want 0.1 at 100.1 (fee included)", v.Position, v.AvgEntry)
	}
	r.tick(t, "110")
	eventually(t, "unrealized profit", func() bool { return r.bot(t, "d").UnrealizedPnL.Equal(d("0.99")) })
	if n := r.count(t, `SELECT count(*) FROM orders WHERE bot = 'd' AND state = 'filled'`); n != 1 {
		t.Fatalf("%d filled orders, want 1 (interval not elapsed)", n)
	}
}

func TestRiskGuard(t *testing.T) {
	tests := []struct {
		name       string
		cfg        BotConfig
		prices     []string
		advance    time.Duration // clock step per tick
		wantOrders int           // orders that reached the journal
		wantState  BotState
		wantEvent  string
	}{
		{"budget stops buying", func() BotConfig { c := dcaBot("b", "interval", "1s"); c.Budget = d("25"); return c }(),
			[]string{"100", "100", "100", "100"}, 2 * time.Second, 2, BotRunning, "budget 25 would be exceeded"},
		{"max order notional", func() BotConfig { c := gridBot("b"); c.MaxOrderNotional = d("5"); return c }(),
			[]string{"111"}, 0, 0, BotRunning, "above the bot's maximum of 5"},
		{"max open orders", func() BotConfig { c := gridBot("b"); c.MaxOpenOrders = 2; return c }(),
			[]string{"111"}, 0, 2, BotRunning, "2 open orders is the bot's maximum"},
		{"daily loss limit pauses", func() BotConfig { c := dcaBot("b"); c.DailyLossLimit = d("1"); return c }(),
			[]string{"100", "95", "80"}, time.Second, 1, BotPaused, "daily loss limit reached"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{now: time.Now().UTC()}
			r := newRig(t, nil, nil)
			r.e.now = clk.Now
			r.running(t)
			ctx := context.Background()
			if err := r.e.AddBot(ctx, tc.cfg); err != nil {
				t.Fatal(err)
			}
			if err := r.e.StartBot(ctx, "b"); err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.prices {
				r.tick(t, p)
				clk.Add(tc.advance)
			}
			defer func() {
				if t.Failed() {
					evs, _ := r.e.BotEvents(ctx, "b", 100)
					for _, e := range evs {
						t.Log(e.Level, e.Message)
					}
				}
			}()
			eventually(t, "the expected history line", func() bool {
				evs, _ := r.e.BotEvents(ctx, "b", 100)
				for _, e := range evs {
					if strings.Contains(e.Message, tc.wantEvent) {
						return true
					}
				}
				return false
			})
			eventually(t, "the bot state", func() bool { return r.bot(t, "b").State == tc.wantState })
			if n := r.count(t, `SELECT count(*) FROM orders`); n != tc.wantOrders {
				t.Fatalf("%d orders journaled, want %d", n, tc.wantOrders)
			}
		})
	}
}

// A grid's limit orders fill on the exchange; the poller notices, records the fills and the
// strategy places the opposite order.
func TestGridFillsFoundByPolling(t *testing.T) {
	r := newRig(t, nil, nil)
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
		return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND state = 'acked'`) == 3
	})
	r.tick(t, "99") // crosses the buy at 100 on the exchange
	eventually(t, "the fill", func() bool { return r.bot(t, "g").Buys == 1 })
	r.tick(t, "99")
	eventually(t, "the sell above", func() bool {
		return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND side = 'SELL' AND price = '105' AND state = 'acked'`) == 1
	})
}

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
	j, err := openJournal(ctx, db)
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
		rec := &orderRec{OrderView: OrderView{Bot: "d", Mode: Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
			Price: d("90"), Quantity: d("0.1"), Created: old, Updated: old}, Tag: "buy"}
		if market {
			rec.Type, rec.Price, rec.Quantity, rec.QuoteQty = exchange.Market, d("0"), d("0"), d("10")
		}
		if err := j.insertIntent(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.State, rec.SentAt = state, old
		if err := saveOrder(ctx, db, rec); err != nil {
			t.Fatal(err)
		}
		if onExchange {
			if _, err := x.PlaceOrder(ctx, rec.request()); err != nil {
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

func TestStopCancelsAndRemove(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.AddBot(ctx, gridBot("g")); !errors.Is(err, ErrBotExists) {
		t.Fatalf("second add: err = %v, want ErrBotExists", err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.RemoveBot(ctx, "g"); !errors.Is(err, ErrBotRunning) {
		t.Fatalf("remove running: err = %v, want ErrBotRunning", err)
	}
	r.tick(t, "101")
	eventually(t, "the ladder", func() bool { return r.count(t, `SELECT count(*) FROM orders WHERE state = 'acked'`) == 3 })
	if err := r.e.StopBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if n := r.count(t, `SELECT count(*) FROM orders WHERE state <> 'cancelled'`); n != 0 {
		t.Fatalf("%d orders left open after stop", n)
	}
	if err := r.e.RemoveBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if len(r.e.Snapshot().Bots) != 0 {
		t.Fatal("bot still listed after remove")
	}
	if n := r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g'`); n != 3 {
		t.Fatalf("journal lost the removed bot's orders: %d rows", n)
	}
}

// Seal stops live bots but keeps them wanted; Resume brings them back.
func TestSealKeepsDesiredState(t *testing.T) {
	db := testDB(t)
	x := newMemExchange()
	m := newTestMarket()
	sealed := false
	var mu sync.Mutex
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: newMemExchange(), Limits: fastLimits(),
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
	if err := r.e.j.setKillSwitch(ctx, true, "engaged from elsewhere", time.Now()); err != nil {
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

// The value cap limits buying; selling the bot's own position is never blocked by it.
func TestMaxOrderValueDoesNotTrapPosition(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	c := dcaBot("d", "amount", "10", "take_profit", "5")
	c.MaxOrderNotional = d("10")
	if err := r.e.AddBot(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100") // buys 0.1 for 10
	r.tick(t, "200") // the take-profit sells 0.1 worth 20, above the cap
	eventually(t, "the take-profit", func() bool { return r.bot(t, "d").Sells == 1 })
	if v := r.bot(t, "d"); !v.RealizedPnL.Equal(d("10")) {
		t.Fatalf("realized %s, want 10", v.RealizedPnL)
	}
}

// streamExchange pushes every fill of a resting order, as the paper account does.
type streamExchange struct {
	*memExchange
	updates chan exchange.Order
}

func (s *streamExchange) OrderUpdates() <-chan exchange.Order { return s.updates }

func (s *streamExchange) OnTick(t exchange.Tick) {
	s.memExchange.OnTick(t)
	s.mu.Lock()
	var changed []exchange.Order
	for _, o := range s.orders {
		if o.Status == exchange.StatusFilled && o.Type == exchange.Limit && !o.Updated.Equal(t0) {
			o.Updated = t0 // pushed once
			changed = append(changed, s.copyLocked(o))
		}
	}
	s.mu.Unlock()
	for _, o := range changed {
		s.updates <- o
	}
}

// Fills pushed by the trader's order stream are recorded without any polling.
func TestOrderStreamFills(t *testing.T) {
	x := &streamExchange{memExchange: newMemExchange(), updates: make(chan exchange.Order, 64)}
	m := newTestMarket()
	lim := fastLimits()
	lim.PollInterval = time.Hour
	e, err := New(Config{DB: testDB(t), Market: m, Symbols: []string{"BTCUSDT"}, Paper: x, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{e: e, db: e.cfg.DB, mkt: m, x: x.memExchange}
	t.Cleanup(func() { e.Close() })
	r.running(t)
	ctx := context.Background()
	if err := e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	r.tick(t, "99")
	eventually(t, "the pushed fill", func() bool { return r.bot(t, "g").Buys == 1 })
	if n := r.count(t, `SELECT count(*) FROM fills`); n != 1 {
		t.Fatalf("%d fills, want 1", n)
	}
}
