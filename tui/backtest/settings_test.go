package backtest

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/marketdata"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// clearKey empties the focused text field (ctrl+u).
var clearKey = tea.KeyMsg{Type: tea.KeyCtrlU}

// typeInto opens the settings, moves to field i with tab, clears it and types v.
func typeInto(s *Screen, i int, v string) {
	if !s.editing {
		press(s, "e")
	}
	for s.form.Focus != i {
		press(s, "tab")
	}
	s.Update(clearKey)
	if v != "" {
		press(s, v)
	}
}

// Every setting is checked as it is typed; enter with a refused one starts nothing and focuses
// the field, whose error the form shows beside it.
func TestSettingsCheckedAsTyped(t *testing.T) {
	tests := []struct {
		name   string
		fields map[int]string
		field  int
		want   string
	}{
		{"not a date", map[int]string{fFrom: "2025/01/05"}, fFrom, "a date like 2025-01-31 (YYYY-MM-DD, UTC)"},
		{"month 13", map[int]string{fFrom: "2025-13-01"}, fFrom, "no such day in the calendar"},
		{"day only", map[int]string{fFrom: "2025-1-5"}, fFrom, "a date like"},
		{"no such day", map[int]string{fFrom: "2026-02-30"}, fFrom, "no such day in the calendar"},
		{"too many candles", map[int]string{fFrom: "2019-01-01"}, fFrom, "4,159,590 candles of 1m: at most 1,054,080 here"},
		{"from in the future", map[int]string{fFrom: "2026-12-01"}, fFrom, "no closed candle from that day yet"},
		{"to before from", map[int]string{fFrom: "2026-11-10", fTo: "2026-11-03"}, fTo, "must be after from (2026-11-10)"},
		{"to equals from", map[int]string{fFrom: "2026-11-10", fTo: "2026-11-10"}, fTo, "must be after from"},
		{"to in the future", map[int]string{fFrom: "2026-11-10", fTo: "2026-12-25"}, fTo, "in the future"},
		{"budget zero", map[int]string{fBudget: "0"}, fBudget, "must be above zero"},
		{"budget text", map[int]string{fBudget: "lots"}, fBudget, "a number like 10000"},
		{"fee text", map[int]string{fFee: "0,1"}, fFee, "a percent like 0.1"},
		{"fee a hundred", map[int]string{fFee: "100"}, fFee, "from 0 to below 100 %"},
		{"fee below zero", map[int]string{fFee: "-0.1"}, fFee, "from 0 to below 100 %"},
		{"slippage too big", map[int]string{fSlippage: "1001"}, fSlippage, "from 0 to 1000 bps"},
		{"slippage float junk", map[int]string{fSlippage: "5bps"}, fSlippage, "basis points like 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := open(t, "sim")
			for _, i := range []int{fFrom, fTo, fBudget, fFee, fSlippage} {
				if v, ok := tc.fields[i]; ok {
					typeInto(s, i, v)
				}
			}
			if err := s.form.Fields[tc.field].LocalErr(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: error %v, want %q", s.form.Fields[tc.field].Label, err, tc.want)
			}
			if v := s.View(fixture.Now); !strings.Contains(strings.Join(strings.Fields(v), " "), "✗ "+tc.want) {
				t.Fatalf("the form does not show %q:\n%s", tc.want, v)
			}
			press(s, "tab") // move away: enter must bring the focus back
			if cmd := press(s, "enter"); s.running() || cmd != nil {
				t.Fatal("enter ran refused settings")
			}
			if !s.editing || s.form.Focus != tc.field {
				t.Fatalf("enter left the form (%v) on field %d, want the refused field %d", s.editing, s.form.Focus, tc.field)
			}
			press(s, "esc")
			if s.editing || s.TakesText() {
				t.Fatal("esc did not leave the settings")
			}
			if v := s.View(fixture.Now); !strings.Contains(v, "(e to fix)") {
				t.Fatalf("outside the form the refused setting is not shown:\n%s", v)
			}
			if cmd := press(s, "enter"); s.running() || cmd != nil || !s.editing {
				t.Fatal("enter outside the form ran refused settings instead of opening them")
			}
		})
	}
}

// Typing a date chooses the typed period; a preset fills the dates and runs its span; ←/→
// outside the form reach the typed dates too.
func TestTypedDatesAndPresets(t *testing.T) {
	s, _ := open(t, "sim")
	if s.form.Fields[fFrom].Value() != "2026-10-29" || s.form.Fields[fTo].Value() != "" {
		t.Fatalf("30d preset shows from %q to %q", s.form.Fields[fFrom].Value(), s.form.Fields[fTo].Value())
	}
	typeInto(s, fFrom, "2026-11-20")
	if !s.dates() {
		t.Fatal("typing a date did not choose the typed period")
	}
	typeInto(s, fTo, "2026-11-23")
	from, to, _ := s.span()
	if !from.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("span %s to %s", from, to)
	}
	s.Update(clearKey) // an empty end is the last closed candle
	if _, to, _ := s.span(); !to.Equal(time.Date(2026, 11, 28, 14, 30, 0, 0, time.UTC)) {
		t.Fatalf("open end at %s", to)
	}
	press(s, "shift+tab", "shift+tab", "left") // period: dates → 1y
	if s.dates() || s.form.Fields[fFrom].Value() != "2025-11-28" {
		t.Fatalf("the 1y preset: dates %v, from %q", s.dates(), s.form.Fields[fFrom].Value())
	}
	press(s, "esc", "right")
	if !s.dates() || s.periodName() != "2025-11-28 to 2026-11-28" {
		t.Fatalf("→ after 1y: %q", s.periodName())
	}
}

