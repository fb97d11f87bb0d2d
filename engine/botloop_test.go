package engine

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// seeing is a strategy that records the prices it is shown and places nothing; with hold set,
// its first tick waits until hold is closed (a bot stuck in its strategy).
type seeing struct {
	mu      sync.Mutex
	prices  []string
	hold    chan struct{}
	entered chan struct{}
}

func (s *seeing) Restore(Position, []OrderRef, []OrderRef) {}
func (s *seeing) OnOrder(OrderUpdate)                      {}

func (s *seeing) OnTick(t exchange.Tick, _ Position, _ time.Time, out []Intent) []Intent {
	s.mu.Lock()
	s.prices = append(s.prices, t.Last.String())
	first := len(s.prices) == 1
	s.mu.Unlock()
	if first && s.hold != nil {
		close(s.entered)
		<-s.hold
	}
	return out
}

func (s *seeing) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.prices)
}

// TestSlowBotStallsNoOne: a bot stuck in its strategy holds up neither the tick goroutine nor
// another bot on the same symbol; once free, it goes on from the latest tick, not through
// the ones it missed.
func TestSlowBotStallsNoOne(t *testing.T) {
	r := newRig(t, nil, newMemExchange())
	r.running(t)
	ctx := context.Background()
	for _, n := range []string{"fast", "slow"} {
		if err := r.e.AddBot(ctx, dcaBot(n)); err != nil {
			t.Fatal(err)
		}
		if err := r.e.StartBot(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	fast := &seeing{}
	slow := &seeing{hold: make(chan struct{}), entered: make(chan struct{})}
	r.e.do(r.e.botNamed("fast"), func(b *bot) { b.strat = fast })
	r.e.do(r.e.botNamed("slow"), func(b *bot) { b.strat = slow })

	send := func(price string) {
		n := r.e.ticks.Load()
		r.mkt.ticks <- exchange.Tick{Symbol: "BTCUSDT", Last: d(price), Bid: d(price), Ask: d(price), Time: time.Now().UTC()}
		eventually(t, "the tick goroutine to take tick "+price, func() bool { return r.e.ticks.Load() > n })
	}
	send("100")
	eventually(t, "the fast bot to see tick 100", func() bool { return len(fast.seen()) == 1 })
	<-slow.entered // slow is stuck in its strategy from here on
	for i, p := range []string{"101", "102", "103", "104", "105"} {
		send(p)
		eventually(t, "the fast bot to see tick "+p, func() bool { return len(fast.seen()) == i+2 })
	}
	if got := fast.seen(); !slices.Equal(got, []string{"100", "101", "102", "103", "104", "105"}) {
		t.Fatalf("fast bot saw %v", got)
	}
	close(slow.hold)
	eventually(t, "the slow bot to catch up", func() bool { return len(slow.seen()) == 2 })
	if got := slow.seen(); !slices.Equal(got, []string{"100", "105"}) {
		t.Fatalf("slow bot saw %v, want the tick it was stuck on, then only the latest", got)
	}
	if v := r.bot(t, "slow"); v.State != BotRunning {
		t.Fatalf("slow bot is %s after catching up", v.State)
	}
}
