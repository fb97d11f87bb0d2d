package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// The engine with the real paper account on the simulated market in manual mode: a grid and
// a DCA bot trade through pushed prices, fills arrive by the account's order stream, and the
// journal's fills add up to the account's balances.
func TestPaperAccountIntegration(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testDB(t)
	m := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Manual: true})
	start := map[string]decimal.Decimal{"USDT": d("10000")}
	acct, err := paper.New(ctx, db, paper.Options{Rules: m, StartingBalances: start})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	lim := fastLimits()
	lim.PollInterval = 50 * 1e6 // 50 ms: the stream does the work
	e, err := New(Config{DB: db, Market: m, Symbols: []string{"BTCUSDT"}, Paper: acct, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	if err := e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "g", Symbol: "BTCUSDT", Strategy: "grid",
		Params: map[string]string{"lower": "60000", "upper": "64000", "levels": "5", "quantity": "0.01"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBot(ctx, BotConfig{Name: "d", Symbol: "BTCUSDT", Strategy: "dca",
		Params: map[string]string{"amount": "100", "interval": "1h", "take_profit": "2"}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"g", "d"} {
		if err := e.StartBot(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	view := func(name string) BotView {
		for _, v := range e.Snapshot().Bots {
			if v.Config.Name == name {
				return v
			}
		}
		return BotView{}
	}
	push := func(p string) {
		t.Helper()
		if err := m.Push("BTCUSDT", p); err != nil {
			t.Fatal(err)
		}
	}
	push("62500")
	// The ladder is on the paper book once its rows are acknowledged: a tick before that
	// would cross nothing.
	eventually(t, "the ladder resting and the first DCA buy", func() bool {
		rows, _ := e.Orders(ctx, OrderFilter{Bot: "g", OpenOnly: true})
		acked := 0
		for _, o := range rows {
			if o.State == OrderAcked {
				acked++
			}
		}
		return acked == 3 && view("g").OpenOrders == 3 && view("d").Buys == 1
	})
	push("60900") // crosses the grid buys at 62000 and 61000
	eventually(t, "two grid buys", func() bool { return view("g").Buys == 2 })
	push("62100") // the sells at 62000 and 63000? only 62000 is crossed
	eventually(t, "a grid sell", func() bool { return view("g").Sells >= 1 })
	defer func() {
		if t.Failed() {
			evs, _ := e.BotEvents(context.Background(), "", 50)
			for _, ev := range evs {
				t.Log(ev.Bot, ev.Level, ev.Message)
			}
			t.Logf("%+v", view("d"))
		}
	}()
	push("64000") // the DCA's take-profit (2 % above ~62500) and the sell at 63000
	eventually(t, "the take-profit", func() bool { return view("d").Sells == 1 })
	eventually(t, "every order settled", func() bool {
		open, _ := e.Orders(ctx, OrderFilter{OpenOnly: true})
		for _, o := range open {
			if o.State != OrderAcked {
				return false
			}
		}
		return true
	})

	// The journal's fills account for the paper balances exactly.
	want := map[string]decimal.Decimal{"USDT": start["USDT"], "BTC": decimal.Zero}
	fills, err := e.Fills(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fills {
		v, _ := f.Qty.Mul(f.Price)
		if f.Side == exchange.Buy {
			want["BTC"], _ = want["BTC"].Add(f.Qty)
			want["USDT"], _ = want["USDT"].Sub(v)
		} else {
			want["BTC"], _ = want["BTC"].Sub(f.Qty)
			want["USDT"], _ = want["USDT"].Add(v)
		}
		want[f.FeeAsset], _ = want[f.FeeAsset].Sub(f.Fee)
	}
	bals, err := acct.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		total, _ := b.Free.Add(b.Locked)
		if w, ok := want[b.Asset]; ok && !total.Equal(w) {
			t.Errorf("%s: paper holds %s, the journal's fills say %s", b.Asset, total, w)
		}
	}
	if v := view("g"); !v.RealizedPnL.IsPos() {
		t.Errorf("grid realized %s after a round trip, want a profit", v.RealizedPnL)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// failingSaves is a paper account whose file has stopped taking its changes.
type failingSaves struct {
	*memExchange
	mu  sync.Mutex
	err error
}

func (f *failingSaves) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// A paper account that cannot save is reported once per failure, as an error the cockpit
// shows and the log keeps, not on every balance poll.
func TestPaperSaveFailureIsReported(t *testing.T) {
	x := &failingSaves{memExchange: newMemExchange()}
	m := newTestMarket()
	e, err := New(Config{DB: testDB(t), Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: x, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	errorsLogged := func() int {
		n := 0
		for _, ev := range e.Snapshot().Log {
			if ev.Level == "error" && strings.Contains(ev.Message, "paper account cannot save") {
				n++
			}
		}
		return n
	}
	e.refreshBalances(context.Background())
	if n := errorsLogged(); n != 0 {
		t.Fatalf("%d failures reported while saves work", n)
	}
	x.mu.Lock()
	x.err = errors.New("paper: saving: disk I/O error")
	x.mu.Unlock()
	for range 3 {
		e.refreshBalances(context.Background())
	}
	if n := errorsLogged(); n != 1 {
		t.Fatalf("%d reports of one failure, want 1", n)
	}
	x.mu.Lock()
	x.err = errors.New("paper: saving: database is locked")
	x.mu.Unlock()
	e.refreshBalances(context.Background())
	if n := errorsLogged(); n != 2 {
		t.Fatalf("%d reports after a second, different failure, want 2", n)
	}
}
