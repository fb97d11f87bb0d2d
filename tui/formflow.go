package tui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// formChanged schedules validation a moment after the last key press.
func (m *Model) formChanged() tea.Cmd {
	f := m.form
	f.seq++
	seq := f.seq
	f.valErr = ""
	return m.tick(validateAfter, func(time.Time) tea.Msg { return formTickMsg{seq: seq} })
}

func (m *Model) updateForm(msg tea.Msg) tea.Cmd {
	f := m.form
	if f == nil {
		return nil
	}
	switch msg := msg.(type) {
	case formTickMsg:
		if msg.seq != f.seq || m.screen != scrForm {
			return nil
		}
		var cmds []tea.Cmd
		cfg := f.config()
		if cfg.Symbol != f.rulesFor && checkSymbol(cfg.Symbol) == nil {
			f.rulesFor, f.rulesErr = cfg.Symbol, ""
			cmds = append(cmds, rulesCmd(m.ctx, m.opts.Engine, cfg.Symbol))
		}
		if _, err := f.firstLocalErr(); err == nil {
			f.validating = true
			svc, ctx, seq := m.opts.Engine, m.ctx, f.seq
			cmds = append(cmds, func() tea.Msg {
				c, cancel := context.WithTimeout(ctx, callTimeout)
				defer cancel()
				return validatedMsg{seq: seq, err: svc.ValidateBot(c, cfg)}
			})
		}
		return tea.Batch(cmds...)
	case validatedMsg:
		if msg.seq != f.seq {
			return nil
		}
		f.validating = false
		f.valErr = ""
		if msg.err != nil {
			f.valErr = common.Clean(msg.err.Error())
		}
	case rulesLoadedMsg:
		if msg.symbol != f.rulesFor {
			return nil
		}
		f.rules = msg.rules
		if msg.err != nil {
			f.rulesErr = common.Clean(msg.err.Error())
		}
	case botSavedMsg:
		f.saving = false
		if msg.err != nil {
			f.err = "could not save " + msg.name + ": " + common.Clean(msg.err.Error())
			return nil
		}
		m.form = nil
		m.toDashboard()
		m.setInfo("bot " + msg.name + " saved: select it and press s to start it")
		return loadSnapshotCmd(m.opts.Engine)
	}
	return nil
}

func (m *Model) formKey(k tea.KeyMsg) tea.Cmd {
	f := m.form
	if f.saving {
		if key.Matches(k, m.keys.ForceQuit) {
			return m.requestQuit()
		}
		return nil
	}
	fl := f.fields[f.focus]
	switch {
	case key.Matches(k, m.keys.ForceQuit):
		return m.requestQuit()
	case key.Matches(k, m.keys.Back):
		leave := func() tea.Cmd {
			m.form = nil
			m.toDashboard()
			return nil
		}
		if f.snapshot() != f.initial {
			m.ask("Discard what you typed in this form?", "The bot is not saved.", false, leave)
			return nil
		}
		return leave()
	case key.Matches(k, m.keys.Submit):
		return m.submitForm()
	case k.Type == tea.KeyEnter:
		if f.lastVisible() == f.focus {
			return m.submitForm()
		}
		return f.moveFocus(1)
	case key.Matches(k, m.keys.Tab), k.Type == tea.KeyDown:
		return f.moveFocus(1)
	case key.Matches(k, m.keys.ShiftTab), k.Type == tea.KeyUp:
		return f.moveFocus(-1)
	}
	if fl.choices != nil {
		switch {
		case key.Matches(k, m.keys.Left):
			fl.choice = (fl.choice + len(fl.choices) - 1) % len(fl.choices)
		case key.Matches(k, m.keys.Right), key.Matches(k, m.keys.Toggle):
			fl.choice = (fl.choice + 1) % len(fl.choices)
		default:
			return nil
		}
		if fl.key == "strategy" {
			f.setStrategyFields(m.st, fl.value(), nil)
		}
		return m.formChanged()
	}
	before := fl.input.Value()
	fl.input.Key(k)
	if fl.key == "symbol" {
		if up := strings.ToUpper(fl.input.Value()); up != fl.input.Value() {
			fl.input.SetValue(up)
		}
	}
	if fl.input.Value() != before {
		f.err = ""
		return m.formChanged()
	}
	return nil
}

func (m *Model) submitForm() tea.Cmd {
	f := m.form
	if i, err := f.firstLocalErr(); err != nil {
		f.focus = i
		f.err = f.fields[i].label + ": " + err.Error()
		return f.focusCmd()
	}
	if f.valErr != "" {
		f.err = "fix this first: " + f.valErr
		return nil
	}
	cfg := f.config()
	svc, ctx, editing := m.opts.Engine, m.ctx, f.editing
	save := func() tea.Cmd {
		f.saving, f.err = true, ""
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			var err error
			if editing {
				err = svc.UpdateBot(c, cfg)
			} else {
				err = svc.AddBot(c, cfg)
			}
			return botSavedMsg{name: cfg.Name, err: err}
		}
	}
	if cfg.Mode == engine.Live {
		m.ask("Save "+cfg.Name+" as a LIVE bot?", "Once started it places real orders on "+m.opts.Exchange+" with key "+cfg.KeyLabel+", within a budget of "+common.FmtDec(cfg.Budget)+".", true, save)
		return nil
	}
	return save()
}
