package tui

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
)

// keyLabelsMsg lists the active keys a live bot or order on this exchange can use.
type keyLabelsMsg struct {
	labels []string
	err    error
}

func loadKeyLabelsCmd(ctx context.Context, v KeyStore, exch string) tea.Cmd {
	if v == nil {
		return nil
	}
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		creds, err := v.Credentials(c)
		if err != nil {
			return keyLabelsMsg{err: err}
		}
		var labels []string
		for _, cr := range creds {
			if cr.Active() && cr.Exchange == exch && cr.Perms.Verdict().Refused == nil {
				labels = append(labels, cr.Label)
			}
		}
		slices.Sort(labels)
		return keyLabelsMsg{labels: slices.Compact(labels)}
	}
}

// applyKeyLabels turns a form's key field into a choice among the usable keys, or says how to
// add one.
func (m *Model) applyKeyLabels(l *fieldList, msg keyLabelsMsg) {
	fl := l.field("key")
	if fl == nil {
		return
	}
	switch {
	case msg.err != nil:
		fl.hint = "could not list keys: type the label"
	case len(msg.labels) == 0:
		fl.hint = "no " + m.opts.Exchange + " key: esc, then r adds one"
	default:
		cur := fl.input.Value()
		fl.choices, fl.choice = msg.labels, 0
		if i := slices.Index(msg.labels, cur); i >= 0 {
			fl.choice = i
		}
		fl.hint = "←/→ the vault's keys for " + m.opts.Exchange
		if l.focus < len(l.fields) && l.fields[l.focus] == fl {
			fl.input.Blur()
		}
	}
}
