package credentials

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
)

// input is one field of a wizard: a choice, a visible text field or a masked secret, exactly
// one of them.
type input struct {
	choose func(dir int) // cycles a choice with ←/→ or space
	text   *common.TextField
	secret *common.SecretField
}

// order lists the open wizard's fields in focus order. Focus moves along it and stops at both
// ends: it never wraps, so a tab too many after a pasted secret stays on the secret instead of
// landing on a visible field where the next paste would be shown.
func (k *Screen) order() []input {
	switch k.mode {
	case keysAdd:
		kind := input{choose: k.cycleKind}
		if k.kind == kindService {
			// One secret: the Anthropic key has no secret half.
			return []input{kind, {text: &k.label}, {secret: &k.apiKey}}
		}
		// The exchange is this session's: its checker vets the key.
		return []input{kind, {text: &k.label}, {secret: &k.apiKey}, {secret: &k.apiSecret}}
	case keysRotate:
		if k.rotatingService() {
			return []input{{secret: &k.apiKey}}
		}
		return []input{{secret: &k.apiKey}, {secret: &k.apiSecret}}
	case keysPasswd:
		return []input{{secret: &k.old}, {secret: &k.new1}, {secret: &k.new2}}
	}
	return nil
}

// nextFocus moves focus by dir among n fields, stopping at the first and the last.
func nextFocus(focus, n, dir int) int {
	return min(max(focus+dir, 0), max(n-1, 0))
}

// key types msg into the field. A visible field takes a burst of text (a paste) only whole:
// one longer than the field allows is refused, never cut to fit and shown, since a key or a
// secret pasted into the wrong field would otherwise be echoed on screen. A choice takes no
// text at all.
func (in input) key(msg tea.KeyMsg) string {
	switch {
	case in.secret != nil:
		in.secret.Key(msg)
		return ""
	case in.choose != nil:
		switch msg.Type {
		case tea.KeyLeft:
			in.choose(-1)
		case tea.KeyRight, tea.KeySpace:
			in.choose(1)
		case tea.KeyRunes:
			return "choose the kind of key with ←/→: nothing was typed. The label and the key come in the fields below."
		}
		return ""
	}
	if msg.Type == tea.KeyRunes && in.text.Limit > 0 && len([]rune(in.text.Value()))+len(msg.Runes) > in.text.Limit {
		return "too long for a label (at most " + common.Itoa(in.text.Limit) + " characters): nothing was typed. Keys and secrets go in their own fields below."
	}
	in.text.Key(msg)
	return ""
}
