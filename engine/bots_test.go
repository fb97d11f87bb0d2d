package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// testClock is a settable clock for the engine.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// stampedBy is the system clock reading its time from now: tests that set the time the engine
// stamps but let its waits pass as they do in production.
func stampedBy(now func() time.Time) clock.Clock { return stamped{now: now} }

type stamped struct {
	clock.System
	now func() time.Time
}

func (s stamped) Now() time.Time { return s.now() }

func (c *testClock) Add(d time.Duration) {
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
	eventually(t, "the tick to be processed", func() bool { return ticksHandled(r.e, n, "BTCUSDT") })
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
			clk := &testClock{now: time.Now().UTC()}
			r := newRig(t, nil, nil)
			r.e.clk = stampedBy(clk.Now)
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
	// A new bot would rebuild its position and history from those rows: the name stays taken.
	if err := r.e.AddBot(ctx, gridBot("g")); !errors.Is(err, ErrBotExists) || !strings.Contains(err.Error(), "removed bot") {
		t.Fatalf("adding a bot under a removed bot's name: err = %v, want ErrBotExists", err)
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

func TestBotOutsideWatchlistRefused(t *testing.T) {
	r := newRig(t, nil, nil)
	c := dcaBot("e")
	c.Symbol = "ETHUSDT"
	err := r.e.AddBot(context.Background(), c)
	if !errors.Is(err, ErrInvalidBot) || !strings.Contains(err.Error(), "QUANTDECK_SYMBOLS") {
		t.Fatalf("err = %v, want a watchlist refusal", err)
	}
}
