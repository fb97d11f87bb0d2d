package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/quantdeck/quantdeck/tui/common"
)

// status is the message shown in the footer: what just happened, or what went wrong and what
// to do about it.
type status struct {
	text string
	err  bool
	at   time.Time
}

func (m *Model) setError(op string, err error) {
	text := op
	if err != nil {
		text = op + ": " + err.Error()
	}
	m.status = status{text: common.Clean(text), err: true, at: m.clk.Now()}
}

func (m *Model) setInfo(text string) {
	m.status = status{text: common.Clean(text), at: m.clk.Now()}
}

func (m *Model) statusActive(now time.Time) bool {
	if m.status.text == "" {
		return false
	}
	d := statusFor
	if m.status.err {
		d = errorFor
	}
	return now.Sub(m.status.at) < d
}

func (m *Model) confirmKey(k tea.KeyMsg) tea.Cmd {
	c := m.confirm
	switch {
	case key.Matches(k, m.keys.Yes):
		m.confirm, m.overlay = nil, nil
		return c.OnYes()
	case key.Matches(k, m.keys.ForceQuit) && c.CtrlCYes:
		m.confirm, m.overlay = nil, nil
		return c.OnYes()
	case key.Matches(k, m.keys.No), key.Matches(k, m.keys.ForceQuit):
		// Not "cancelled": the question may itself be about cancelling an order.
		m.confirm, m.overlay = nil, nil
		m.setInfo("answered no: nothing was done")
	}
	return nil
}

// overlayLines renders the pending confirmation as a box spanning the width.
func (m *Model) overlayLines() []common.Line {
	if m.confirm == nil || m.w < 10 {
		return nil
	}
	if len(m.overlay) > 0 && m.overlay[0].W == m.w {
		return m.overlay
	}
	c := m.confirm
	box, title := m.st.Dialog, m.st.Heading
	if c.Danger {
		box, title = m.st.DangerDialog, m.st.Danger
	}
	inner := m.w - box.GetHorizontalFrameSize()
	var b strings.Builder
	b.WriteString(title.Render(ansi.Wordwrap(c.Prompt, inner, "")))
	if c.Detail != "" {
		b.WriteString("\n")
		b.WriteString(m.st.Text.Render(ansi.Wordwrap(c.Detail, inner, "")))
	}
	b.WriteString("\n")
	b.WriteString(m.help.ShortHelpView([]key.Binding{m.keys.Yes, m.keys.No}))
	out := box.Width(m.w - box.GetHorizontalBorderSize()).Render(b.String())
	lines := strings.Split(out, "\n")
	m.overlay = make([]common.Line, 0, len(lines))
	for _, l := range lines {
		m.overlay = append(m.overlay, common.Line{S: l, W: lipgloss.Width(l)})
	}
	if len(m.overlay) > 0 {
		m.overlay[0].W = m.w // cache key; the box spans the width
	}
	return m.overlay
}

// maxStatusLines is the most lines a footer message takes.
const maxStatusLines = 3

type footerKey struct {
	screen common.ID
	w      int
	text   string
	err    bool
	extra  string
}

// footerLine is the bottom line: the status when there is one, the help bar otherwise.
func (m *Model) footerLine(now time.Time) common.Line {
	k := footerKey{screen: m.screen, w: m.w}
	if m.statusActive(now) {
		k.text, k.err = m.status.text, m.status.err
	}
	k.extra = m.screenHelpKey()
	if k == m.footerKey && m.footer.S != "" {
		return m.footer
	}
	m.footerKey = k
	m.statusAbove = m.statusAbove[:0]
	var s string
	if k.text != "" {
		mark, st := "✓ ", m.st.OK
		if k.err {
			mark, st = "✗ ", m.st.Danger
		}
		// Only the dashboard dismisses with esc; elsewhere esc leaves the screen (and a form's
		// input with it), and the message expires by itself.
		hint := ""
		if m.screen == scrDashboard {
			hint = m.st.Muted.Render("  esc dismiss")
		}
		// A message too long for one line wraps upwards over the screen's last lines: what to
		// do usually comes at its end.
		lines := strings.Split(ansi.Wordwrap(k.text, max(m.w-17, 10), ""), "\n")
		if len(lines) > maxStatusLines {
			lines = lines[:maxStatusLines]
			lines[maxStatusLines-1] += "…"
		}
		for i, l := range lines {
			prefix := "   "
			if i == 0 {
				prefix = " " + mark
			}
			line := " " + st.Render(ansi.Truncate(prefix[1:]+l, max(m.w-15, 10), "…"))
			if i == len(lines)-1 {
				s = line + hint
				break
			}
			line = ansi.Truncate(line, m.w, "")
			if pad := m.w - lipgloss.Width(line); pad > 0 {
				line += strings.Repeat(" ", pad)
			}
			m.statusAbove = append(m.statusAbove, common.Line{S: line, W: lipgloss.Width(line)})
		}
	} else {
		s = " " + common.FitHelp(m.help, m.shortHelp(), m.w-1, "?", "K", "r", "esc", "ctrl+s")
	}
	s = ansi.Truncate(s, m.w, "")
	m.footer = common.Line{S: s, W: lipgloss.Width(s)}
	return m.footer
}

// compose fits a screen's body into w x h cells, puts the overlay over its last lines and
// appends the footer.
func compose(body string, w, h int, overlay []common.Line, footer common.Line) string {
	lines := strings.Split(body, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for y := 0; y < h; y++ {
		if k := h - len(overlay); len(overlay) > 0 && y >= k {
			b.WriteString(overlay[y-k].S)
		} else if y < len(lines) {
			l := ansi.Truncate(lines[y], w, "")
			b.WriteString(l)
			if pad := w - ansi.StringWidth(l); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
		b.WriteByte('\n')
	}
	b.WriteString(footer.S)
	return b.String()
}

// render redraws the frame for the active screen.
func (m *Model) render() {
	m.dirty = false
	if m.w <= 0 || m.h <= 0 {
		m.frame = ""
		return
	}
	now := m.clk.Now()
	footer := m.footerLine(now)
	overlay := m.overlayLines()
	if overlay == nil && m.footerKey.text != "" {
		overlay = m.statusAbove
	}
	if f, ok := m.cur.(common.Framer); ok {
		m.frame = f.Frame(now, footer, overlay)
		return
	}
	m.frame = compose(m.screenView(now), m.w, m.h-1, overlay, footer)
}

// ask shows a y/N question; destructive and live-money actions always go through one.
func (m *Model) ask(prompt, detail string, danger bool, onYes func() tea.Cmd) {
	m.Ask(common.Question{Prompt: prompt, Detail: detail, Danger: danger, OnYes: onYes})
}
