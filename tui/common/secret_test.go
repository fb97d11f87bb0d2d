package common

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Growing the buffer must not leave the characters typed so far in the old one.
func TestSecretFieldGrowthLeavesNoCopy(t *testing.T) {
	var f SecretField
	f.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	old := f.buf[:cap(f.buf)]
	for i := 0; i < 300; i++ { // far past the first allocation
		f.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
	}
	if &old[0] == &f.buf[0] {
		t.Fatal("the buffer never grew: the test proves nothing")
	}
	for i, b := range old {
		if b != 0 {
			t.Fatalf("byte %d of the outgrown buffer still holds %q", i, b)
		}
	}
	if f.Len() != 301 {
		t.Fatalf("len = %d, want 301", f.Len())
	}
}

// Wipe zeroes the bytes typed, not only the length: a seal or a cancel leaves nothing behind.
func TestSecretFieldWipeZeroes(t *testing.T) {
	var f SecretField
	f.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("hunter2 and more")})
	typed := f.buf[:cap(f.buf)]
	f.Wipe()
	for i, b := range typed {
		if b != 0 {
			t.Fatalf("byte %d still holds %q after Wipe", i, b)
		}
	}
	if f.Len() != 0 {
		t.Fatalf("len = %d after Wipe", f.Len())
	}
}
