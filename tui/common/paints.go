package common

import (
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// SidePaint is the paint (and for states the word) a value is drawn with.
func SidePaint(st *Styles, s exchange.Side) Paint {
	if s == exchange.Sell {
		return st.PDown
	}
	return st.PUp
}

// SignPaint is the paint (and for states the word) a value is drawn with.
func SignPaint(st *Styles, d decimal.Decimal) Paint {
	switch {
	case d.IsPos():
		return st.PUp
	case d.IsNeg():
		return st.PDown
	}
	return st.PMuted
}

// ModePaint is the paint (and for states the word) a value is drawn with.
func ModePaint(st *Styles, m engine.Mode) Paint {
	if m == engine.Live {
		return st.PDanger
	}
	return st.PWarn
}

// StateWord is the paint (and for states the word) a value is drawn with.
func StateWord(s engine.BotState) (string, func(*Styles) Paint) {
	switch s {
	case engine.BotRunning:
		return "▶ running", func(st *Styles) Paint { return st.POK }
	case engine.BotPaused:
		return "‖ paused", func(st *Styles) Paint { return st.PWarn }
	case engine.BotError:
		return "✗ error", func(st *Styles) Paint { return st.PDanger }
	}
	return "■ stopped", func(st *Styles) Paint { return st.PMuted }
}
