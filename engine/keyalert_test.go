package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// PauseLiveBots pauses the live bots of one key, running or waiting to run, and nothing else;
// the cockpit hears about it as an error event.
func TestPauseLiveBotsOfOneKey(t *testing.T) {
	x := newMemExchange()
	m := newTestMarket()
	db := testDB(t)
	e, err := New(Config{DB: db, Market: m, ExchangeName: "binance", Symbols: []string{"BTCUSDT"}, Paper: x,
		Live:   func(string) (exchange.Trader, error) { return x, nil },
		KeyOK:  func(context.Context, string) error { return nil },
		Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r := &rig{e: e, db: db, mkt: m, x: x}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := e.Subscribe(ctx)
	r.running(t)
	live := func(name, key string) BotConfig {
		c := gridBot(name)
		c.Mode, c.KeyLabel, c.Budget = Live, key, d("100000")
		return c
	}
	for _, c := range []BotConfig{live("a", "k"), live("b", "k"), live("other", "k2"), gridBot("paper")} {
		if err := e.AddBot(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"a", "other", "paper"} {
		if err := e.StartBot(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	r.tick(t, "100")
	// b is meant to run but is not running (as after a seal): it must not start later.
	if err := e.reg.SetDesired(ctx, "b", true); err != nil {
		t.Fatal(err)
	}
	b := e.botNamed("b")
	e.do(b, func(b *bot) { b.desired = BotRunning })

	if r.count(t, `SELECT count(*) FROM orders WHERE bot = 'a' AND state IN ('acked', 'partial')`) == 0 {
		t.Fatal("the live grid placed no orders to cancel")
	}
	paused := e.PauseLiveBots(ctx, "k", "the key can withdraw")
	if !slices.Equal(paused, []string{"a", "b"}) {
		t.Fatalf("paused %v, want [a b]", paused)
	}
	eventually(t, "a's orders to be cancelled", func() bool {
		return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'a' AND state IN ('acked', 'partial')`) == 0
	})
	want := map[string]BotState{"a": BotPaused, "b": BotPaused, "other": BotRunning, "paper": BotRunning}
	for _, b := range e.Snapshot().Bots {
		if b.State != want[b.Config.Name] {
			t.Errorf("%s is %s, want %s", b.Config.Name, b.State, want[b.Config.Name])
		}
		if b.State == BotPaused && !strings.Contains(b.Reason, "the key can withdraw") {
			t.Errorf("%s paused for %q", b.Config.Name, b.Reason)
		}
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if er, ok := ev.(ErrorEvent); ok && strings.Contains(er.Err, "key k:") && strings.Contains(er.Err, "[a b]") {
				return
			}
		case <-deadline:
			t.Fatal("no error event for the paused bots")
		}
	}
}
