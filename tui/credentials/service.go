package credentials

import (
	"bytes"
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// The add wizard stores either an exchange key or a service key: the Anthropic API key behind
// the optional Claude analysis. A service key is one secret with no exchange permissions to
// check, stored and rotated with the vault's service-key calls so it can never be lent to an
// exchange signer.

// keyKind is what the add wizard stores.
type keyKind int

const (
	kindExchange keyKind = iota
	kindService
)

// anthropic is the service the cockpit adds keys for, and claudeLabel the label it suggests
// (the one the README and `quantdeck keys add` use).
const (
	anthropic   = "anthropic"
	claudeLabel = "claude"
)

var kindChoices = []string{"exchange", anthropic}

// cycleKind switches the add wizard between an exchange key and the Anthropic key.
func (k *Screen) cycleKind(dir int) {
	k.kind = keyKind((int(k.kind) + dir + len(kindChoices)) % len(kindChoices))
	if k.kind == kindService {
		// The Anthropic key has no secret half: nothing typed for one stays in memory.
		k.apiSecret.Wipe()
		if k.label.Value() == "" {
			k.label.SetValue(claudeLabel)
		}
	} else if k.label.Value() == claudeLabel {
		k.label.SetValue("")
	}
}

// rotatingService reports whether the rotate wizard is for a service key.
func (k *Screen) rotatingService() bool {
	return k.mode == keysRotate && vault.IsService(k.rotateFrom.Exchange)
}

// addingService reports whether the add wizard is for a service key.
func (k *Screen) addingService() bool { return k.mode == keysAdd && k.kind == kindService }

func saveServiceKeyCmd(ctx context.Context, v common.KeyStore, rotate bool, label string, apiKey []byte) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(apiKey)
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		var cred vault.Credential
		var err error
		if rotate {
			cred, err = v.RotateServiceKey(c, label, apiKey)
		} else {
			cred, err = v.AddServiceKey(c, label, anthropic, apiKey)
		}
		return keySavedMsg{cred: cred, rotated: rotate, service: true, err: err}
	}
}

// submitServiceKey stores the Anthropic key: there is no exchange to ask about it, so it is
// saved at once.
func (s *Screen) submitServiceKey() tea.Cmd {
	k := s
	label, rotate := k.label.Value(), k.mode == keysRotate
	if rotate {
		label = k.rotateFrom.Label
	} else if err := common.CheckName(label); err != nil || label == "" {
		k.focus, k.wizErr = 1, "label: letters, digits, - and _, like claude"
		return nil
	}
	if k.apiKey.Len() == 0 {
		k.wizErr = "paste the Anthropic API key"
		return nil
	}
	apiKey := k.apiKey.TrimmedCopy()
	if bytes.ContainsAny(apiKey, " \t") {
		common.Zero(apiKey)
		k.wizErr = "the key contains spaces: paste it exactly as the Anthropic console shows it"
		return nil
	}
	// The field keeps the key until the vault took it: a refusal does not make the user paste
	// it again.
	k.busy, k.busyWhat = true, "encrypting the key into the vault…"
	return tea.Batch(saveServiceKeyCmd(s.c.Ctx, s.c.Vault, rotate, label, apiKey), s.c.Host.Spin())
}

// saveErrText is why the vault refused a key, without its wrapping (`vault: rotating key
// "claude": vault: key "claude": …`): the user knows which key they were saving.
func saveErrText(err error) string {
	parts := strings.Split(err.Error(), ": ")
	for len(parts) > 1 {
		p := parts[0]
		if p != "vault" && !strings.HasPrefix(p, `key "`) && !strings.HasPrefix(p, `adding key "`) && !strings.HasPrefix(p, `rotating key "`) {
			break
		}
		parts = parts[1:]
	}
	return common.Clean(strings.Join(parts, ": "))
}

// savedNotice is what the keys screen says once a key is stored.
func (s *Screen) savedNotice(msg keySavedMsg) (notice, info string) {
	c := msg.cred
	switch {
	case msg.service && msg.rotated:
		return "Key " + quoted(c.Label) + " rotated: the Claude analysis uses the new key from its next request. The old key is retired here: REVOKE IT in the Anthropic console (API keys) now so it can never be used again.", ""
	case msg.service:
		return "", "key " + c.Label + " added for the Claude analysis (QUANTDECK_AI=claude turns it on)"
	case msg.rotated:
		return "Key " + quoted(c.Label) + " rotated: " + common.Plural(s.c.BotsUsingKey(c.Label), "bot", "bots") + " now sign with the new key. The old key is retired here: DELETE IT ON THE EXCHANGE now (API Management) so it can never be used again.", ""
	}
	return "", "key " + c.Label + " added"
}

func quoted(s string) string { return `"` + common.Clean(s) + `"` }
