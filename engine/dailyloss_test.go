package engine

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// newClockRig is a rig whose engine (and bot registry) run on clk.
func newClockRig(t *testing.T, db *sql.DB, x *memExchange, clk *testClock) *rig {
	t.Helper()
	r := &rig{db: db, mkt: newTestMarket(), x: x}
	if r.x == nil {
		r.x = newMemExchange()
	}
	if r.db == nil {
		r.db = testDB(t)
	}
	e, err := New(Config{DB: r.db, Market: r.mkt, ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: r.x, Limits: fastLimits(), Clock: stampedBy(clk.Now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	r.e = e
	return r
}

func lossBot() BotConfig {
	c := dcaBot("b")
	c.DailyLossLimit = d("1")
	return c
}

// A bot paused by its daily loss limit resumes at the next UTC midnight, and yesterday's
// drawdown of the position it carries does not pause it again: only today's move counts.
func TestDailyLossLimitResumesNextUTCDay(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	clk := &testClock{now: day.Add(22 * time.Hour)}
	r := newClockRig(t, nil, nil, clk)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, lossBot()); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100") // buys 0.1 for 10
	r.tick(t, "80")  // 2 lost today: paused
	eventually(t, "the pause", func() bool { return r.bot(t, "b").State == BotPaused })
	if v := r.bot(t, "b"); !strings.Contains(v.Reason, "resumes at 00:00 UTC") {
		t.Fatalf("reason %q does not say when the bot resumes", v.Reason)
	}

	clk.Add(3 * time.Hour) // 01:00 the next day
	eventually(t, "the resume", func() bool { return r.bot(t, "b").State == BotRunning })
	r.tick(t, "80")   // the day's first price; the interval is over, so it buys 0.125 for 10
	r.tick(t, "79.5") // 0.225 down 0.5 today: 0.1125, under the limit
	if v := r.bot(t, "b"); v.State != BotRunning || !v.Position.Equal(d("0.225")) {
		t.Fatalf("state %s (%s), position %s; want running with 0.225", v.State, v.Reason, v.Position)
	}
	r.tick(t, "75") // 0.225 down 5 today: 1.125, over the limit
	eventually(t, "the second pause", func() bool { return r.bot(t, "b").State == BotPaused })
}

// The resume time survives a restart: an engine started after midnight runs the bot again.
func TestDailyLossPauseResumesAfterRestart(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	clk := &testClock{now: day.Add(22 * time.Hour)}
	x := newMemExchange()
	first := newClockRig(t, nil, x, clk)
	stop := runUntilStopped(t, first)
	ctx := context.Background()
	if err := first.e.AddBot(ctx, lossBot()); err != nil {
		t.Fatal(err)
	}
	if err := first.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	first.tick(t, "100")
	first.tick(t, "80")
	eventually(t, "the pause to be saved", func() bool {
		return first.count(t, `SELECT count(*) FROM bots WHERE state = 'paused'`) == 1
	})
	stop()

	clk.Add(time.Hour) // 23:00: still the same UTC day
	same := newClockRig(t, first.db, x, clk)
	stop = runUntilStopped(t, same)
	if v := same.bot(t, "b"); v.State != BotPaused {
		t.Fatalf("the same day after a restart: state %s, want paused", v.State)
	}
	stop()

	clk.Add(2 * time.Hour) // 01:00 the next day
	next := newClockRig(t, first.db, x, clk)
	stop = runUntilStopped(t, next)
	eventually(t, "the bot running again", func() bool { return next.bot(t, "b").State == BotRunning })
	stop()

	// Paused again, then stopped from the command line while no engine ran: it stays stopped.
	if _, err := first.db.Exec(`UPDATE bots SET state = 'paused', desired = 'running', reason = ?, updated_at = ?`,
		dailyLossReason+": lost 2 of 1 USDT today", fmtTime(clk.Now())); err != nil {
		t.Fatal(err)
	}
	if err := NewRegistry(first.db, stampedBy(clk.Now)).SetDesired(ctx, "b", false); err != nil {
		t.Fatal(err)
	}
	clk.Add(24 * time.Hour)
	later := newClockRig(t, first.db, x, clk)
	later.running(t)
	later.tick(t, "80")
	later.e.resumeNewDay(ctx) // what the poll loop does
	if v := later.bot(t, "b"); v.State != BotStopped {
		t.Fatalf("a paused bot stopped from the command line: state %s (%s) the next day, want stopped", v.State, v.Reason)
	}
}

// runUntilStopped runs r's engine and resumes it; stop ends Run and waits for it.
func runUntilStopped(t *testing.T, r *rig) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.e.Run(ctx) }()
	if err := r.e.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// A pause saved after the user stopped the bot (it waits for the order in flight first) does
// not bring the bot back as paused, to be resumed the next day.
func TestPauseSavedAfterStopKeepsTheStop(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, dcaBot("b")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.reg.setPaused(ctx, "b", dailyLossReason); err != nil {
		t.Fatal(err)
	}
	if n := r.count(t, `SELECT count(*) FROM bots WHERE state = 'paused' AND desired = 'running'`); n != 1 {
		t.Fatal("the pause of a running bot was not saved")
	}
	if err := r.e.StopBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.reg.setPaused(ctx, "b", dailyLossReason); err != nil {
		t.Fatal(err)
	}
	if n := r.count(t, `SELECT count(*) FROM bots WHERE state = 'stopped' AND desired = 'stopped'`); n != 1 {
		t.Fatal("a late pause overwrote the user's stop")
	}
}

// While a pause still waits for the bot's order in flight (and then cancels its orders), a
// start is refused: the pause would cancel the orders of the bot just started.
func TestStartWhilePausingIsRefused(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	r := newClockRig(t, nil, nil, clk)
	r.running(t)
	ctx := context.Background()
	c := lossBot()
	c.Params["interval"] = "1s"
	if err := r.e.AddBot(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100") // buys 0.1
	release, entered := make(chan struct{}), make(chan struct{}, 1)
	r.x.onPlace = func(exchange.OrderRequest) {
		entered <- struct{}{}
		<-release
	}
	clk.Add(2 * time.Second)
	send := func(price string) {
		n := r.e.ticks.Load()
		r.mkt.ticks <- exchange.Tick{Symbol: "BTCUSDT", Last: d(price), Time: clk.Now()}
		eventually(t, "the tick", func() bool { return ticksHandled(r.e, n, "BTCUSDT") })
	}
	send("100") // the next buy goes out and hangs at the exchange
	<-entered
	send("80") // 2 lost today: the pause waits for the hanging buy
	eventually(t, "the pause", func() bool { return r.bot(t, "b").State == BotPaused })
	err := r.e.StartBot(ctx, "b")
	close(release)
	if err == nil || !strings.Contains(err.Error(), "still pausing") {
		t.Fatalf("start while pausing: err = %v, want a refusal", err)
	}
	b := r.e.botNamed("b")
	eventually(t, "the pause done and saved", func() bool {
		done := false
		r.e.do(b, func(b *bot) { done = b.state == BotPaused && !b.pausing })
		return done && r.count(t, `SELECT count(*) FROM bots WHERE state = 'paused'`) == 1
	})
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatalf("start after the pause finished: %v", err)
	}
}

// `quantdeck bots start` of a paused bot while no engine runs is the user's answer to the
// pause: the next engine runs the bot at once, not at the next UTC midnight.
func TestOfflineStartOfPausedBotRunsIt(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	first := newClockRig(t, nil, nil, clk)
	ctx := context.Background()
	if err := first.e.reg.Add(ctx, lossBot(), btcRules); err != nil {
		t.Fatal(err)
	}
	if _, err := first.db.Exec(`UPDATE bots SET state = 'paused', desired = 'running', reason = ?, updated_at = ?`,
		dailyLossReason+": lost 2 of 1 USDT today", fmtTime(clk.Now())); err != nil {
		t.Fatal(err)
	}
	first.e.Close()
	if err := NewRegistry(first.db, stampedBy(clk.Now)).SetDesired(ctx, "b", true); err != nil {
		t.Fatal(err)
	}
	next := newClockRig(t, first.db, nil, clk)
	next.running(t)
	if v := next.bot(t, "b"); v.State != BotRunning {
		t.Fatalf("after an offline start: state %s (%s), want running", v.State, v.Reason)
	}
}

// Started again the day its limit paused it, a bot is measured from the same start of day:
// the loss the limit saw still counts, so it pauses again instead of losing a second limit.
func TestRestartSameDayKeepsTheDaysBaseline(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	r := newClockRig(t, nil, nil, clk)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, lossBot()); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "100") // buys 0.1
	r.tick(t, "80")  // 2 lost today
	b := r.e.botNamed("b")
	eventually(t, "the pause done", func() bool {
		done := false
		r.e.do(b, func(b *bot) { done = b.state == BotPaused && !b.pausing })
		return done
	})
	clk.Add(time.Minute)
	if err := r.e.StartBot(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	r.tick(t, "80")
	eventually(t, "the pause again", func() bool { return r.bot(t, "b").State == BotPaused })
}
