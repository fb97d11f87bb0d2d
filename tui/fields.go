package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// fieldList is an ordered set of form fields with one focused; skip hides fields that do not
// apply (the key label of a paper bot) or cannot change (the name of a bot being edited).
type fieldList struct {
	fields []*formField
	focus  int
	skip   func(*formField) bool
}

func (l *fieldList) field(key string) *formField {
	for _, fl := range l.fields {
		if fl.key == key {
			return fl
		}
	}
	return nil
}

func (l *fieldList) visible(i int) bool {
	return l.skip == nil || !l.skip(l.fields[i])
}

func (l *fieldList) focusCmd() tea.Cmd {
	var cmd tea.Cmd
	for i, fl := range l.fields {
		if i == l.focus && fl.choices == nil {
			cmd = fl.input.Focus()
		} else {
			fl.input.Blur()
		}
	}
	return cmd
}

func (l *fieldList) moveFocus(dir int) tea.Cmd {
	n := len(l.fields)
	for i := 1; i <= n; i++ {
		j := ((l.focus+dir*i)%n + n) % n
		if l.visible(j) {
			l.focus = j
			break
		}
	}
	return l.focusCmd()
}

func (l *fieldList) lastVisible() int {
	for i := len(l.fields) - 1; i >= 0; i-- {
		if l.visible(i) {
			return i
		}
	}
	return 0
}

// snapshot is every field's value in one string, to tell whether the user changed anything.
func (l *fieldList) snapshot() string {
	var b strings.Builder
	for _, fl := range l.fields {
		b.WriteString(fl.key)
		b.WriteByte('=')
		b.WriteString(fl.value())
		b.WriteByte(0)
	}
	return b.String()
}
