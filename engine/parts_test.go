package engine

import (
	"context"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestLedger(t *testing.T) {
	at := t0
	fill := func(side exchange.Side, qty, price, fee, asset string) FillView {
		at = at.Add(time.Minute)
		return FillView{Side: side, Qty: d(qty), Price: d(price), Fee: d(fee), FeeAsset: asset, Time: at}
	}
	tests := []struct {
		name                  string
		fills                 []FillView
		wantQty, wantAvg      string
		wantRealized, wantDay string
	}{
		{"quote fees raise the entry and cut the profit",
			[]FillView{fill(exchange.Buy, "1", "100", "0.1", "USDT"), fill(exchange.Sell, "1", "110", "0.11", "USDT")},
			"0", "0", "9.79", "9.79"},
		{"base fee shrinks the position",
			[]FillView{fill(exchange.Buy, "1", "100", "0.001", "BTC")},
			"0.999", "100.1001001001001001", "0", "0"},
		{"average cost over two buys, half sold at a loss",
			[]FillView{fill(exchange.Buy, "1", "100", "0", ""), fill(exchange.Buy, "1", "80", "0", ""), fill(exchange.Sell, "1", "85", "0", "")},
			"1", "90", "-5", "-5"},
		{"third-asset fees are not converted",
			[]FillView{fill(exchange.Buy, "2", "50", "0.01", "BNB"), fill(exchange.Sell, "2", "60", "0.01", "BNB")},
			"0", "0", "20", "20"},
		{"grid round trip with quote fees: 10.5 - 10.01 - 0.0105",
			[]FillView{fill(exchange.Buy, "0.1", "100", "0.01", "USDT"), fill(exchange.Sell, "0.1", "105", "0.0105", "USDT")},
			"0", "0", "0.4795", "0.4795"},
		{"base fee on the buy, the sell offers what is left: 10.4895 - 10 - 0.0104895",
			[]FillView{fill(exchange.Buy, "0.1", "100", "0.0001", "BTC"), fill(exchange.Sell, "0.0999", "105", "0.0104895", "USDT")},
			"0", "0", "0.4790105", "0.4790105"},
		{"DCA: three buys, take-profit on all: 31.5 - 30.03 - 0.0315",
			[]FillView{fill(exchange.Buy, "0.1", "100", "0.01", "USDT"), fill(exchange.Buy, "0.1", "90", "0.009", "USDT"),
				fill(exchange.Buy, "0.1", "110", "0.011", "USDT"), fill(exchange.Sell, "0.3", "105", "0.0315", "USDT")},
			"0", "0", "1.4385", "1.4385"},
		{"partial sell keeps the average entry: 2 bought at 100.05, 0.5 sold at 120",
			[]FillView{fill(exchange.Buy, "2", "100", "0.1", "USDT"), fill(exchange.Sell, "0.5", "120", "0", "")},
			"1.5", "100.05", "9.975", "9.975"},
		{"selling more than the bot bought counts only its own",
			[]FillView{fill(exchange.Buy, "1", "100", "0", ""), fill(exchange.Sell, "3", "120", "0", "")},
			"0", "0", "20", "20"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := ledger{base: "BTC", quote: "USDT"}
			for _, f := range tc.fills {
				if err := l.apply(f); err != nil {
					t.Fatal(err)
				}
			}
			if !l.qty.Equal(d(tc.wantQty)) || !l.avgEntry().Equal(d(tc.wantAvg)) || !l.realized.Equal(d(tc.wantRealized)) {
				t.Fatalf("qty %s avg %s realized %s, want %s %s %s", l.qty, l.avgEntry(), l.realized, tc.wantQty, tc.wantAvg, tc.wantRealized)
			}
			if got := l.dayLoss(at, d("0")).Neg(); !got.Equal(d(tc.wantDay)) {
				t.Fatalf("today's result %s, want %s", got, tc.wantDay)
			}
		})
	}
}

func TestDayLossResetsAtMidnight(t *testing.T) {
	l := ledger{base: "BTC", quote: "USDT"}
	l.apply(FillView{Side: exchange.Buy, Qty: d("1"), Price: d("100"), Time: t0.Add(time.Hour)})
	l.apply(FillView{Side: exchange.Sell, Qty: d("1"), Price: d("90"), Time: t0.Add(2 * time.Hour)})
	if got := l.dayLoss(t0.Add(3*time.Hour), d("0")); !got.Equal(d("10")) {
		t.Fatalf("loss today = %s, want 10", got)
	}
	if got := l.dayLoss(t0.Add(25*time.Hour), d("0")); !got.IsZero() {
		t.Fatalf("loss the next day = %s, want 0", got)
	}
}

