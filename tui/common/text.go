package common

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"github.com/quantdeck/quantdeck/engine"
)

// SafeRune replaces control characters so text from outside (symbols, bot names, exchange
// messages) can never move the cursor or change the terminal's state.
func SafeRune(r rune) rune {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
		return '?'
	}
	return r
}

// RuneCells is the number of cells r takes on screen.
func RuneCells(r rune) int {
	if r < 0x7f {
		return 1
	}
	return runewidth.RuneWidth(r)
}

// TextWidth is the number of cells s takes on screen.
func TextWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += RuneCells(SafeRune(r))
		i += size
	}
	return n
}

// Clean replaces control characters so text from outside cannot drive the terminal.
func Clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return SafeRune(r) != r }) {
		return s
	}
	return strings.Map(SafeRune, s)
}

// Plural is a count with its noun: "1 bot", "3 bots".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Itoa(n) + " " + many
}

// Itoa formats an int.
func Itoa(n int) string { return string(AppendInt(nil, n)) }

// PadRight pads s with spaces to w cells.
func PadRight(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// Wrap word-wraps s to w cells.
func Wrap(s string, w int) string { return ansi.Wordwrap(s, w, "") }

// Para wraps text to the screen width with a one-cell margin on every line.
func Para(st lipgloss.Style, text string, w int) string {
	lines := strings.Split(Wrap(text, max(w-2, 10)), "\n")
	for i, l := range lines {
		lines[i] = " " + st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// ModeWord is a mode in capitals, for badges and columns.
func ModeWord(m engine.Mode) string {
	if m == engine.Live {
		return "LIVE"
	}
	return "PAPER"
}

// QuoteAsset is the currency balances are valued in (BalanceView.QuoteValue).
const QuoteAsset = "USDT"

// StateText is a bot state as the end of "the bot is …".
func StateText(s engine.BotState) string {
	if s == engine.BotError {
		return "in error"
	}
	return string(s)
}

// OpenOrder reports whether an order can still be cancelled.
func OpenOrder(s engine.OrderState) bool {
	switch s {
	case engine.OrderIntent, engine.OrderSent, engine.OrderAcked, engine.OrderPartial, engine.OrderUnknown:
		return true
	}
	return false
}

// PaintStr wraps s in a Paint's sequences.
func PaintStr(p Paint, s string) string { return p.On + s + p.Off }

// CheckName accepts a name for a bot or a key label: letters, digits, - and _, at most 32.
func CheckName(v string) error {
	if len(v) > 32 {
		return errors.New("at most 32 characters")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errors.New("letters, digits, - and _ only")
		}
	}
	return nil
}

// SecretView shows a masked field with a cursor when focused.
func SecretView(st *Styles, f *SecretField, focused bool, width int) string {
	s := f.Mask(width)
	if focused {
		return st.FocusedInput.Render(s + "▏")
	}
	return st.BlurredInput.Render(s)
}
