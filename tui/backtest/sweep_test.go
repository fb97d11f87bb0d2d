package backtest

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

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
	if !s.sweeping || !s.TakesText() || s.sweepLine.Value() != "interval=1h,4h,12h,24h" {
		t.Fatalf("w: sweeping %v, line %q", s.sweeping, s.sweepLine.Value())
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
	if v := s.View(fixture.Now); !strings.Contains(v, "Sweep") || !strings.Contains(v, "4 combinations ranked by PnL") {
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
			s.sweepLine.SetValue(tc.line)
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
