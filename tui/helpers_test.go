package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// testClock is a clock the test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time          { return c.t }
func (c *testClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// Sleep and After move the clock at once: the model's own timers run through tick, by hand.
func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

// timerMsg is what a timer scheduled through Model.tick delivers in tests: nothing runs until
// the test fires it.
type timerMsg struct {
	after time.Duration
	msg   tea.Msg
}

// waitingMsg marks the model waiting on the engine's stream.
type waitingMsg struct{}

// harness drives a Model synchronously: commands run in the test goroutine, their messages go
// back into Update, timers are collected for the test to fire.
type harness struct {
	t       testing.TB
	m       *Model
	eng     *fakeEngine
	vault   *fakeVault
	checker *fakeChecker
	clk     *testClock
	timers  []timerMsg
	waiting bool
	quit    bool
	resumed int
	// everyView, when set, sees every frame: after each Update and after each of its
	// commands' messages, busy states included.
	everyView func(string)
}

func newHarness(t testing.TB, snap engine.Snapshot, v *fakeVault) *harness {
	t.Helper()
	return newHarnessOn(t, snap, v, v)
}

// newHarnessOn is newHarness on any vault (a real one in t.TempDir()); fake is the same vault
// when it is the in-memory fake, else nil.
func newHarnessOn(t testing.TB, snap engine.Snapshot, v common.Vault, fake *fakeVault) *harness {
	t.Helper()
	h := &harness{t: t, eng: newFakeEngine(snap), vault: fake, clk: &testClock{t: fixedNow}, checker: &fakeChecker{}}
	h.m = newModel(Options{
		Engine: h.eng, Vault: v, Checker: h.checker, Renderer: asciiRenderer(),
		Exchange: "sim", Version: "test", Clock: h.clk, KDFIterations: 600000,
		OnUnlock: func(context.Context) error { h.resumed++; return nil },
	})
	h.m.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{after: d, msg: fn(h.clk.Now())} }
	}
	h.m.wait = func(<-chan engine.Event) tea.Cmd {
		return func() tea.Msg { return waitingMsg{} }
	}
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h
}

// newDashboard returns a harness past the unlock screen with snap on the dashboard.
func newDashboardHarness(t testing.TB, snap engine.Snapshot) *harness {
	t.Helper()
	h := newHarness(t, snap, &fakeVault{exists: true, unlocked: true})
	if h.m.screen != scrDashboard {
		t.Fatalf("screen = %v, want the dashboard for an unlocked vault", h.m.screen)
	}
	return h
}

func (h *harness) send(msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := h.m.Update(msg)
		if h.everyView != nil {
			h.everyView(h.m.View())
		}
		h.run(cmd)
	}
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case timerMsg:
		h.timers = append(h.timers, msg)
	case waitingMsg:
		h.waiting = true
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// fire delivers every pending timer whose message has the type of like, or, when like is a
// string, whose type is named so (a screen's unexported message: "unlockTickMsg").
func (h *harness) fire(like tea.Msg) {
	var keep []timerMsg
	var due []tea.Msg
	want, named := like.(string)
	if !named {
		want = typeName(like)
	}
	for _, tm := range h.timers {
		if got := typeName(tm.msg); got == want || named && strings.HasSuffix(got, "."+want) {
			due = append(due, tm.msg)
		} else {
			keep = append(keep, tm)
		}
	}
	h.timers = keep
	for _, msg := range due {
		h.send(msg)
	}
}

// emit delivers an engine event the way the subscription would.
func (h *harness) emit(ev engine.Event) {
	h.send(eventMsg{ev: ev})
}

// flush runs the throttled render.
func (h *harness) flush() { h.fire(frameMsg{}) }

func (h *harness) keys(keys ...string) {
	for _, k := range keys {
		h.send(fixture.Key(k))
	}
}

func (h *harness) typeText(s string) {
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

func (h *harness) View() string { return h.m.View() }

func (h *harness) wantView(contains ...string) {
	h.t.Helper()
	v := h.View()
	for _, c := range contains {
		if !strings.Contains(v, c) {
			h.t.Fatalf("view lacks %q:\n%s", c, v)
		}
	}
}

func (h *harness) wantNotView(absent ...string) {
	h.t.Helper()
	v := h.View()
	for _, c := range absent {
		if strings.Contains(v, c) {
			h.t.Fatalf("view shows %q but should not:\n%s", c, v)
		}
	}
}

func (h *harness) wantCalls(want ...string) {
	h.t.Helper()
	got := h.eng.Calls()
	var filtered []string
	for _, c := range got {
		if c != "Subscribe" {
			filtered = append(filtered, c)
		}
	}
	if strings.Join(filtered, "|") != strings.Join(want, "|") {
		h.t.Fatalf("engine calls = %q, want %q", filtered, want)
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// wantSelected checks that the selected line (marked ›) shows text.
func (h *harness) wantSelected(text string) {
	h.t.Helper()
	for _, l := range strings.Split(h.View(), "\n") {
		if i := strings.Index(l, "› "); i >= 0 && strings.Contains(l[i:], text) {
			return
		}
	}
	h.t.Fatalf("no selected line shows %q:\n%s", text, h.View())
}
