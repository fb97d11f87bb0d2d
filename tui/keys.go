package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// keysMode is what the keys screen is doing.
type keysMode int

const (
	keysList keysMode = iota
	keysAdd
	keysRotate
	keysPasswd
)

func (k keysMode) String() string {
	switch k {
	case keysAdd:
		return "add"
	case keysRotate:
		return "rotate"
	case keysPasswd:
		return "passwd"
	}
	return "list"
}

// keyMaxAge is the age from which a key is flagged for rotation.
const keyMaxAge = 90 * 24 * time.Hour

// keysScreen lists credentials and runs the add, rotate and change-passphrase wizards.
type keysScreen struct {
	mode   keysMode
	creds  []vault.Credential
	loaded bool
	err    string
	sel    int
	notice string // after a rotation: delete the old key on the exchange

	// wizards
	label      common.TextField
	apiKey     common.SecretField
	apiSecret  common.SecretField
	old, new1  common.SecretField
	new2       common.SecretField
	focus      int
	busy       bool
	busyWhat   string
	wizErr     string
	rotateFrom vault.Credential
}

type (
	keysLoadedMsg struct {
		creds []vault.Credential
		err   error
	}
	keyCheckedMsg struct {
		perms exchange.Permissions
		err   error
	}
	keySavedMsg struct {
		cred    vault.Credential
		rotated bool
		err     error
	}
	passphraseChangedMsg struct{ err error }
)

func (k *keysScreen) typing() bool { return k != nil && k.mode != keysList }

func (k *keysScreen) Wipe() {
	k.apiKey.Wipe()
	k.apiSecret.Wipe()
	k.old.Wipe()
	k.new1.Wipe()
	k.new2.Wipe()
}

func (m *Model) openKeys() tea.Cmd {
	if m.keysScr != nil {
		m.keysScr.Wipe()
	}
	m.keysScr = &keysScreen{}
	m.screen = scrKeys
	return loadKeysCmd(m.ctx, m.opts.Vault)
}

func loadKeysCmd(ctx context.Context, v KeyStore) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		creds, err := v.Credentials(c)
		return keysLoadedMsg{creds: creds, err: err}
	}
}

// checkKeyCmd asks the exchange what the key may do; this signed call is also the test call
// that proves the key works. It zeroes its copies.
func checkKeyCmd(ctx context.Context, checker exchange.PermissionChecker, apiKey, apiSecret []byte) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(apiKey, apiSecret)
		if checker == nil {
			return keyCheckedMsg{perms: exchange.Permissions{Note: "this exchange setting has no permission check"}}
		}
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		p, err := checker.CheckPermissions(c, apiKey, apiSecret)
		return keyCheckedMsg{perms: p, err: err}
	}
}

func saveKeyCmd(ctx context.Context, v KeyStore, rotate bool, label, exch string, apiKey, apiSecret []byte, perms exchange.Permissions) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(apiKey, apiSecret)
		c, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		var cred vault.Credential
		var err error
		if rotate {
			cred, err = v.RotateCredential(c, label, apiKey, apiSecret, perms)
		} else {
			cred, err = v.AddCredential(c, label, exch, apiKey, apiSecret, perms)
		}
		return keySavedMsg{cred: cred, rotated: rotate, err: err}
	}
}

func changePassCmd(ctx context.Context, v KeyStore, old, newPass []byte, iterations int) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(old, newPass)
		return passphraseChangedMsg{err: v.ChangePassphrase(ctx, old, newPass, iterations)}
	}
}

