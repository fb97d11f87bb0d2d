package backtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/quantdeck/quantdeck/ai"
	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/marketdata"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// open builds the screen on bot-00 (a paper DCA bot on BTCUSDT) of the fixture's snapshot, with
// a fresh data directory, on the named exchange.
func open(t *testing.T, exch string) (*Screen, *fixture.Host) {
	t.Helper()
	snap := fixture.Snapshot(2, 2, 0)
	c, h := fixture.Common(&snap, nil)
	c.Home, c.Exchange = t.TempDir(), exch
	scr, cmd := New(c, common.Args{Bot: "bot-00"})
	s := scr.(*Screen)
	if cmd == nil {
		t.Fatal("opening the screen did not list the stored history the dates are checked against")
	}
	msg, ok := cmd().(storedMsg)
	if !ok || msg.err != nil {
		t.Fatalf("opening the screen ran %T (%v): a run waits for enter", msg, msg.err)
	}
	s.Update(msg)
	s.SetSize(80, 22)
	return s, h
}

// press sends keys and returns the last command.
func press(s *Screen, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		cmd = s.Update(fixture.Key(k))
	}
	return cmd
}

// finish runs a command (a batch too) and returns the run's result message.
func finish(t *testing.T, cmd tea.Cmd) runFinishedMsg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command: the run did not start")
	}
	switch msg := cmd().(type) {
	case runFinishedMsg:
		return msg
	case tea.BatchMsg:
		for _, c := range msg {
			if c == nil {
				continue
			}
			if m, ok := c().(runFinishedMsg); ok {
				return m
			}
		}
	}
	t.Fatal("the command did not run the backtest")
	return runFinishedMsg{}
}

// A run on the sim generates the period's history into the real candle store, replays it
// through the bot's strategy and shows the very result the backtest package gives for those
// candles.
func TestRunOnGeneratedSimHistory(t *testing.T) {
	s, _ := open(t, "sim")
	cmd := press(s, "left", "enter") // 7d of 1m
	if !s.running() || s.HelpKey() != "running" || !s.Busy() {
		t.Fatal("enter did not start a run")
	}
	if again := press(s, "enter"); again != nil {
		t.Fatal("enter during a run started a second one")
	}
	msg := finish(t, cmd)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	if s.job.phase.Load() != phaseReplaying || s.job.done.Load() != s.job.total.Load() {
		t.Fatalf("progress at the end: phase %d, %d of %d", s.job.phase.Load(), s.job.done.Load(), s.job.total.Load())
	}
	s.Update(msg)
	if s.running() || s.res == nil {
		t.Fatalf("no result after the run (err %q, missing %q)", s.err, s.missing)
	}
	from, to, iv := s.span()
	if want := 7 * 1440; s.res.Candles != want {
		t.Fatalf("%d candles, want %d", s.res.Candles, want)
	}
	// The history is in the store now, as data fetch leaves it.
	hist, err := marketdata.Open(context.Background(), s.c.Home)
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	candles, err := hist.Load(context.Background(), "BTCUSDT", iv, from, to)
	if err != nil || len(candles) != 7*1440 {
		t.Fatalf("store holds %d candles (%v), want %d", len(candles), err, 7*1440)
	}
	want, err := bt.Run(context.Background(), msg.cfg, candles)
	if err != nil {
		t.Fatal(err)
	}
	if want.FinalEquity.Cmp(s.res.FinalEquity) != 0 || len(want.Trades) != len(s.res.Trades) || want.Sharpe != s.res.Sharpe {
		t.Fatalf("screen's result %s with %d trades, the package's %s with %d", s.res.FinalEquity, len(s.res.Trades), want.FinalEquity, len(want.Trades))
	}
	// A DCA bot buying every 4h for a week trades.
	if len(s.res.Trades) < 20 || len(s.fills) != len(s.res.Trades) || len(s.res.Equity) == 0 {
		t.Fatalf("%d trades, %d fills, %d equity points", len(s.res.Trades), len(s.fills), len(s.res.Equity))
	}
	if msg.cfg.Params["amount"] != "25" || msg.cfg.Strategy != "dca" || !msg.cfg.Budget.Equal(fixture.D("500")) {
		t.Fatalf("ran %s %v budget %s, want the bot's settings", msg.cfg.Strategy, msg.cfg.Params, msg.cfg.Budget)
	}
	v := s.View(fixture.Now)
	for _, w := range []string{"buy & hold", "Equity", "Drawdown", "final equity"} {
		if !strings.Contains(v, w) {
			t.Fatalf("result view lacks %q:\n%s", w, v)
		}
	}
	press(s, "tab")
	if v := s.View(fixture.Now); !strings.Contains(v, "Trades") || !strings.Contains(v, "B") {
		t.Fatalf("trades page:\n%s", v)
	}
}

