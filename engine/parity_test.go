package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// settableClock is the engine's and the paper account's clock, set to each tick's time.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *settableClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestBacktestParityWithPaperTrading runs a paper bot in the real engine on the simulated
// market, records the ticks it was fed, replays them through the backtest, and requires the
// same orders and the same fills, to the last digit.
func TestBacktestParityWithPaperTrading(t *testing.T) {
	from := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	hist, err := sim.New(sim.Options{Seed: 11}).CandlesBetween(context.Background(), "BTCUSDT", time.Minute, from, from.Add(6*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := hist[0].C, hist[0].C
	for _, c := range hist {
		lo, hi = lo.Min(c.C), hi.Max(c.C)
	}
	tests := []struct {
		name     string
		strategy string
		params   map[string]string
	}{
		{"grid", "grid", map[string]string{"lower": lo.Trunc(0).String(), "upper": hi.Ceil(0).String(), "levels": "12", "quantity": "0.002"}},
		{"dca", "dca", map[string]string{"amount": "50", "interval": "10m", "take_profit": "0.3", "dip_steps": "0.2,0.5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live, ticks := runPaperBot(t, tc.strategy, tc.params, hist)
			rules, _ := sim.New(sim.Options{}).Rules(context.Background(), "BTCUSDT")
			res, err := backtest.RunTicks(context.Background(), backtest.Config{
				Symbol: "BTCUSDT", Strategy: tc.strategy, Params: tc.params, Rules: rules, Budget: d("10000"),
				FeeRate: paper.DefaultFeeRate, Interval: time.Minute, MaxOpenOrders: DefaultLimits().MaxOpenOrders,
			}, ticks)
			if err != nil {
				t.Fatal(err)
			}
			var orders, fills []string
			for _, o := range res.Orders {
				orders = append(orders, orderKey(o.Created, o.Side, o.Type, o.Price, o.Executed, string(o.Status)))
			}
			for _, f := range res.Trades {
				fills = append(fills, fillKey(f.Time, f.Side, f.Price, f.Qty, f.Fee, f.FeeAsset))
			}
			slices.Sort(orders)
			slices.Sort(fills)
			if len(live.fills) < 6 {
				t.Fatalf("only %d fills live: the scenario does not exercise the strategy", len(live.fills))
			}
			t.Logf("%d orders, %d fills, e.g. %s", len(live.orders), len(live.fills), live.fills[len(live.fills)/2])
			if !slices.Equal(orders, live.orders) {
				t.Errorf("orders differ\nlive     %s\nbacktest %s", strings.Join(live.orders, "\n         "), strings.Join(orders, "\n         "))
			}
			if !slices.Equal(fills, live.fills) {
				t.Errorf("fills differ\nlive     %s\nbacktest %s", strings.Join(live.fills, "\n         "), strings.Join(fills, "\n         "))
			}
		})
	}
}

type recorded struct{ orders, fills []string }

func orderKey(at time.Time, side exchange.Side, typ exchange.OrderType, price, executed decimal.Decimal, state string) string {
	if typ == exchange.Market {
		price = decimal.Zero
	}
	switch state { // the journal's words for the exchange's
	case string(exchange.StatusNew):
		state = string(OrderAcked)
	case string(exchange.StatusFilled):
		state = string(OrderFilled)
	case string(exchange.StatusCanceled):
		state = string(OrderCancelled)
	}
	return fmt.Sprintf("%s %s %s %s exec %s %s", at.Format("15:04:05"), side, typ, price.Trim(0), executed.Trim(0), state)
}

func fillKey(at time.Time, side exchange.Side, price, qty, fee decimal.Decimal, asset string) string {
	return fmt.Sprintf("%s %s %s@%s fee %s %s", at.Format("15:04:05"), side, qty.Trim(0), price.Trim(0), fee.Trim(0), asset)
}

// runPaperBot feeds the candles' closes, one tick a minute, to one paper bot in the engine on
// the simulated market, waiting after each tick until everything it caused has settled, and
// returns the journal's orders and fills and the ticks as the engine received them.
func runPaperBot(t *testing.T, strategy string, params map[string]string, hist []exchange.Candle) (recorded, []exchange.Tick) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testDB(t)
	clock := &settableClock{t: hist[0].Open}
	m := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Manual: true})
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, StartingBalances: map[string]decimal.Decimal{"USDT": d("10000")}, Clock: stampedBy(clock.Now)})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	lim := fastLimits()
	lim.PollInterval = time.Hour // the account's order stream delivers every change
	lim.OrdersPerSecond, lim.Burst = 1e6, 1e6
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: acct, Limits: lim, Clock: stampedBy(clock.Now)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "p", Symbol: "BTCUSDT", Strategy: strategy, Params: params, Mode: Paper}); err != nil {
		t.Fatal(err)
	}
	if err := e.StartBot(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var ticks []exchange.Tick
	for _, c := range hist {
		at := c.Open.Add(time.Minute)
		clock.set(at)
		tk := exchange.Tick{Symbol: "BTCUSDT", Bid: c.C, Ask: c.C, Last: c.C, Time: at}
		n := e.TicksProcessed()
		if err := m.PushTick(tk); err != nil {
			t.Fatal(err)
		}
		ticks = append(ticks, tk)
		eventually(t, "the tick", func() bool { return e.TicksProcessed() > n })
		eventually(t, "the tick's orders and fills to settle", func() bool {
			var v BotView
			for _, b := range e.Snapshot().Bots {
				if b.Config.Name == "p" {
					v = b
				}
			}
			// The account saves a tick's fills after OnTick returns: settled once the file
			// holds what it matched (its resting orders are the file's) and the engine has
			// recorded every saved fill.
			resting, err := acct.OpenOrders(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			return len(resting) == count(`SELECT count(*) FROM paper_orders WHERE status IN ('NEW', 'PARTIALLY_FILLED')`) &&
				count(`SELECT count(*) FROM orders WHERE state IN ('intent', 'sent', 'unknown')`) == 0 &&
				v.OpenOrders == count(`SELECT count(*) FROM orders WHERE state IN ('acked', 'partial')`) &&
				count(`SELECT count(*) FROM fills`) == count(`SELECT count(*) FROM paper_fills`) &&
				v.Buys+v.Sells == count(`SELECT count(*) FROM fills`)
		})
	}
	var rec recorded
	orders, err := e.Orders(ctx, OrderFilter{Bot: "p", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		rec.orders = append(rec.orders, orderKey(o.Created, o.Side, o.Type, o.Price, o.Executed, string(o.State)))
	}
	fills, err := e.Fills(ctx, "p", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fills {
		rec.fills = append(rec.fills, fillKey(f.Time, f.Side, f.Price, f.Qty, f.Fee, f.FeeAsset))
	}
	slices.Sort(rec.orders)
	slices.Sort(rec.fills)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return rec, ticks
}
