package backtest

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	bt "github.com/quantdeck/quantdeck/backtest"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// finishSweep runs a command (a batch too) and returns the sweep's message.
func finishSweep(t *testing.T, cmd tea.Cmd) sweptMsg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command: the sweep did not start")
	}
	msgs := []tea.Msg{cmd()}
	if b, ok := msgs[0].(tea.BatchMsg); ok {
		msgs = msgs[:0]
		for _, c := range b {
			if c != nil {
				msgs = append(msgs, c())
			}
		}
	}
	for _, m := range msgs {
		if m, ok := m.(sweptMsg); ok {
			return m
		}
	}
	t.Fatal("the command did not sweep")
	return sweptMsg{}
}

// w opens the sweep line (pre-filled for the strategy); enter sweeps every combination over
// the generated history; the ranked table selects a row that N turns into a paper bot.
func TestSweepRanksAndMakesAPaperBot(t *testing.T) {
	s, h := open(t, "sim")
	press(s, "left", "w")
	if !s.sweeping || !s.TakesText() || s.sweepForm.Fields[sLine].Value() != "interval=1h,4h,12h,24h" {
		t.Fatalf("w: sweeping %v, line %q", s.sweeping, s.sweepForm.Fields[sLine].Value())
	}
	msg := finishSweep(t, press(s, "enter"))
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	if s.TakesText() || !s.running() {
		t.Fatal("enter did not leave the line and start the sweep")
	}
	s.Update(msg)
	if len(s.rows) != 4 || s.page != pageSweep || s.running() {
		t.Fatalf("%d rows on page %d", len(s.rows), s.page)
	}
	for i := 1; i < len(s.rows); i++ {
		if s.rows[i].In.PnL.Cmp(s.rows[i-1].In.PnL) > 0 {
			t.Fatalf("row %d PnL %s above row %d's %s: not ranked", i+1, s.rows[i].In.PnL, i, s.rows[i-1].In.PnL)
		}
	}
	seen := map[string]bool{}
	for _, r := range s.rows {
		seen[r.Params["interval"]] = true
		if r.Params["amount"] != "25" {
			t.Fatalf("row %v lost the bot's other parameters", r.Params)
		}
	}
	if len(seen) != 4 {
		t.Fatalf("swept intervals %v, want the four typed", seen)
	}
	if v := s.View(fixture.Now); !strings.Contains(v, "Sweep") || !strings.Contains(v, "4 combinations ranked by pnl") {
		t.Fatalf("sweep view:\n%s", v)
	}
	press(s, "down", "N")
	if len(h.Opened) != 1 || h.Opened[0] != common.ScreenBotForm {
		t.Fatalf("N opened %v", h.Opened)
	}
	if got, want := h.OpenedWith[0].Draft.Params["interval"], s.rows[1].Params["interval"]; got != want {
		t.Fatalf("paper bot interval %s, want the selected row's %s", got, want)
	}
}

// A sweep line that cannot run says why and starts nothing.
func TestSweepLineErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"", "type what to sweep"},
		{"levels", "must be KEY=FROM..TO:STEP"},
		{"amount=1..1000:1", "combinations: at most 500"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			s, _ := open(t, "sim")
			press(s, "w")
			s.sweepForm.Fields[sLine].Input.SetValue(tc.line)
			if cmd := press(s, "enter"); cmd != nil || s.running() {
				t.Fatal("an invalid sweep started")
			}
			if !strings.Contains(s.err, tc.want) || !s.sweeping {
				t.Fatalf("err %q (sweeping %v), want %q with the line still open", s.err, s.sweeping, tc.want)
			}
			press(s, "esc")
			if s.sweeping || len(s.c.Host.(*fixture.Host).Opened) != 0 {
				t.Fatal("esc did not just leave the line")
			}
		})
	}
}

// sweepWith opens the sweep form on the 7d preset, types the line, chooses the rank metric with
// →, types the split and runs it.
func sweepWith(t *testing.T, s *Screen, line, rank, split string) {
	t.Helper()
	press(s, "left", "w")
	s.Update(clearKey)
	press(s, line, "tab")
	for s.sweepForm.Fields[sRank].Value() != rank {
		press(s, "right")
	}
	press(s, "tab")
	s.Update(clearKey)
	if split != "" {
		press(s, split)
	}
	msg := finishSweep(t, press(s, "enter"))
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	s.Update(msg)
	if s.page != pageSweep || len(s.rows) == 0 {
		t.Fatalf("no table after the sweep (err %q)", s.err)
	}
}

// A sweep with a split ranks on the in-sample part by the chosen metric and reports the
// out-of-sample part beside it, with where the in-sample best lands out of sample.
func TestSweepWithSplitShowsBothParts(t *testing.T) {
	s, _ := open(t, "sim")
	s.SetSize(120, 38)
	sweepWith(t, s, "interval=1h,4h,12h,24h amount=20,30", "sharpe", "0.7")
	if len(s.rows) != 8 || s.rank != "sharpe" || s.split != 0.7 {
		t.Fatalf("%d rows ranked by %s split %v", len(s.rows), s.rank, s.split)
	}
	total := 7 * 1440
	for i, r := range s.rows {
		if r.Err != "" || r.Out == nil {
			t.Fatalf("row %d: err %q, out %v", i, r.Err, r.Out)
		}
		if r.In.Candles != total*7/10 || r.Out.Candles != total-total*7/10 {
			t.Fatalf("row %d: %d in-sample and %d out-of-sample candles of %d", i, r.In.Candles, r.Out.Candles, total)
		}
		if i > 0 && s.rows[i-1].In.Sharpe < r.In.Sharpe {
			t.Fatalf("row %d has a better in-sample Sharpe than the row above", i)
		}
	}
	v := s.View(fixture.Now)
	for _, want := range []string{"ranked by sharpe on the first 70 %", "in-sample", "│ out-of-sample",
		"Sharpe▼", "in-sample #1 is #"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the table lacks %q:\n%s", want, v)
		}
	}
	// Both parts' PnL show on the top row: the in-sample one, then after the bar the out-of-sample one.
	top := ""
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "›") {
			top = l
		}
	}
	in, out, ok := strings.Cut(top, "│")
	if !ok || !strings.Contains(in, common.FmtSigned(s.rows[0].In.PnLPct)) || !strings.Contains(out, common.FmtSigned(s.rows[0].Out.PnLPct)) {
		t.Fatalf("top row %q lacks in-sample %s or out-of-sample %s", top, s.rows[0].In.PnLPct, s.rows[0].Out.PnLPct)
	}
}

