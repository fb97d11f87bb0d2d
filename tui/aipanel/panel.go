// Package aipanel is the cockpit's AI panel: a self-contained Bubble Tea component that shows
// the exact request before the first send of each kind (and on demand), streams Claude's answer
// as it arrives, lets the user cancel it, and shows the tokens of each answer. It holds no
// engine: a suggested parameter change leaves it only as a FormPrefillMsg, which can at most
// pre-fill the bot form for the user to confirm. No path through it places or cancels an order.
package aipanel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Asker is what the panel needs of the ai client (*ai.Client implements it). nil means the AI
// enrichment is off.
type Asker interface {
	Build(kind ai.Kind, in ai.Input) (ai.Request, error)
	Stream(ctx context.Context, req ai.Request, onDelta func(string)) (ai.Answer, error)
}

// FormPrefillMsg asks the cockpit to open the bot form for Bot with Params filled in. The user
// still reviews and confirms the change there.
type FormPrefillMsg struct {
	Bot    string
	Params map[string]string
}

// deltaMsg carries one piece of the answer; doneMsg ends it. seq ties them to one request, so a
// late piece of a cancelled answer is dropped.
type deltaMsg struct {
	seq  int
	text string
}

type doneMsg struct {
	seq int
	ans ai.Answer
	err error
}

type phase int

const (
	idle       phase = iota
	confirming       // showing the request before its first send
	streaming
	done
)

// KeyMap is the panel's bindings.
type KeyMap struct {
	Send, Cancel, ShowRequest, Prefill key.Binding
}

// DefaultKeyMap returns the panel's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Send:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Cancel:      key.NewBinding(key.WithKeys("esc", "ctrl+x"), key.WithHelp("esc", "cancel")),
		ShowRequest: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "show request")),
		Prefill:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fill bot form")),
	}
}

// Model is the panel.
type Model struct {
	st    *common.Styles
	keys  KeyMap
	asker Asker

	width, height int
	shown         map[ai.Kind]bool // kinds whose request the user has seen

	phase     phase
	seq       int
	req       ai.Request
	showReq   bool
	bot       string
	strategy  string
	text      strings.Builder
	ans       ai.Answer
	err       error
	cancel    context.CancelFunc
	ch        chan tea.Msg
	suggested *ai.Suggestion
}

// New returns the panel; asker nil means the AI enrichment is off.
func New(st *common.Styles, asker Asker) *Model {
	return &Model{st: st, keys: DefaultKeyMap(), asker: asker, shown: map[ai.Kind]bool{}}
}

// SetSize sets the panel's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Busy reports whether an answer is streaming.
func (m *Model) Busy() bool { return m.phase == streaming }

// Ask builds a request of kind from in. The first request of each kind is shown and waits for
// the send key; later ones are sent at once.
func (m *Model) Ask(kind ai.Kind, in ai.Input) tea.Cmd {
	if m.asker == nil || m.phase == streaming {
		return nil
	}
	req, err := m.asker.Build(kind, in)
	m.reset()
	if err != nil {
		m.phase, m.err = done, err
		return nil
	}
	m.req = req
	if in.Bot != nil {
		m.bot, m.strategy = in.Bot.Name, in.Bot.Strategy
	}
	if !m.shown[kind] {
		m.phase, m.showReq = confirming, true
		return nil
	}
	return m.send()
}

func (m *Model) reset() {
	m.text.Reset()
	m.ans, m.err, m.suggested, m.showReq, m.bot, m.strategy = ai.Answer{}, nil, nil, false, "", ""
}

func (m *Model) send() tea.Cmd {
	m.shown[m.req.Kind] = true
	m.seq++
	m.phase, m.showReq = streaming, false
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	ch := make(chan tea.Msg, 64)
	m.ch = ch
	asker, req, seq := m.asker, m.req, m.seq
	go func() {
		defer close(ch)
		ans, err := asker.Stream(ctx, req, func(d string) {
			select {
			case ch <- deltaMsg{seq: seq, text: d}:
			case <-ctx.Done():
			}
		})
		ch <- doneMsg{seq: seq, ans: ans, err: err}
	}()
	return wait(ch)
}

