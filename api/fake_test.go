package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// fakeEngine is an in-memory Engine: enough state for the API to read and change, and
// an event stream that reports every change the way the real engine does.
type fakeEngine struct {
	mu         sync.Mutex
	bots       []engine.BotView
	orders     []engine.OrderView
	balances   []engine.BalanceView
	prices     []engine.PriceView
	kill       bool
	killReason string
	health     engine.Health
	started    time.Time
	subs       map[chan engine.Event]struct{}
	lastFilter engine.OrderFilter
	calls      map[string]int
	// block, when set, makes StartBot wait on it (to hold requests open).
	block chan struct{}
	// entered receives a value each time StartBot begins waiting on block.
	entered chan struct{}
}

var _ Engine = (*fakeEngine)(nil)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func newFakeEngine() *fakeEngine {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &fakeEngine{
		started: t0,
		health: engine.Health{Exchange: "sim", Stream: exchange.StreamLive, LastMessage: t0, Reconnects: 2,
			ClockOffset: -1500 * time.Millisecond, Rate: exchange.RateState{UsedWeight: 40, WeightLimit: 6000}},
		bots: []engine.BotView{
			{Config: engine.BotConfig{Name: "dca-btc", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
				Params: map[string]string{"amount": "25", "interval": "1h"}, Budget: dec("500")},
				State: engine.BotStopped, Position: dec("0.00120000"), AvgEntry: dec("64000.10"), RealizedPnL: dec("-1.5")},
			{Config: engine.BotConfig{Name: "grid-eth", Symbol: "ETHUSDT", Strategy: "grid", Mode: engine.Live, KeyLabel: "main"},
				State: engine.BotRunning, OpenOrders: 3, StartedAt: t0},
		},
		orders: []engine.OrderView{
			{ClientID: "qd-dca-btc-1", Bot: "dca-btc", Mode: engine.Paper, Symbol: "BTCUSDT", Side: exchange.Buy,
				Type: exchange.Limit, Price: dec("64000.10"), Quantity: dec("0.0012"), State: engine.OrderAcked, Created: t0, Updated: t0},
		},
		balances: []engine.BalanceView{{Mode: engine.Paper, Asset: "USDT", Free: dec("9974.5"), Locked: dec("0")}},
		prices:   []engine.PriceView{{Symbol: "BTCUSDT", Last: dec("64010.5"), Bid: dec("64010.4"), Ask: dec("64010.6"), Updated: t0}},
		subs:     make(map[chan engine.Event]struct{}),
		calls:    make(map[string]int),
	}
}

func (f *fakeEngine) Subscribe(ctx context.Context) <-chan engine.Event {
	ch := make(chan engine.Event, 64)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.subs, ch)
		close(ch)
		f.mu.Unlock()
	}()
	return ch
}

// emit sends ev to every subscriber (dropping it for a full one, like snapshots).
func (f *fakeEngine) emit(ev engine.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emitLocked(ev)
}

func (f *fakeEngine) emitLocked(ev engine.Event) {
	for ch := range f.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

func (f *fakeEngine) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeEngine) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeEngine) Snapshot() engine.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["Snapshot"]++
	return engine.Snapshot{
		Time: f.started, Health: f.health, Prices: append([]engine.PriceView(nil), f.prices...),
		Bots: append([]engine.BotView(nil), f.bots...), Balances: append([]engine.BalanceView(nil), f.balances...),
		Orders: append([]engine.OrderView(nil), f.orders...), KillSwitch: f.kill, KillReason: f.killReason, Started: f.started,
	}
}

func (f *fakeEngine) setState(ctx context.Context, name string, st engine.BotState, call string) error {
	f.mu.Lock()
	f.calls[call]++
	block, entered := f.block, f.entered
	f.mu.Unlock()
	if block != nil && call == "StartBot" {
		if entered != nil {
			entered <- struct{}{}
		}
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if st == engine.BotRunning && f.kill {
		return errors.New("kill switch is engaged: release it before starting bots")
	}
	for i := range f.bots {
		if f.bots[i].Config.Name == name {
			f.bots[i].State = st
			f.emitLocked(engine.BotEventMsg{Bot: f.bots[i], Event: engine.BotEvent{Bot: name, Message: string(st)}})
			return nil
		}
	}
	return fmt.Errorf("no bot named %s", name)
}

func (f *fakeEngine) StartBot(ctx context.Context, name string) error {
	return f.setState(ctx, name, engine.BotRunning, "StartBot")
}

func (f *fakeEngine) StopBot(ctx context.Context, name string) error {
	return f.setState(ctx, name, engine.BotStopped, "StopBot")
}

func (f *fakeEngine) EngageKillSwitch(_ context.Context, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["EngageKillSwitch"]++
	f.kill, f.killReason = true, reason
	for i := range f.bots {
		f.bots[i].State = engine.BotStopped
	}
	f.emitLocked(engine.KillSwitchEvent{Engaged: true, Reason: reason})
	return nil
}

func (f *fakeEngine) ReleaseKillSwitch(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ReleaseKillSwitch"]++
	f.kill, f.killReason = false, ""
	f.emitLocked(engine.KillSwitchEvent{Engaged: false})
	return nil
}

func (f *fakeEngine) Orders(_ context.Context, flt engine.OrderFilter) ([]engine.OrderView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["Orders"]++
	f.lastFilter = flt
	var out []engine.OrderView
	for _, o := range f.orders {
		if flt.Bot == "" || o.Bot == flt.Bot {
			out = append(out, o)
		}
	}
	return out, nil
}

func (f *fakeEngine) AddBot(context.Context, engine.BotConfig) error {
	return errors.New("not in fake")
}
func (f *fakeEngine) UpdateBot(context.Context, engine.BotConfig) error {
	return errors.New("not in fake")
}
func (f *fakeEngine) RemoveBot(context.Context, string) error { return errors.New("not in fake") }
func (f *fakeEngine) ValidateBot(context.Context, engine.BotConfig) error {
	return errors.New("not in fake")
}
func (f *fakeEngine) Fills(context.Context, string, int) ([]engine.FillView, error) {
	return nil, nil
}
func (f *fakeEngine) BotEvents(context.Context, string, int) ([]engine.BotEvent, error) {
	return nil, nil
}
func (f *fakeEngine) Candles(string) []exchange.Candle { return nil }
func (f *fakeEngine) Rules(context.Context, string) (exchange.Rules, error) {
	return exchange.Rules{}, errors.New("not in fake")
}
func (f *fakeEngine) PlaceManual(context.Context, engine.ManualOrder) (engine.OrderView, error) {
	return engine.OrderView{}, errors.New("not in fake")
}
func (f *fakeEngine) Cancel(context.Context, string) error { return errors.New("not in fake") }

// TicksProcessed makes the fake an api.TickCounter.
func (f *fakeEngine) TicksProcessed() uint64 { return 12345 }
