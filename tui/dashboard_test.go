package tui

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// TestDashboardGolden pins the home screen at the two sizes it must serve: refresh with
// go test ./tui -run TestDashboardGolden -update.
func TestDashboardGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"160x48", 160, 48}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newDashboardHarness(t, testSnapshot(4, 5, 30))
			h.send(tea.WindowSizeMsg{Width: tc.w, Height: tc.h})
			h.flush() // the wide layout's chart candles arrived
			golden.RequireEqual(t, []byte(h.View()))
		})
	}
}

// TestDashboardFitsEverySize checks that every frame is exactly the terminal's size, whatever
// the size and the amount of data, so resizing re-lays it out without wrapping.
func TestDashboardFitsEverySize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 48}, {100, 30}, {139, 40}, {140, 40}, {60, 15}, {40, 10}, {20, 5}, {250, 70}}
	snaps := map[string]engine.Snapshot{
		"empty": {Time: fixedNow},
		"small": testSnapshot(4, 5, 30),
		"large": testSnapshot(20, 20, 500),
	}
	for name, snap := range snaps {
		for _, sz := range sizes {
			h := newDashboardHarness(t, snap)
			h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			lines := strings.Split(h.View(), "\n")
			if len(lines) != sz[1] {
				t.Fatalf("%s %dx%d: %d lines, want %d", name, sz[0], sz[1], len(lines), sz[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > sz[0] || (w != sz[0] && i < len(lines)-1) {
					t.Fatalf("%s %dx%d: line %d is %d cells wide:\n%q", name, sz[0], sz[1], i, w, l)
				}
			}
		}
	}
}

func TestDashboardBadgesReadWithoutColour(t *testing.T) {
	snap := testSnapshot(3, 1, 0)
	snap.Bots[0].State = engine.BotStopped
	h := newDashboardHarness(t, snap)
	h.wantView("[SIMULATED]", "[PAPER]", "kill switch off", "▲", "▼", "−")
	h.wantNotView("[LIVE]", "\x1b[")

	snap.Bots[0].Config.Mode, snap.Bots[0].State = engine.Live, engine.BotRunning
	snap.KillSwitch = true
	h.emit(engine.SnapshotEvent{Snapshot: snap})
	h.flush()
	h.wantView("[LIVE]", "[KILL SWITCH ENGAGED]")
	h.wantNotView("[PAPER]")
}

func TestDashboardBotActions(t *testing.T) {
	tests := []struct {
		name      string
		prep      func(*engine.Snapshot)
		keys      []string
		wantCalls []string
		wantView  []string
	}{
		{"start a stopped paper bot", stopAll, []string{"s"}, []string{"StartBot bot-00"}, []string{"bot-00 started"}},
		{"stop a running bot", nil, []string{"x"}, []string{"StopBot bot-00"}, []string{"bot-00 stopped"}},
		{"start a live bot asks first", liveFirst, []string{"s"}, nil, []string{"Start bot-00 in LIVE mode?", "real orders"}},
		{"live start confirmed", liveFirst, []string{"s", "y"}, []string{"StartBot bot-00"}, nil},
		{"live start declined", liveFirst, []string{"s", "n"}, nil, []string{"answered no: nothing was done"}},
		{"edit a running bot is refused", nil, []string{"e"}, nil, []string{"bot-00 is running: stop it with x"}},
		{"edit a paused bot is refused before the form", func(s *engine.Snapshot) { s.Bots[0].State = engine.BotPaused }, []string{"e"}, nil, []string{"bot-00 is paused: stop it with x, then edit it"}},
		{"edit a bot in error is refused before the form", func(s *engine.Snapshot) { s.Bots[0].State = engine.BotError }, []string{"e"}, nil, []string{"bot-00 is in error: stop it with x, then edit it"}},
		{"edit a stopped bot opens the form", stopAll, []string{"e"}, nil, []string{"Edit bot bot-00"}},
		{"start while the kill switch is engaged", killed, []string{"s"}, nil, []string{"kill switch is engaged"}},
		{"kill switch asks, then engages", nil, []string{"K", "y"}, []string{"EngageKillSwitch"}, nil},
		{"kill switch declined", nil, []string{"K", "esc"}, nil, nil},
		{"kill switch release", killed, []string{"K", "y"}, []string{"ReleaseKillSwitch"}, nil},
		{"cancel asks, then cancels the selected order", nil, []string{"tab", "tab", "c", "y"}, []string{"Cancel qd-0000"}, nil},
		{"cancel of a final order is refused", nil, []string{"tab", "tab", "down", "c"}, nil, []string{"only open orders can be cancelled"}},
		{"enter on a bot opens its detail", nil, []string{"tab", "enter"}, nil, []string{"bot-00", "params", "Orders"}},
		{"enter on a log line opens its bot", nil, []string{"shift+tab", "down", "enter"}, nil, []string{"bot-01 · GRID", "params"}},
		{"enter on a fill opens its bot", nil, []string{"tab", "tab", "tab", "down", "down", "enter"}, nil, []string{"bot-02 · DCA", "params"}},
		{"o opens the ticket on the selected symbol", nil, []string{"down", "o"}, nil, []string{"Order ticket", "ETHUSDT"}},
		{"n opens a new bot form", nil, []string{"n"}, nil, []string{"New bot", "Strategy"}},
		{"r opens the keys", nil, []string{"r"}, nil, []string{"Keys & rotation"}},
		{"? opens help and esc closes it", nil, []string{"?", "esc"}, nil, []string{"Watchlist"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 30)
			if tc.prep != nil {
				tc.prep(&snap)
			}
			h := newDashboardHarness(t, snap)
			h.keys(tc.keys...)
			h.wantCalls(tc.wantCalls...)
			h.wantView(tc.wantView...)
		})
	}
}

