package common

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// TextField is a one-line text input: insert at the cursor, ←/→, home/end, backspace, delete,
// ctrl+u to clear. It keeps the cockpit free of clipboard dependencies.
type TextField struct {
	runes       []rune
	pos         int
	focused     bool
	Limit       int    // most runes; 0 is no limit
	Placeholder string // shown while empty and blurred
}

func (t *TextField) Value() string { return string(t.runes) }

func (t *TextField) SetValue(s string) {
	t.runes = []rune(s)
	t.pos = len(t.runes)
}

func (t *TextField) Focus() tea.Cmd {
	t.focused = true
	return nil
}

func (t *TextField) Blur() { t.focused = false }

// key applies a key press and reports whether it was handled.
func (t *TextField) Key(k tea.KeyMsg) bool {
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		rs := k.Runes
		if k.Type == tea.KeySpace {
			rs = []rune{' '}
		}
		for _, r := range rs {
			if r < 0x20 || r == 0x7f || (t.Limit > 0 && len(t.runes) >= t.Limit) {
				continue
			}
			t.runes = append(t.runes, 0)
			copy(t.runes[t.pos+1:], t.runes[t.pos:])
			t.runes[t.pos] = r
			t.pos++
		}
	case tea.KeyBackspace:
		if t.pos > 0 {
			t.runes = append(t.runes[:t.pos-1], t.runes[t.pos:]...)
			t.pos--
		}
	case tea.KeyDelete:
		if t.pos < len(t.runes) {
			t.runes = append(t.runes[:t.pos], t.runes[t.pos+1:]...)
		}
	case tea.KeyLeft:
		t.pos = max(t.pos-1, 0)
	case tea.KeyRight:
		t.pos = min(t.pos+1, len(t.runes))
	case tea.KeyHome, tea.KeyCtrlA:
		t.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		t.pos = len(t.runes)
	case tea.KeyCtrlU:
		t.runes, t.pos = t.runes[:0], 0
	default:
		return false
	}
	return true
}

// view renders the value with a cursor when focused.
func (t *TextField) View(st *Styles) string {
	if len(t.runes) == 0 && !t.focused {
		return st.Muted.Render(t.Placeholder)
	}
	if !t.focused {
		return st.BlurredInput.Render(string(t.runes))
	}
	var b strings.Builder
	b.WriteString(st.FocusedInput.Render(string(t.runes[:t.pos])))
	if t.pos < len(t.runes) {
		b.WriteString(st.Selected.Render(string(t.runes[t.pos])))
		b.WriteString(st.FocusedInput.Render(string(t.runes[t.pos+1:])))
	} else {
		b.WriteString(st.FocusedInput.Render("▏"))
	}
	return b.String()
}
