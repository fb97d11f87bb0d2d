package common

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// FitHelp renders a help bar in at most width cells without cutting a binding in half: first
// whole, then with the descriptions shortened to their first word, then without the bindings
// of least use (from the end of the list). The bindings keep names by key are never dropped
// nor shortened (the kill switch and the keys screen must stay readable at 80 columns).
func FitHelp(h help.Model, bindings []key.Binding, width int, keep ...string) string {
	h.Width = 0 // no ellipsis: this function decides what goes
	if s := h.ShortHelpView(bindings); lipgloss.Width(s) <= width {
		return s
	}
	short := make([]key.Binding, len(bindings))
	for i, b := range bindings {
		short[i] = b
		if isKept(b, keep) {
			continue
		}
		hp := b.Help()
		desc := hp.Desc
		if j := strings.IndexByte(desc, ' '); j > 0 {
			desc = desc[:j]
		}
		short[i].SetHelp(hp.Key, desc)
	}
	for len(short) > 0 {
		if s := h.ShortHelpView(short); lipgloss.Width(s) <= width {
			return s
		}
		drop := -1
		for i := len(short) - 1; i >= 0; i-- {
			if !isKept(short[i], keep) {
				drop = i
				break
			}
		}
		if drop < 0 {
			break
		}
		short = append(short[:drop:drop], short[drop+1:]...)
	}
	// Even the kept bindings do not fit: show their keys alone.
	keys := make([]string, 0, len(short))
	for _, b := range short {
		keys = append(keys, b.Help().Key)
	}
	return h.Styles.ShortKey.Render(strings.Join(keys, " "))
}

func isKept(b key.Binding, keep []string) bool {
	for _, k := range keep {
		if b.Help().Key == k {
			return true
		}
	}
	return false
}