// wait reads the next message of an answer.
func wait(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Update handles the panel's keys and its answer's messages.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case deltaMsg:
		if msg.seq != m.seq {
			return nil
		}
		m.text.WriteString(msg.text)
		return wait(m.ch)
	case doneMsg:
		if msg.seq != m.seq {
			return nil
		}
		m.phase, m.ans, m.err = done, msg.ans, msg.err
		if m.cancel != nil {
			m.cancel()
			m.cancel = nil
		}
		if msg.err == nil && m.req.Kind == ai.Review {
			if s, ok := ai.ParseSuggestion(m.strategy, msg.ans.Text); ok {
				m.suggested = &s
			}
		}
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Send) && m.phase == confirming:
		return m.send()
	case key.Matches(k, m.keys.Cancel):
		switch m.phase {
		case streaming:
			m.cancel() // the stream ends with ErrCancelled through doneMsg
		case confirming:
			m.phase, m.showReq = idle, false
		}
	case key.Matches(k, m.keys.ShowRequest) && m.phase != idle:
		m.showReq = !m.showReq
	case key.Matches(k, m.keys.Prefill) && m.suggested != nil && m.phase == done:
		msg := FormPrefillMsg{Bot: m.bot, Params: m.suggested.Params}
		return func() tea.Msg { return msg }
	}
	return nil
}

// ShortHelp lists the keys that do something now.
func (m *Model) ShortHelp() []key.Binding {
	switch m.phase {
	case confirming:
		return []key.Binding{m.keys.Send, m.keys.Cancel}
	case streaming:
		return []key.Binding{m.keys.Cancel, m.keys.ShowRequest}
	case done:
		if m.suggested != nil {
			return []key.Binding{m.keys.Prefill, m.keys.ShowRequest}
		}
		return []key.Binding{m.keys.ShowRequest}
	}
	return nil
}

// View renders the panel.
func (m *Model) View() string {
	w := max(m.width, 20)
	if m.asker == nil {
		return m.st.Muted.Render(m.wrap("AI is off. Set QUANTDECK_AI=claude and store an Anthropic key "+
			"(quantdeck keys add --exchange anthropic) to ask Claude about a bot or a symbol.", w))
	}
	var b strings.Builder
	switch {
	case m.phase == idle:
		b.WriteString(m.st.Muted.Render("Ask Claude about the selected bot or symbol."))
	case m.showReq:
		body, err := m.req.Body()
		if err != nil {
			body = []byte(err.Error())
		}
		title := "This exact request will be sent (the API key from the vault goes in a header, never shown):"
		if m.phase != confirming {
			title = "The request sent:"
		}
		b.WriteString(m.st.Heading.Render(m.wrap(title, w)) + "\n")
		b.WriteString(clipLines(string(body), w, max(m.height-3, 3)))
	default:
		b.WriteString(m.wrap(m.text.String(), w))
	}
	if line := m.status(); line != "" {
		b.WriteString("\n" + line)
	}
	return b.String()
}

func (m *Model) status() string {
	switch m.phase {
	case streaming:
		return m.st.Muted.Render("… answering (esc cancels)")
	case done:
		if m.err != nil {
			if errors.Is(m.err, ai.ErrCancelled) {
				return m.st.Warn.Render("cancelled") + m.tokens()
			}
			return m.st.ErrorText.Render(m.err.Error()) + m.tokens()
		}
		s := m.tokens()
		if m.suggested != nil {
			s += "  " + m.st.Accent.Render("suggestion: f opens the bot form pre-filled (nothing changes until you confirm)")
		}
		return strings.TrimPrefix(s, "  ")
	}
	return ""
}

func (m *Model) tokens() string {
	if m.ans.Usage.Total() == 0 {
		return ""
	}
	return "  " + m.st.Muted.Render(fmt.Sprintf("tokens: %d in, %d out · today %d", m.ans.Usage.Input, m.ans.Usage.Output, m.ans.Today.Total()))
}

func (m *Model) wrap(s string, w int) string { return m.st.Text.Width(w).Render(s) }

func clipLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = append(lines[:h-1], fmt.Sprintf("… %d more lines (the CLI prints it whole: quantdeck ai ... --show-request)", len(lines)-h+1))
	}
	for i, l := range lines {
		if common.TextWidth(l) > w {
			lines[i] = string([]rune(l)[:max(w-1, 1)]) + "…"
		}
	}
	return strings.Join(lines, "\n")
}