// Typed dates run over exactly those days with the typed fee, slippage and budget: the result is
// the backtest package's for that configuration.
func TestRunWithTypedSettings(t *testing.T) {
	s, _ := open(t, "sim")
	typeInto(s, fFrom, "2026-11-20")
	typeInto(s, fTo, "2026-11-23")
	typeInto(s, fBudget, "1000")
	typeInto(s, fFee, "0.25")
	typeInto(s, fSlippage, "7.5")
	msg := finish(t, press(s, "enter"))
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	if s.editing {
		t.Fatal("the run left the form open")
	}
	c := msg.cfg
	if !c.Budget.Equal(fixture.D("1000")) || !c.FeeRate.Equal(fixture.D("0.0025")) || !c.SlippageBps.Equal(fixture.D("7.5")) {
		t.Fatalf("ran budget %s fee rate %s slippage %s", c.Budget, c.FeeRate, c.SlippageBps)
	}
	s.Update(msg)
	if s.res == nil || s.res.Candles != 3*1440 || !s.res.From.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("result %+v (err %q)", s.res, s.err)
	}
	hist, err := marketdata.Open(context.Background(), s.c.Home)
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	candles, err := hist.Load(context.Background(), "BTCUSDT", time.Minute, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want, err := bt.Run(context.Background(), c, candles)
	if err != nil {
		t.Fatal(err)
	}
	if !want.FinalEquity.Equal(s.res.FinalEquity) || !want.Fees.Equal(s.res.Fees) || want.Fees.IsZero() {
		t.Fatalf("screen: final %s fees %s; package: final %s fees %s", s.res.FinalEquity, s.res.Fees, want.FinalEquity, want.Fees)
	}
	if v := s.View(fixture.Now); !strings.Contains(v, "2026-11-20 to 2026-11-23 of 1m") || !strings.Contains(v, "fee 0.25 % · slippage 7.5 bps") ||
		!strings.Contains(v, "0.25 % fee · 7.5 bps slippage") {
		t.Fatalf("the result does not say what it ran:\n%s", v)
	}
}

// Off the simulated market the dates are checked against the stored history, which the screen
// lists when it opens.
func TestDatesWithinStoredHistory(t *testing.T) {
	s, _ := open(t, "binance")
	press(s, "f", "f", "f") // 1h
	typeInto(s, fFrom, "2026-11-02")
	if err := s.form.Fields[fFrom].LocalErr(); err == nil || !strings.Contains(err.Error(), "no stored BTCUSDT 1h candles: quantdeck data fetch --symbol BTCUSDT --interval 1h --from 2026-11-02 gets them") {
		t.Fatalf("nothing stored: %v", err)
	}
	if v := s.View(fixture.Now); !strings.Contains(v, "nothing stored at 1h") {
		t.Fatalf("the settings do not say nothing is stored:\n%s", v)
	}
	hist, err := marketdata.Open(context.Background(), s.c.Home)
	if err != nil {
		t.Fatal(err)
	}
	src := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Seed: 1})
	_, err = hist.Fetch(context.Background(), src, marketdata.FetchOptions{Symbol: "BTCUSDT", Interval: time.Hour,
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), Now: fixture.Now})
	hist.Close()
	if err != nil {
		t.Fatal(err)
	}
	s.Update(s.refreshStored()())
	if v := s.View(fixture.Now); !strings.Contains(v, "stored 1h: 2026-11-01 → 2026-11-09") {
		t.Fatalf("the settings do not say what is stored:\n%s", v)
	}
	tests := []struct{ from, to, want string }{
		{"2026-10-20", "", "before the stored history, which starts 2026-11-01"},
		{"2026-11-15", "", "after the stored history, which ends 2026-11-09"},
		{"2026-11-02", "2026-11-20", "after the stored history, which ends 2026-11-09: leave it empty"},
		{"2026-11-02", "2026-11-05", ""},
		{"2026-11-01", "2026-11-10", ""},
	}
	for _, tc := range tests {
		typeInto(s, fFrom, tc.from)
		typeInto(s, fTo, tc.to)
		_, err := s.settingsErr()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Fatalf("%s to %s: %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
	s.Update(finish(t, press(s, "enter")))
	if s.res == nil || s.res.Candles != 9*24 {
		t.Fatalf("result over the stored days: %+v (err %q, missing %q)", s.res, s.err, s.missing)
	}
}

// ctrl+c still quits while a form takes the keys (the root hands them all to the screen).
func TestForceQuitFromTheForms(t *testing.T) {
	for _, open1 := range []string{"e", "w"} {
		s, h := open(t, "sim")
		press(s, open1)
		if !s.TakesText() {
			t.Fatalf("%s did not open a form", open1)
		}
		press(s, "ctrl+c")
		if h.Quits != 1 {
			t.Fatalf("ctrl+c in the %s form: %d quits", open1, h.Quits)
		}
	}
}
