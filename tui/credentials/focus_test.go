package credentials

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/vault"
)

func TestNextFocusStopsAtBothEnds(t *testing.T) {
	tests := []struct{ focus, n, dir, want int }{
		{0, 3, 1, 1}, {1, 3, 1, 2}, {2, 3, 1, 2}, {0, 3, -1, 0}, {2, 3, -1, 1}, {1, 2, 1, 1}, {0, 0, 1, 0},
	}
	for _, tc := range tests {
		if got := nextFocus(tc.focus, tc.n, tc.dir); got != tc.want {
			t.Errorf("nextFocus(%d, %d, %d) = %d, want %d", tc.focus, tc.n, tc.dir, got, tc.want)
		}
	}
}

// Every wizard lists its secrets as masked inputs only: no mode has a visible field after a
// secret one, where a tab too many would send the next paste.
func TestNoVisibleFieldAfterASecret(t *testing.T) {
	wizards := []*Screen{
		{mode: keysAdd}, {mode: keysAdd, kind: kindService}, {mode: keysRotate},
		{mode: keysRotate, rotateFrom: vault.Credential{Exchange: "anthropic"}}, {mode: keysPasswd},
	}
	for _, k := range wizards {
		mode := k.mode
		seenSecret := false
		for i, in := range k.order() {
			kinds := 0
			for _, set := range []bool{in.text != nil, in.secret != nil, in.choose != nil} {
				if set {
					kinds++
				}
			}
			if kinds != 1 {
				t.Fatalf("%v field %d is %d kinds of field, want one", mode, i, kinds)
			}
			if in.secret != nil {
				seenSecret = true
			} else if seenSecret {
				t.Fatalf("%v field %d is visible and comes after a secret", mode, i)
			}
		}
	}
}

func TestWipeEmptiesEverySecret(t *testing.T) {
	k := &Screen{}
	typed := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("hunter2")}
	for _, f := range []interface{ Key(tea.KeyMsg) bool }{&k.apiKey, &k.apiSecret, &k.old, &k.new1, &k.new2} {
		f.Key(typed)
	}
	k.Wipe()
	for i, n := range []int{k.apiKey.Len(), k.apiSecret.Len(), k.old.Len(), k.new1.Len(), k.new2.Len()} {
		if n != 0 {
			t.Fatalf("field %d kept %d characters after Wipe", i, n)
		}
	}
}
