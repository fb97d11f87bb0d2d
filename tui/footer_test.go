package tui

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/quantdeck/quantdeck/engine"
)

// TestLongMessagesWrapInsteadOfLosingTheirEnd: what to do comes at the end of a message, so a
// message wider than the footer wraps upwards instead of being cut.
func TestLongMessagesWrapInsteadOfLosingTheirEnd(t *testing.T) {
	maintenance := errMsg{op: "could not start bot-00", err: errors.New("the exchange is in maintenance until 02:00 UTC; the bot resumes when you start it again with s")}
	tests := []struct {
		name string
		w, h int
		keys []string
		msg  tea.Msg
		want []string
	}{
		{"kill switch refusal at 80 columns", 80, 24, []string{"tab", "s"}, nil,
			[]string{"✗ the kill switch is engaged: release it with K before starting", "bots  esc dismiss"}},
		{"on another screen", 80, 24, []string{"?"}, maintenance,
			[]string{"✗ could not start bot-00: the exchange is in maintenance until", "start it again with s"}},
		{"narrow terminal", 50, 20, []string{"tab", "s"}, nil, []string{"release it", "with K"}},
		{"very long message keeps three lines", 40, 12, []string{"?"}, errMsg{op: strings.Repeat("word ", 60)}, []string{"word…"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := testSnapshot(4, 5, 30)
			killed(&snap)
			h := newDashboardHarness(t, snap)
			h.send(tea.WindowSizeMsg{Width: tc.w, Height: tc.h})
			h.keys(tc.keys...)
			if tc.msg != nil {
				h.send(tc.msg)
			}
			h.wantView(tc.want...)
			lines := strings.Split(h.View(), "\n")
			if len(lines) != tc.h {
				t.Fatalf("%d lines, want %d", len(lines), tc.h)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > tc.w {
					t.Fatalf("line %d is %d cells wide, more than %d:\n%s", i, w, tc.w, h.View())
				}
			}
			if n := strings.Count(h.View(), "word"); tc.msg != nil && n > 0 && n > 3*8 {
				t.Fatalf("%d words shown, want at most three lines of them", n)
			}
			if tc.keys[0] == "tab" {
				h.keys("esc")
				h.wantNotView("release it", "esc dismiss")
			}
		})
	}
}

// TestEscDismissIsOfferedOnlyWhereItDismisses: on a form or the ticket esc leaves the screen
// and drops what was typed, so the footer does not invite it there.
func TestEscDismissIsOfferedOnlyWhereItDismisses(t *testing.T) {
	for _, open := range []string{"o", "n"} {
		h := newDashboardHarness(t, testSnapshot(4, 5, 30))
		h.keys(open)
		h.emit(engine.ErrorEvent{Bot: "bot-01", Err: "order rejected: insufficient balance"})
		h.flush()
		h.wantView("✗ bot bot-01: order rejected: insufficient balance")
		h.wantNotView("esc dismiss")
	}
	h := newDashboardHarness(t, testSnapshot(4, 5, 30))
	h.emit(engine.ErrorEvent{Bot: "bot-01", Err: "order rejected: insufficient balance"})
	h.flush()
	h.wantView("insufficient balance  esc dismiss")
}