// The daily loss is marked to market: a position carried over midnight counts only the move
// since the day's first price, so yesterday's drawdown does not pause the bot again today.
func TestDayLossOfACarriedPosition(t *testing.T) {
	l := ledger{base: "BTC", quote: "USDT"}
	// Day 1: buy 1 at 100 paying 0.1 USDT fee, sell 0.5 at 90 paying 0.045 USDT fee.
	// Realized: 0.5*90 - 0.5*100.1 - 0.045 = -5.095; 0.5 left at a cost of 50.05.
	l.apply(FillView{Side: exchange.Buy, Qty: d("1"), Price: d("100"), Fee: d("0.1"), FeeAsset: "USDT", Time: t0.Add(time.Hour)})
	l.apply(FillView{Side: exchange.Sell, Qty: d("0.5"), Price: d("90"), Fee: d("0.045"), FeeAsset: "USDT", Time: t0.Add(2 * time.Hour)})
	steps := []struct {
		at    time.Duration
		price string
		want  string
	}{
		{3 * time.Hour, "100", "5.095"}, // today's realized loss; the position counts from this first price
		{4 * time.Hour, "80", "15.095"}, // realized 5.095 today, plus 0.5 down from 100 to 80 = 10 more
		{25 * time.Hour, "80", "0"},     // a new UTC day: the baseline is the position at 80
		{26 * time.Hour, "70", "5"},     // 0.5 down 10 since the day began
		{27 * time.Hour, "86", "-3"},    // a gain today is a negative loss
	}
	for _, s := range steps {
		if got := l.dayLoss(t0.Add(s.at), d(s.price)); !got.Equal(d(s.want)) {
			t.Fatalf("at %s price %s: loss today = %s, want %s", s.at, s.price, got, s.want)
		}
	}
	// Day 2: selling the rest at 86 realizes 43 - 50.05 = -7.05, but today it gained 3.
	l.apply(FillView{Side: exchange.Sell, Qty: d("0.5"), Price: d("86"), Time: t0.Add(28 * time.Hour)})
	if got := l.dayLoss(t0.Add(29*time.Hour), d("50")); !got.Equal(d("-3")) {
		t.Fatalf("after selling at a profit for the day: loss today = %s, want -3", got)
	}
	if !l.realized.Equal(d("-12.145")) {
		t.Fatalf("realized %s, want -12.145", l.realized)
	}
}

func TestLimiter(t *testing.T) {
	now := t0.Add(30 * time.Second)
	clock := func() time.Time { return now }
	tests := []struct {
		name  string
		rs    exchange.RateState
		hasRS bool
		calls int // reservations made before the measured one
		want  time.Duration
	}{
		{"within the burst", exchange.RateState{}, false, 1, 0},
		{"past the burst waits for a token", exchange.RateState{}, false, 2, 500 * time.Millisecond},
		{"a ban waits it out", exchange.RateState{BannedUntil: t0.Add(90 * time.Second), Banned: true}, true, 0, time.Minute},
		{"near the weight limit waits for the next minute", exchange.RateState{UsedWeight: 5500, WeightLimit: 6000}, true, 0, 30 * time.Second},
		{"well under the weight limit", exchange.RateState{UsedWeight: 100, WeightLimit: 6000}, true, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(Limits{OrdersPerSecond: 2, Burst: 2, NearLimit: 0.9}, stampedBy(clock))
			for i := 0; i < tc.calls; i++ {
				l.reserve(exchange.RateState{}, false)
			}
			if got := l.reserve(tc.rs, tc.hasRS); got != tc.want {
				t.Fatalf("wait = %s, want %s", got, tc.want)
			}
		})
	}
	l := newLimiter(Limits{OrdersPerSecond: 100, Burst: 100, NearLimit: 0.9}, stampedBy(clock))
	l.backOff(3 * time.Second)
	if got := l.reserve(exchange.RateState{}, false); got != 3*time.Second {
		t.Fatalf("after a 429 back-off: wait = %s, want 3s", got)
	}
}