func stopAll(s *engine.Snapshot) {
	for i := range s.Bots {
		s.Bots[i].State = engine.BotStopped
	}
}

func liveFirst(s *engine.Snapshot) {
	stopAll(s)
	s.Bots[0].Config.Mode = engine.Live
}

func killed(s *engine.Snapshot) {
	stopAll(s)
	s.KillSwitch = true
}

func TestQuitAsksWhenBotsRun(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.keys("q")
	if h.quit {
		t.Fatal("quit without asking while bots run")
	}
	h.wantView("2 bots are running. Quit the cockpit?", "resume at the next start")
	h.keys("n")
	if h.quit {
		t.Fatal("quit after answering n")
	}
	h.keys("q", "y")
	if !h.quit {
		t.Fatal("did not quit after y")
	}
	if h.m.ctx.Err() == nil {
		t.Fatal("quitting did not end the session's context (engine subscription)")
	}
	if h.View() != "" {
		t.Fatal("the last frame after quitting should be empty so the terminal is left clean")
	}

	h = newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.keys("ctrl+c")
	h.wantView("Quit the cockpit?")
	h.keys("ctrl+c")
	if !h.quit {
		t.Fatal("ctrl+c twice did not quit")
	}

	h = newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.keys("K", "ctrl+c")
	if h.quit || h.m.confirm != nil {
		t.Fatal("ctrl+c on another question should only dismiss it")
	}

	snap := testSnapshot(4, 5, 30)
	stopAll(&snap)
	h = newDashboardHarness(t, snap)
	h.keys("q")
	if !h.quit {
		t.Fatal("q with no bot running should quit at once")
	}
}

func TestEventsAreThrottled(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.flush()
	snap := testSnapshot(4, 5, 30)
	for i := 0; i < 1000; i++ {
		snap.Prices[0].Last = decimal.MustNew(int64(7000000+i), 2)
		h.emit(engine.SnapshotEvent{Snapshot: snap})
	}
	frames := 0
	for _, tm := range h.timers {
		if _, ok := tm.msg.(frameMsg); ok {
			frames++
		}
	}
	if frames != 1 {
		t.Fatalf("%d frame timers for 1000 events, want 1 (one render per frame)", frames)
	}
	h.wantNotView("70,009.99")
	h.flush()
	h.wantView("70,009.99")
}

func TestEngineEvents(t *testing.T) {
	tests := []struct {
		name string
		ev   engine.Event
		want []string
	}{
		{"stream reconnecting", engine.ConnEvent{Conn: exchange.ConnEvent{State: exchange.StreamReconnecting, Reconnects: 3}}, []string{"↻ reconnecting", "reconnects 3"}},
		{"engine error", engine.ErrorEvent{Bot: "bot-01", Err: "order rejected: insufficient balance"}, []string{"✗ bot bot-01: order rejected"}},
		{"kill switch engaged", engine.KillSwitchEvent{Engaged: true, Reason: "manual"}, []string{"[KILL SWITCH ENGAGED]", "every bot stopped"}},
		{"bot state change", engine.BotEventMsg{Bot: engine.BotView{Config: engine.BotConfig{Name: "bot-01", Symbol: "ETHUSDT", Strategy: "grid", Mode: engine.Paper}, State: engine.BotRunning}}, []string{"bot-01       grid  ETHUSDT   PAPER ▶ running"}},
		{"rejected order", engine.OrderEvent{Order: engine.OrderView{Side: exchange.Buy, Symbol: "BTCUSDT", State: engine.OrderRejected, Reason: "below min notional"}}, []string{"order BUY BTCUSDT rejected: below min notional"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newDashboardHarness(t, testSnapshot(4, 5, 30))
			h.emit(tc.ev)
			h.flush()
			h.wantView(tc.want...)
		})
	}
}

