package unlock

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/tui/common"
)

// host records what the screen asks of the root.
type host struct{ quits int }

func (h *host) Open(common.ID, common.Args) tea.Cmd { return nil }
func (h *host) Back()                               {}
func (h *host) Info(string)                         {}
func (h *host) Error(string, error)                 {}
func (h *host) Ask(common.Question)                 {}
func (h *host) Quit() tea.Cmd                       { h.quits++; return nil }
func (h *host) Spin() tea.Cmd                       { return nil }
func (h *host) SpinView() string                    { return "*" }

func newScreen(now time.Time) (*Screen, *host) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	h := &host{}
	c := &common.Common{Styles: common.NewStyles(r), Keys: common.NewKeyMap(), Host: h, Clock: clock.NewFake(now)}
	s := &Screen{c: c, checked: true}
	s.SetSize(80, 23)
	return s, h
}

// The attempt after wrong guesses says how long the vault makes it wait.
func TestWaitIsShownWhileTheVaultImposesIt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newScreen(now)
	s.attempts, s.delay, s.delayAt = 2, time.Second, now.Add(-400*time.Millisecond)
	s.busy, s.busyAt, s.waitFor = true, now, s.pendingWait(now)
	if v := s.View(now); !strings.Contains(v, "waiting 0.6s after 2 wrong passphrases before trying") {
		t.Fatalf("view lacks the wait:\n%s", v)
	}
}

// ctrl+c quits and leaves no typed passphrase behind.
func TestQuitWipesThePassphrase(t *testing.T) {
	s, h := newScreen(time.Now())
	s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("half typed")})
	if s.pass.Len() == 0 {
		t.Fatal("typing did not reach the passphrase: the test proves nothing")
	}
	s.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if h.quits != 1 || s.pass.Len() != 0 {
		t.Fatalf("quit asked %d times, %d characters left in the passphrase", h.quits, s.pass.Len())
	}
}