// A subscriber that never reads must not slow publishing; when it reads again it gets the
// events in order and only the newest snapshot.
func TestBusSlowSubscriber(t *testing.T) {
	b := newBus()
	defer b.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := b.subscribe(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 1000; i++ {
			b.publishSnapshot(Snapshot{KillReason: "snap"})
		}
		b.publish(ErrorEvent{Err: "first"})
		b.publish(ErrorEvent{Err: "second"})
		b.publishSnapshot(Snapshot{KillReason: "last"})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publishing blocked on a subscriber that does not read")
	}
	var got []string
	timeout := time.After(5 * time.Second)
	for indexOf(got, "last") < 0 {
		select {
		case ev := <-ch:
			switch ev := ev.(type) {
			case ErrorEvent:
				got = append(got, ev.Err)
			case SnapshotEvent:
				got = append(got, ev.Snapshot.KillReason)
			}
		case <-timeout:
			t.Fatalf("got %v, never the newest snapshot", got)
		}
	}
	stale := 0
	for _, g := range got {
		if g == "snap" {
			stale++
		}
	}
	// The forwarder may hand over one snapshot before the burst ends; never the backlog.
	if stale > 1 || indexOf(got, "first") < 0 || indexOf(got, "first") > indexOf(got, "second") {
		t.Fatalf("events %v: want first before second and at most one stale snapshot", got)
	}
	select {
	case ev := <-ch:
		t.Fatalf("extra event %#v after the newest snapshot", ev)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	for range ch { // closes when ctx ends
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// The engine's event stream carries order, fill, bot and kill-switch events and snapshots.
func TestEventStream(t *testing.T) {
	x := newMemExchange()
	r := newRig(t, nil, x)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := r.e.Subscribe(ctx)
	r.running(t)
	if err := r.e.AddBot(ctx, dcaBot("d")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100")
	if err := r.e.EngageKillSwitch(ctx, "stream test"); err != nil {
		t.Fatal(err)
	}
	// An error-level history line also reaches subscribers as an ErrorEvent.
	r.e.event("d", "error", "cannot reach the exchange")
	seen := map[string]bool{}
	timeout := time.After(10 * time.Second)
	for !(seen["order"] && seen["fill"] && seen["bot"] && seen["kill"] && seen["snapshot"] && seen["error"]) {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case OrderEvent:
				seen["order"] = true
			case FillEvent:
				seen["fill"] = ev.Fill.Bot == "d"
			case BotEventMsg:
				// The cockpit replaces its row with ev.Bot: it must be whole.
				if ev.Event.Bot == "d" && (ev.Bot.Config.Symbol != "BTCUSDT" || ev.Bot.State == "") {
					t.Fatalf("bot event %q carries a partial view %+v", ev.Event.Message, ev.Bot)
				}
				seen["bot"] = true
			case ErrorEvent:
				seen["error"] = ev.Bot == "d" && ev.Err == "cannot reach the exchange"
			case KillSwitchEvent:
				seen["kill"] = ev.Engaged && ev.Reason == "stream test"
			case SnapshotEvent:
				seen["snapshot"] = seen["snapshot"] || len(ev.Snapshot.Prices) == 1
			}
		case <-timeout:
			t.Fatalf("events seen: %v", seen)
		}
	}
}

// The average entry, remembered between ticks, follows every fill that changes the position.
func TestAvgEntryFollowsEveryFill(t *testing.T) {
	l := ledger{base: "BTC", quote: "USDT"}
	at := t0
	steps := []struct {
		side       exchange.Side
		qty, price string
		want       string
	}{
		{exchange.Buy, "1", "100", "100"},
		{exchange.Buy, "1", "80", "90"},
		{exchange.Sell, "1", "85", "90"},
		{exchange.Buy, "1", "110", "100"},
		{exchange.Sell, "2", "120", "0"},
		{exchange.Buy, "0.5", "70", "70"},
	}
	for i, s := range steps {
		at = at.Add(time.Minute)
		if err := l.apply(FillView{Side: s.side, Qty: d(s.qty), Price: d(s.price), Time: at}); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second read comes from the memo
			if got := l.avgEntry(); !got.Equal(d(s.want)) {
				t.Fatalf("step %d: avg entry %s, want %s", i, got, s.want)
			}
		}
	}
}
