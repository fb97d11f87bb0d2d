package backtest

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/tui/common"
)

// formKey edits a field list: tab/↓ and shift+tab/↑ move, ←/→ cycle a choice, other keys edit
// the focused text. It reports whether the focused text changed.
func (s *Screen) formKey(l *common.FieldList, k tea.KeyMsg) (changed bool, cmd tea.Cmd) {
	keys := s.c.Keys
	fl := l.Fields[l.Focus]
	switch {
	case key.Matches(k, keys.Tab), k.Type == tea.KeyDown:
		return false, l.MoveFocus(1)
	case key.Matches(k, keys.ShiftTab), k.Type == tea.KeyUp:
		return false, l.MoveFocus(-1)
	}
	if fl.Choices != nil {
		switch {
		case key.Matches(k, keys.Left):
			fl.Choice = (fl.Choice + len(fl.Choices) - 1) % len(fl.Choices)
		case key.Matches(k, keys.Right), key.Matches(k, keys.Toggle):
			fl.Choice = (fl.Choice + 1) % len(fl.Choices)
		default:
			return false, nil
		}
		return true, nil
	}
	before := fl.Input.Value()
	fl.Input.Key(k)
	return fl.Input.Value() != before, nil
}

// formView draws a field list: label, value, then the field's error or hint, moved under the
// value when the line is too narrow for it.
func formView(st *common.Styles, l *common.FieldList, w int) string {
	var b strings.Builder
	for i, fl := range l.Fields {
		focused := i == l.Focus
		marker, val := common.FieldHead(st, fl, focused)
		line := marker + st.Label.Render(common.PadRight(fl.Label, 13)) + common.PadRight(val, 20) + " "
		note, text := st.Muted, fl.Hint
		if err := fl.LocalErr(); err != nil && fl.Value() != "" {
			note, text = st.ErrorText, "✗ "+err.Error()
		} else if !focused {
			text = "" // hints only beside the focused field, so errors stand out
		}
		switch {
		case text == "":
		case lipgloss.Width(line)+lipgloss.Width(text) <= w:
			line += note.Render(text)
		default:
			wrapped := strings.Split(common.Wrap(text, max(w-6, 10)), "\n")
			for i, l := range wrapped {
				wrapped[i] = "    " + note.Render(l)
			}
			line += "\n" + strings.Join(wrapped, "\n")
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}