// Off the sim, missing history is not invented: the screen says which command fetches it.
func TestMissingHistorySaysHowToFetch(t *testing.T) {
	s, _ := open(t, "binance")
	s.Update(finish(t, press(s, "enter")))
	want := "quantdeck data fetch --symbol BTCUSDT --interval 1m --from 2026-10-29"
	if !strings.Contains(s.missing, want) || s.res != nil {
		t.Fatalf("missing = %q, want it to name %q", s.missing, want)
	}
	if v := strings.Join(strings.Fields(s.View(fixture.Now)), " "); !strings.Contains(v, want) {
		t.Fatalf("the view does not show the command:\n%s", s.View(fixture.Now))
	}
}

// esc during a run cancels it; its late result is dropped, and the next esc leaves for the
// bot's detail.
func TestEscCancelsTheRun(t *testing.T) {
	s, h := open(t, "sim")
	cmd := press(s, "enter")
	press(s, "esc")
	if s.running() || len(h.Infos) == 0 || h.Infos[len(h.Infos)-1] != "backtest cancelled" || len(h.Opened) != 0 {
		t.Fatalf("esc: running %v, infos %q, opened %v", s.running(), h.Infos, h.Opened)
	}
	msg := finish(t, cmd)
	if msg.err == nil {
		t.Fatal("a cancelled run finished without an error")
	}
	s.Update(msg)
	if s.res != nil || s.err != "" {
		t.Fatalf("a cancelled run's result was shown: res %v, err %q", s.res, s.err)
	}
	press(s, "esc")
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBotDetail || h.OpenedWith[0].Bot != "bot-00" {
		t.Fatalf("esc opened %v %+v, want bot-00's detail", h.Opened, h.OpenedWith)
	}
}

// The period and interval keys.
func TestPeriodAndIntervalKeys(t *testing.T) {
	tests := []struct {
		keys           []string
		period, interv string
	}{
		{nil, "30d", "1m"},
		{[]string{"right"}, "90d", "1m"},
		{[]string{"right", "right", "right", "right"}, "7d", "1m"},
		{[]string{"left", "left", "left"}, "1y", "1m"},
		{[]string{"f", "f"}, "30d", "15m"},
		{[]string{"f", "f", "f", "f", "f", "f"}, "30d", "1m"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.keys, ","), func(t *testing.T) {
			s, _ := open(t, "sim")
			press(s, tc.keys...)
			if Periods[s.period()].Name != tc.period || Intervals[s.interval()] != tc.interv {
				t.Fatalf("period %s interval %s, want %s %s", Periods[s.period()].Name, Intervals[s.interval()], tc.period, tc.interv)
			}
			from, to, iv := s.span()
			if to.Sub(from) != Periods[s.period()].D || !to.Equal(to.Truncate(iv)) || to.After(fixture.Now) {
				t.Fatalf("span %s to %s at %s", from, to, iv)
			}
		})
	}
}

// N turns a result into a new PAPER bot through the form, never before a result and never
// live, even from a live bot.
func TestPaperBotFromResult(t *testing.T) {
	s, h := open(t, "sim")
	s.cfg.Mode, s.cfg.KeyLabel = engine.Live, "main"
	press(s, "N")
	if len(h.Opened) != 0 || len(h.Errors) != 1 {
		t.Fatalf("N without a result: opened %v, errors %q", h.Opened, h.Errors)
	}
	s.Update(finish(t, press(s, "left", "enter")))
	press(s, "N")
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBotForm {
		t.Fatalf("N opened %v, want the bot form", h.Opened)
	}
	d := h.OpenedWith[0].Draft
	if d == nil || h.OpenedWith[0].Edit != nil || d.Mode != engine.Paper || d.KeyLabel != "" || d.Name != "bot-00-paper" ||
		d.Strategy != "dca" || d.Symbol != "BTCUSDT" || d.Params["amount"] != "25" {
		t.Fatalf("the form opened on %+v, want a new paper bot with the backtested settings", d)
	}
}

// Opened from the form, the screen runs the form's settings and esc returns to the form with
// them.
func TestFromTheForm(t *testing.T) {
	snap := fixture.Snapshot(2, 2, 0)
	c, h := fixture.Common(&snap, nil)
	c.Home = t.TempDir()
	draft := engine.BotConfig{Symbol: "ETHUSDT", Strategy: "grid", Params: map[string]string{"lower": "2000", "upper": "4000", "levels": "10", "quantity": "0.01"}}
	scr, _ := New(c, common.Args{Draft: &draft})
	s := scr.(*Screen)
	s.SetSize(160, 46)
	s.Update(finish(t, press(s, "left", "f", "f", "f", "enter"))) // 7d of 1h
	if s.res == nil || s.res.Candles != 7*24 || s.resCfg.Symbol != "ETHUSDT" {
		t.Fatalf("result %+v (err %q)", s.res, s.err)
	}
	press(s, "esc")
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBotForm || h.OpenedWith[0].Draft.Symbol != "ETHUSDT" {
		t.Fatalf("esc opened %v %+v, want the form with the draft", h.Opened, h.OpenedWith)
	}
}

