package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A second bot under a live bot's name is refused as a duplicate, not as a removed bot's leftover.
func TestAddExistingNameSaysSo(t *testing.T) {
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
	eventually(t, "the ladder", func() bool { return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g'`) > 0 })
	err := r.e.AddBot(ctx, gridBot("g"))
	if !errors.Is(err, ErrBotExists) || strings.Contains(err.Error(), "removed bot") {
		t.Fatalf("err = %v, want ErrBotExists for the existing bot", err)
	}
}

// Once a bot has placed orders its symbol and strategy stay: its position and profit are
// rebuilt from those orders.
func TestTradedBotKeepsSymbolAndStrategy(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	fresh := gridBot("fresh")
	if err := r.e.AddBot(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	other := fresh
	other.Strategy, other.Params = "dca", map[string]string{"amount": "50", "interval": "1h"}
	if err := r.e.UpdateBot(ctx, other); err != nil {
		t.Fatalf("a bot that never traded could not change strategy: %v", err)
	}

	if err := r.e.AddBot(ctx, gridBot("g")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "101")
	eventually(t, "the ladder", func() bool { return r.count(t, `SELECT count(*) FROM orders WHERE bot = 'g' AND state = 'acked'`) > 0 })
	if err := r.e.StopBot(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	changed := gridBot("g")
	changed.Strategy, changed.Params = "dca", map[string]string{"amount": "50", "interval": "1h"}
	err := r.e.UpdateBot(ctx, changed)
	if !errors.Is(err, ErrInvalidBot) || !strings.Contains(err.Error(), "cannot change") {
		t.Fatalf("strategy change of a traded bot: err = %v, want a refusal", err)
	}
	same := gridBot("g")
	same.Budget = d("900")
	if err := r.e.UpdateBot(ctx, same); err != nil {
		t.Fatalf("a budget change was refused: %v", err)
	}
}

// The simulated market cannot trade live: a live bot is refused when it is created, not when
// it first tries to trade.
func TestNoLiveBotsOnTheSimulatedMarket(t *testing.T) {
	r := newRig(t, nil, nil)
	cfg := gridBot("live")
	cfg.Mode, cfg.KeyLabel, cfg.Budget = Live, "main", d("500")
	err := r.e.ValidateBot(context.Background(), cfg)
	if !errors.Is(err, ErrLiveUnavailable) || !strings.Contains(err.Error(), "only trades on paper") {
		t.Fatalf("err = %v, want live refused on sim", err)
	}
}