// s ranks the table by the next metric without running it again: the rows reorder as the
// backtest package ranks them, and the selection stays on its combination.
func TestRankKeyReorders(t *testing.T) {
	s, h := open(t, "sim")
	sweepWith(t, s, "interval=1h,4h,12h,24h", "pnl", "")
	if got := s.rows[0].Params["interval"]; got != "1h" {
		t.Fatalf("best PnL %s, want 1h (the case relies on it)", got)
	}
	press(s, "down") // select the 4h row
	picked := s.rows[s.sel].Index
	want := map[string]string{"sharpe": "1h", "sortino": "1h", "drawdown": "24h", "final": "1h", "pnl": "1h"}
	for _, m := range []string{"sharpe", "sortino", "drawdown", "final", "pnl"} {
		press(s, "s")
		if s.rank != m || s.sweepForm.Fields[sRank].Value() != m {
			t.Fatalf("s ranked by %s (form %s), want %s", s.rank, s.sweepForm.Fields[sRank].Value(), m)
		}
		for i := 1; i < len(s.rows); i++ {
			if bt.CompareResults(s.rows[i-1].In, s.rows[i].In, m) > 0 {
				t.Fatalf("by %s row %d is better than row %d", m, i+1, i)
			}
		}
		if got := s.rows[0].Params["interval"]; got != want[m] {
			t.Fatalf("by %s the best is %s, want %s", m, got, want[m])
		}
		if s.rows[s.sel].Index != picked {
			t.Fatalf("by %s the selection moved to %v", m, s.rows[s.sel].Params)
		}
		if v := s.View(fixture.Now); !strings.Contains(v, "ranked by "+m) {
			t.Fatalf("the title does not say %s:\n%s", m, v)
		}
	}
	if s.running() || len(h.Opened) != 0 {
		t.Fatal("ranking again ran something")
	}
	// Outside the sweep's table s does nothing.
	press(s, "tab")
	if press(s, "s"); s.rank != "pnl" {
		t.Fatal("s ranked again off the table")
	}
}

// A split that is not a share between 0 and 1 is refused as typed.
func TestSplitChecked(t *testing.T) {
	for _, v := range []string{"0", "1", "1.5", "-0.2", "70%", "x"} {
		s, _ := open(t, "sim")
		press(s, "w", "tab", "tab", v)
		if err := s.sweepForm.Fields[sSplit].LocalErr(); err == nil {
			t.Fatalf("split %q accepted", v)
		}
		if cmd := press(s, "enter"); cmd != nil || s.running() || !strings.Contains(s.err, "a share between 0 and 1") {
			t.Fatalf("split %q: ran %v, err %q", v, s.running(), s.err)
		}
		if !strings.Contains(s.View(fixture.Now), "✗ a share between 0 and 1, like 0.7") {
			t.Fatalf("split %q: no inline error", v)
		}
	}
}

// The line over a split table says where the in-sample best lands out of sample, warns when it
// falls to the bottom third, and says so when out of sample nothing tells the rows apart.
func TestOverfitLine(t *testing.T) {
	res := func(pnl string, sharpe float64) *bt.Result {
		return &bt.Result{PnL: fixture.D(pnl), PnLPct: fixture.D(pnl), Sharpe: sharpe}
	}
	rows := func(out ...*bt.Result) []bt.Row {
		rs := make([]bt.Row, len(out))
		for i, o := range out {
			rs[i] = bt.Row{Index: i, In: *res("5", 1), Out: o}
		}
		return rs
	}
	tests := []struct {
		name, rank string
		rows       []bt.Row
		want       string
	}{
		{"holds", "pnl", rows(res("3", 1), res("1", 2), res("-1", 0)), "in-sample #1 is #1 of 3 out of sample by pnl (PnL +5 % → +3 %)"},
		{"falls", "pnl", rows(res("-2", 1), res("1", 2), res("0.5", 0)), "is #3 of 3 out of sample by pnl (PnL +5 % → −2 %): the ranking does not hold"},
		{"by sharpe", "sharpe", rows(res("-2", 3), res("1", 2), res("0.5", 0)), "is #1 of 3 out of sample by sharpe"},
		{"all tied", "pnl", rows(res("0", 0), res("0", 0), res("0", 0)), "out of sample all 3 combinations score the same by pnl (PnL 0 %)"},
		{"all tied by sharpe", "sharpe", rows(res("1", 0), res("2", 0), res("0", 0)), "all 3 combinations score the same by sharpe (Sharpe 0.00)"},
		{"invalid first", "pnl", []bt.Row{{Err: "levels must be at least 2"}}, "nothing ran out of sample"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := open(t, "sim")
			s.SetSize(160, 40)
			s.rows, s.rank, s.split = tc.rows, tc.rank, 0.7
			if got := s.overfitLine(); !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