func (m *Model) updateKeys(msg tea.Msg) tea.Cmd {
	k := m.keysScr
	if k == nil {
		return nil
	}
	switch msg := msg.(type) {
	case keysLoadedMsg:
		k.loaded = true
		k.err = ""
		if msg.err != nil {
			k.err = "could not read the keys: " + common.Clean(msg.err.Error())
		}
		k.creds = msg.creds
		// Each label's active version first, then its retired ones, newest first.
		slices.SortStableFunc(k.creds, func(a, b vault.Credential) int {
			if c := strings.Compare(a.Label, b.Label); c != 0 {
				return c
			}
			if a.Active() != b.Active() {
				if a.Active() {
					return -1
				}
				return 1
			}
			return b.CreatedAt.Compare(a.CreatedAt)
		})
		k.sel = min(k.sel, max(len(k.creds)-1, 0))
	case keyCheckedMsg:
		k.busy = false
		return m.keyChecked(msg)
	case keySavedMsg:
		k.busy = false
		if msg.err != nil {
			k.wizErr = "could not save the key: " + common.Clean(msg.err.Error())
			return nil
		}
		k.Wipe()
		k.mode = keysList
		if msg.rotated {
			bots := m.botsUsingKey(msg.cred.Label)
			k.notice = fmt.Sprintf("Key %q rotated: %s now sign with the new key. The old key is retired here: DELETE IT ON THE EXCHANGE now (API Management) so it can never be used again.", msg.cred.Label, common.Plural(bots, "bot", "bots"))
		} else {
			m.setInfo("key " + msg.cred.Label + " added")
		}
		return loadKeysCmd(m.ctx, m.opts.Vault)
	case passphraseChangedMsg:
		k.busy = false
		if msg.err != nil {
			var wp *vault.WrongPassphraseError
			// Every field was wiped with the attempt: start again from the first.
			k.focus = 0
			if errors.As(msg.err, &wp) {
				k.wizErr = fmt.Sprintf("the current passphrase is wrong (%s in a row; the next try waits %s)", common.Plural(wp.Attempts, "attempt", "attempts"), common.FmtAge(wp.Delay))
			} else {
				k.wizErr = "could not change the passphrase: " + common.Clean(msg.err.Error())
			}
			return nil
		}
		k.Wipe()
		k.mode = keysList
		m.setInfo("passphrase changed: every key was re-encrypted with it")
	}
	return nil
}

// keyChecked decides on a key from what the exchange says it may do.
func (m *Model) keyChecked(msg keyCheckedMsg) tea.Cmd {
	k := m.keysScr
	p := msg.perms
	// The rule is exchange.Permissions.Verdict (the vault enforces it on save); this only
	// phrases it.
	verdict := p.Verdict()
	switch {
	case errors.Is(msg.err, exchange.ErrPermissionsUnknown):
		k.wizErr = "the exchange did not say whether this key can withdraw or trade, so QuantDeck refuses it. Check the key on the exchange and try again later."
		return nil
	case msg.err != nil:
		k.wizErr = "the exchange refused the key: " + common.Clean(msg.err.Error()) + ". Check it was pasted whole and that this machine's IP is allowed."
		return nil
	case errors.Is(verdict.Refused, exchange.ErrKeyCanWithdraw):
		k.wizErr = "this key can WITHDRAW funds, so QuantDeck refuses it. On the exchange, edit the key, turn withdrawals off, then paste it again."
		return nil
	case errors.Is(verdict.Refused, exchange.ErrKeyCannotTrade):
		k.wizErr = "this key cannot trade: enable spot trading for it on the exchange, then try again."
		return nil
	}
	save := func() tea.Cmd {
		k.busy, k.busyWhat = true, "saving the key…"
		label := k.label.Value()
		rotate := k.mode == keysRotate
		if rotate {
			label = k.rotateFrom.Label
		}
		return tea.Batch(saveKeyCmd(m.ctx, m.opts.Vault, rotate, label, m.opts.Exchange,
			k.apiKey.TakeTrimmed(), k.apiSecret.TakeTrimmed(), p), m.spin())
	}
	if verdict.Warns(exchange.WarnUnchecked) {
		note := p.Note
		if note == "" {
			note = "the exchange could not say what this key may do"
		}
		m.ask("Save a key whose permissions could not be checked?", common.Clean(note)+". Make sure withdrawals are OFF for it on the exchange before you answer y.", true, save)
		return nil
	}
	return save()
}

func (m *Model) botsUsingKey(label string) int {
	n := 0
	for _, b := range m.snap.Bots {
		if b.Config.KeyLabel == label {
			n++
		}
	}
	return n
}

func (m *Model) keysHelp() []key.Binding {
	k := m.keys
	if m.keysScr != nil && m.keysScr.mode != keysList {
		next, back := k.Enter, k.Back
		next.SetHelp("enter", "next / continue")
		back.SetHelp("esc", "cancel")
		return []key.Binding{k.NextField, next, back}
	}
	return []key.Binding{k.Up, k.Down, k.AddKey, k.RotateKey, k.Passwd, k.Back, k.Help}
}