func TestOutsideTextCannotDriveTheTerminal(t *testing.T) {
	snap := testSnapshot(2, 2, 3)
	snap.Bots[0].Config.Name = "evil\x1b[2J\x07"
	snap.Log[0].Message = "boom\x1b]52;c;SGVsbG8=\x07"
	h := newDashboardHarness(t, snap)
	h.keys("tab", "tab", "tab", "tab", "tab")
	h.emit(engine.ErrorEvent{Err: "bad\x1b[31m"})
	h.flush()
	if v := h.View(); strings.ContainsAny(v, "\x1b\x07") {
		t.Fatalf("control characters from engine text reached the screen: %q", v)
	}
	h.wantView("evil?[2J?", "bad?[31m")
}

func TestWaitEventRearmsAndEnds(t *testing.T) {
	ch := make(chan engine.Event, 1)
	ch <- engine.KillSwitchEvent{Engaged: true}
	msg := waitEvent(ch)()
	if ev, ok := msg.(eventMsg); !ok || ev.ev != (engine.KillSwitchEvent{Engaged: true}) {
		t.Fatalf("waitEvent = %#v, want the queued event", msg)
	}
	close(ch)
	if msg := waitEvent(ch)(); msg != (eventsClosedMsg{}) {
		t.Fatalf("waitEvent on a closed stream = %#v, want eventsClosedMsg", msg)
	}
	h := newDashboardHarness(t, testSnapshot(1, 1, 0))
	h.send(eventsClosedMsg{})
	h.wantView("the engine stopped")
}

func TestEngineFailureShowsItsCause(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(1, 1, 0))
	h.m.opts.EngineFailure = func() error { return errors.New("market stream: 513 symbols") }
	h.send(eventsClosedMsg{})
	h.wantView("the engine stopped (market stream: 513 symbols)")
}

func TestHelpBarFollowsTheFocusedPane(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.wantView("enter order", "K kill switch", "r keys") // at 80 columns descriptions shorten first
	h.keys("tab")
	h.wantView("enter open", "s start", "x stop", "K kill switch", "r keys")
	h.keys("tab")
	h.wantView("c cancel", "enter open", "K kill switch", "r keys")
}

func TestDetachedSessionQuitLeavesBotsRunning(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 0))
	h.m.com.Detached = true
	h.keys("q")
	h.wantView("2 bots are running. Quit the cockpit?", "They keep running in the engine; only this session closes.")
	h.wantNotView("resume at the next start")
}

// TestEnterOnRowsWithoutABot: enter on a balance or on a line that belongs to no bot says so
// instead of opening the bot that happens to be selected in the bots pane.
func TestEnterOnRowsWithoutABot(t *testing.T) {
	snap := testSnapshot(4, 5, 30)
	snap.Log[0].Bot = ""
	snap.Log[1].Bot = "gone-bot"
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"a balance", []string{"shift+tab", "shift+tab", "enter"}, "? help • tab next • P portfolio • o order"},
		{"an engine log line", []string{"shift+tab", "enter"}, "this line belongs to no bot"},
		{"a removed bot's line", []string{"shift+tab", "down", "enter"}, "gone-bot was removed: its lines stay in the journal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newDashboardHarness(t, snap)
			h.keys(tc.keys...)
			if h.m.screen != scrDashboard {
				t.Fatalf("enter opened screen %v, want to stay on the dashboard", h.m.screen)
			}
			h.wantView(tc.want)
			h.wantNotView("enter open its bot • s start")
		})
	}
}

// TestNarrowTabsMarkTheFocusedTab: the bottom slot's ▸ stands right before the focused tab,
// not before the first one, so it reads without colour.
func TestNarrowTabsMarkTheFocusedTab(t *testing.T) {
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.wantView("  Orders   fills   balances   log  ")
	for _, want := range []string{"▸ Orders   fills   balances   log", "  orders ▸ Fills   balances   log", "  orders   fills ▸ Balances   log", "  orders   fills   balances ▸ Log"} {
		h.keys("tab")
		if strings.HasPrefix(want, "▸ Orders") {
			h.keys("tab") // past the bots pane
		}
		h.wantView(want)
	}
}

// TestCashBalancesReadInCents: the quote currency is cash and reads in cents (cut, never
// rounded up past what the account holds); coins keep their precision.
func TestCashBalancesReadInCents(t *testing.T) {
	snap := testSnapshot(4, 5, 30)
	snap.Balances = []engine.BalanceView{
		{Mode: engine.Paper, Asset: "USDT", Free: d("9660.8598562"), Locked: d("201"), QuoteValue: d("9861.85")},
		{Mode: engine.Paper, Asset: "BTC", Free: d("0.00200799"), QuoteValue: d("136.79")},
	}
	h := newDashboardHarness(t, snap)
	h.keys("shift+tab", "shift+tab") // the balances tab
	h.wantView("PAPER USDT", "9,660.85", "201.00", "0.00200799")
	h.wantNotView("9,660.8598562", "9,660.86")
}