// The screen at 80x24 and 160x48 (bodies of 22 and 46 lines under the root's header and
// footer): settings, result, trades, the settings form with a refused date, typed dates, the
// sweep form, a sweep, and a sweep with an out-of-sample split. Refresh with -update.
func TestGolden(t *testing.T) {
	names := []string{"settings", "result", "trades", "settings_form", "dates", "sweep_line", "sweep", "sweep_split"}
	for _, sz := range [][2]int{{80, 22}, {160, 46}} {
		s, _ := open(t, "sim")
		s.SetSize(sz[0], sz[1])
		views := map[string]string{"settings": s.View(fixture.Now)}
		s.Update(finish(t, press(s, "left", "enter")))
		views["result"] = s.View(fixture.Now)
		press(s, "tab")
		views["trades"] = s.View(fixture.Now)
		press(s, "tab")
		typeInto(s, fFrom, "2026-11-20")
		typeInto(s, fTo, "2026-11-18")
		views["settings_form"] = s.View(fixture.Now)
		typeInto(s, fTo, "2026-11-23")
		typeInto(s, fFee, "0.075")
		s.Update(finish(t, press(s, "enter")))
		views["dates"] = s.View(fixture.Now)
		press(s, "w")
		views["sweep_line"] = s.View(fixture.Now)
		s.Update(finishSweep(t, press(s, "enter")))
		views["sweep"] = s.View(fixture.Now)
		typeInto(s, fFrom, "2026-11-08")
		typeInto(s, fTo, "2026-11-28")
		press(s, "esc", "w")
		s.Update(clearKey)
		press(s, "interval=1h,4h,12h,24h amount=20,30", "tab", "right", "tab", "0.7")
		s.Update(finishSweep(t, press(s, "enter")))
		views["sweep_split"] = s.View(fixture.Now)
		for _, name := range names {
			t.Run(fmt.Sprintf("%s/%dx%d", name, sz[0], sz[1]+2), func(t *testing.T) {
				v := views[name]
				lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
				if len(lines) > sz[1] {
					t.Fatalf("%d lines in a body of %d:\n%s", len(lines), sz[1], v)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > sz[0] {
						t.Fatalf("line %d is %d cells wide:\n%s", i, w, l)
					}
				}
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// The curves cost one pass over a few hundred points; the view is cached between frames.
func BenchmarkResultView(b *testing.B) {
	snap := fixture.Snapshot(2, 2, 0)
	c, _ := fixture.Common(&snap, nil)
	s := &Screen{c: c, cfg: snap.Bots[0].Config}
	s.newSettings(defaultBudget)
	s.newSweepForm()
	res := bt.Result{Equity: make([]float64, curvePoints), Drawdown: make([]float64, curvePoints)}
	for i := range res.Equity {
		res.Equity[i] = 1000 + float64(i%37)
		res.Drawdown[i] = float64(i % 11)
	}
	s.res, s.candles = &res, fixture.Candles(600)
	s.SetSize(160, 46)
	b.ReportAllocs()
	for b.Loop() {
		s.cacheLive = false
		_ = s.View(fixture.Now)
	}
	_ = time.Second
}

// anAI stands in for the Claude client: the backtest screen only hands the result over.
type anAI struct{}

func (anAI) Build(ai.Kind, ai.Input) (ai.Request, error) { return ai.Request{}, nil }
func (anAI) Stream(context.Context, ai.Request, func(string)) (ai.Answer, error) {
	return ai.Answer{}, nil
}

// A asks the AI panel for a summary of the result and its risks, carrying the result's
// metrics; with the enrichment off it only says so, and without a result it asks for a run.
func TestAISummaryOfTheResult(t *testing.T) {
	s, h := open(t, "sim")
	press(s, "A")
	if len(h.Opened) != 0 || len(h.Errors) != 1 {
		t.Fatalf("A without a result: opened %v, errors %q", h.Opened, h.Errors)
	}
	s.Update(finish(t, press(s, "left", "enter")))
	press(s, "A")
	if len(h.Opened) != 0 || len(h.Infos) == 0 || h.Infos[len(h.Infos)-1] != common.AIOff {
		t.Fatalf("A with AI off: opened %v, infos %q", h.Opened, h.Infos)
	}
	s.c.AI = anAI{}
	press(s, "A")
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenAI {
		t.Fatalf("A opened %v, want the AI panel", h.Opened)
	}
	a := h.OpenedWith[0]
	if a.AIKind != ai.Backtest || a.Backtest == nil || a.Backtest.Symbol != "BTCUSDT" || a.Backtest.Trades != s.res.TradeCount() || a.Backtest.ParamsTried != 1 {
		t.Fatalf("the panel opened on %+v (%+v), want a backtest summary of the result", a, a.Backtest)
	}
}
