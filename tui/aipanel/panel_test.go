package aipanel

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/tui/common"
)

// fakeAsker streams pieces; with block set it waits for cancellation after the first piece.
type fakeAsker struct {
	pieces []string
	block  bool
	calls  int
}

func (f *fakeAsker) Build(kind ai.Kind, in ai.Input) (ai.Request, error) {
	return ai.Build(kind, "test-model", in)
}

func (f *fakeAsker) Stream(ctx context.Context, _ ai.Request, onDelta func(string)) (ai.Answer, error) {
	f.calls++
	var text strings.Builder
	for _, p := range f.pieces {
		onDelta(p)
		text.WriteString(p)
		if f.block {
			<-ctx.Done()
			return ai.Answer{Text: text.String(), Usage: ai.Usage{Input: 5}}, ai.ErrCancelled
		}
	}
	return ai.Answer{Text: text.String(), Usage: ai.Usage{Input: 300, Output: 42}, Today: ai.Usage{Input: 1000, Output: 100}}, nil
}

func styles() *common.Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return common.NewStyles(r)
}

// drain runs cmd and feeds its messages back until the answer ends; it returns the last
// message that is not the panel's own.
func drain(t *testing.T, m *Model, cmd tea.Cmd) tea.Msg {
	t.Helper()
	for i := 0; cmd != nil && i < 100; i++ {
		msg := cmd()
		switch msg.(type) {
		case deltaMsg, doneMsg:
			cmd = m.Update(msg)
		default:
			return msg
		}
	}
	return nil
}

var keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
var keyEsc = tea.KeyMsg{Type: tea.KeyEsc}

func runeKey(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

func bot() *ai.Bot {
	return &ai.Bot{Name: "grid1", Symbol: "BTCUSDT", Strategy: "grid", Params: map[string]string{"lower": "1"}}
}

func TestFirstRequestOfEachKindIsShownBeforeSending(t *testing.T) {
	f := &fakeAsker{pieces: []string{"The grid ", "filled twice."}}
	m := New(styles(), f)
	m.SetSize(80, 20)
	if cmd := m.Ask(ai.Explain, ai.Input{Bot: bot()}); cmd != nil || f.calls != 0 {
		t.Fatal("the first explain was sent before the user saw it")
	}
	if v := m.View(); !strings.Contains(v, "This exact request will be sent") || !strings.Contains(v, `"model": "test-model"`) {
		t.Fatalf("view:\n%s", v)
	}
	drain(t, m, m.Update(keyEnter))
	if f.calls != 1 {
		t.Fatalf("%d calls after enter", f.calls)
	}
	v := m.View()
	if !strings.Contains(v, "The grid filled twice.") || !strings.Contains(v, "tokens: 300 in, 42 out · today 1100") {
		t.Fatalf("view:\n%s", v)
	}
	// On demand: r shows the request that was sent.
	m.Update(runeKey('r'))
	if !strings.Contains(m.View(), "The request sent:") {
		t.Fatalf("r does not show the request:\n%s", m.View())
	}
	// The second explain goes at once.
	drain(t, m, m.Ask(ai.Explain, ai.Input{Bot: bot()}))
	if f.calls != 2 {
		t.Fatalf("%d calls, want the second explain sent without asking", f.calls)
	}
	// A new kind is shown first again.
	if cmd := m.Ask(ai.Review, ai.Input{Bot: bot()}); cmd != nil || f.calls != 2 {
		t.Fatal("the first review was sent before the user saw it")
	}
	m.Update(keyEsc)
	if f.calls != 2 || strings.Contains(m.View(), "request will be sent") {
		t.Fatal("esc did not drop the shown request")
	}
}

func TestCancelStopsTheAnswer(t *testing.T) {
	f := &fakeAsker{pieces: []string{"partial", "never"}, block: true}
	m := New(styles(), f)
	m.shown[ai.Ask] = true
	cmd := m.Ask(ai.Ask, ai.Input{Question: "why?"})
	cmd = m.Update(cmd()) // the first piece
	if !m.Busy() || !strings.Contains(m.View(), "partial") {
		t.Fatalf("view:\n%s", m.View())
	}
	m.Update(keyEsc)
	drain(t, m, cmd)
	if m.Busy() || !errors.Is(m.err, ai.ErrCancelled) || !strings.Contains(m.View(), "cancelled") {
		t.Fatalf("after cancel: busy %v, err %v\n%s", m.Busy(), m.err, m.View())
	}
}

func TestSuggestionOnlyPrefillsTheForm(t *testing.T) {
	f := &fakeAsker{pieces: []string{"Widen the range.\n", "SUGGEST lower=58000 upper=72000"}}
	m := New(styles(), f)
	m.shown[ai.Review] = true
	drain(t, m, m.Ask(ai.Review, ai.Input{Bot: bot()}))
	if !strings.Contains(m.View(), "f opens the bot form pre-filled") {
		t.Fatalf("view:\n%s", m.View())
	}
	msg := m.Update(runeKey('f'))()
	pre, ok := msg.(FormPrefillMsg)
	if !ok || pre.Bot != "grid1" || pre.Params["lower"] != "58000" || pre.Params["upper"] != "72000" {
		t.Fatalf("f gave %#v", msg)
	}
}

func TestOffByDefault(t *testing.T) {
	m := New(styles(), nil)
	m.SetSize(60, 10)
	if cmd := m.Ask(ai.Ask, ai.Input{Question: "hi"}); cmd != nil {
		t.Fatal("the panel asked with the AI off")
	}
	if !strings.Contains(m.View(), "AI is off") {
		t.Fatalf("view:\n%s", m.View())
	}
}
