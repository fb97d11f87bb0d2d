package tui

import (
	"errors"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

var errNoVaultConfigured = errors.New("no vault is configured for this session")

// secretField is a masked input that keeps what is typed in a byte slice it can zero, unlike a
// string. It never renders its content.
type secretField struct {
	buf []byte
}

// key applies a key press; it reports whether the key was text editing.
func (f *secretField) key(k tea.KeyMsg) bool {
	switch k.Type {
	case tea.KeyRunes:
		for _, r := range k.Runes {
			if r >= 0x20 && r != 0x7f {
				f.buf = utf8.AppendRune(f.buf, r)
			}
		}
		return true
	case tea.KeySpace:
		f.buf = append(f.buf, ' ')
		return true
	case tea.KeyBackspace:
		if len(f.buf) > 0 {
			_, size := utf8.DecodeLastRune(f.buf)
			clear(f.buf[len(f.buf)-size:])
			f.buf = f.buf[:len(f.buf)-size]
		}
		return true
	case tea.KeyCtrlU:
		f.wipe()
		return true
	}
	return false
}

// len is the number of characters typed.
func (f *secretField) len() int { return utf8.RuneCount(f.buf) }

// take returns a copy for a command to use and zero, and wipes the field.
func (f *secretField) take() []byte {
	out := append([]byte(nil), f.buf...)
	f.wipe()
	return out
}

// trimmed returns a copy without surrounding whitespace (pasted keys often carry a newline).
func (f *secretField) takeTrimmed() []byte {
	out := f.take()
	start, end := 0, len(out)
	for start < end && (out[start] == ' ' || out[start] == '\t' || out[start] == '\r' || out[start] == '\n') {
		start++
	}
	for end > start && (out[end-1] == ' ' || out[end-1] == '\t' || out[end-1] == '\r' || out[end-1] == '\n') {
		end--
	}
	trimmed := append([]byte(nil), out[start:end]...)
	clear(out)
	return trimmed
}

func (f *secretField) wipe() {
	clear(f.buf)
	f.buf = f.buf[:0]
}

// mask shows one dot per character, up to width, so the user sees typing happen.
func (f *secretField) mask(width int) string {
	n := f.len()
	if n > width {
		return strings.Repeat("•", max(width-1, 0)) + "…"
	}
	return strings.Repeat("•", n)
}

func zero(bufs ...[]byte) {
	for _, b := range bufs {
		clear(b)
	}
}

// takeCopy returns a copy for a command to use and zero, keeping the field (a wizard may need
// the value again after a check).
func (f *secretField) takeCopy() []byte { return append([]byte(nil), f.buf...) }
