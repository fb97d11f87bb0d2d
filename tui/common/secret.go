package common

import (
	"crypto/subtle"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// SecretField is a masked input that keeps what is typed in a byte slice it can zero, unlike a
// string. It never renders its content.
type SecretField struct {
	buf []byte
}

// key applies a key press; it reports whether the key was text editing.
func (f *SecretField) Key(k tea.KeyMsg) bool {
	switch k.Type {
	case tea.KeyRunes:
		for _, r := range k.Runes {
			if r >= 0x20 && r != 0x7f {
				f.grow(utf8.RuneLen(r))
				f.buf = utf8.AppendRune(f.buf, r)
			}
		}
		return true
	case tea.KeySpace:
		f.grow(1)
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
		f.Wipe()
		return true
	}
	return false
}

// grow makes room for n more bytes itself, zeroing the old buffer, so append never leaves a
// partial copy of the secret behind in memory.
func (f *SecretField) grow(n int) {
	if len(f.buf)+n <= cap(f.buf) {
		return
	}
	nb := make([]byte, len(f.buf), max(2*cap(f.buf), len(f.buf)+n, 128))
	copy(nb, f.buf)
	clear(f.buf)
	f.buf = nb
}

// len is the number of characters typed.
func (f *SecretField) Len() int { return utf8.RuneCount(f.buf) }

// Take returns a copy for a command to use and zero, and wipes the field.
func (f *SecretField) Take() []byte {
	out := append([]byte(nil), f.buf...)
	f.Wipe()
	return out
}

// trimmedCopy returns a copy without surrounding spaces (pasted keys often carry some), for a
// command to use and zero; the field keeps its content.
func (f *SecretField) TrimmedCopy() []byte {
	start, end := 0, len(f.buf)
	for start < end && (f.buf[start] == ' ' || f.buf[start] == '\t') {
		start++
	}
	for end > start && (f.buf[end-1] == ' ' || f.buf[end-1] == '\t') {
		end--
	}
	return append([]byte(nil), f.buf[start:end]...)
}

// takeTrimmed is trimmedCopy, then the field is wiped.
func (f *SecretField) TakeTrimmed() []byte {
	out := f.TrimmedCopy()
	f.Wipe()
	return out
}

func (f *SecretField) Wipe() {
	clear(f.buf)
	f.buf = f.buf[:0]
}

// mask shows one dot per character, up to width, so the user sees typing happen.
func (f *SecretField) Mask(width int) string {
	n := f.Len()
	if n > width {
		return strings.Repeat("•", max(width-1, 0)) + "…"
	}
	return strings.Repeat("•", n)
}

func Zero(bufs ...[]byte) {
	for _, b := range bufs {
		clear(b)
	}
}

// Equal reports whether two fields hold the same text, in constant time.
func (f *SecretField) Equal(o *SecretField) bool {
	return subtle.ConstantTimeCompare(f.buf, o.buf) == 1
}

// Copy returns a copy of the field's content for a command to use and zero; the field keeps it.
func (f *SecretField) Copy() []byte { return append([]byte(nil), f.buf...) }
