// Package credentials owns the keys screen: the vault's exchange keys with their age and
// permissions and the Anthropic key of the optional Claude analysis, and the add, rotate and
// change-passphrase wizards. Secrets are typed into fields that zero themselves and are never
// shown.
package credentials

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

// Screen lists credentials and runs the add, rotate and change-passphrase wizards.
type Screen struct {
	c    *common.Common
	w, h int

	mode   keysMode
	creds  []vault.Credential
	loaded bool
	err    string
	sel    int
	notice string // after a rotation: delete the old key on the exchange

	// wizards
	kind       keyKind // what the add wizard stores
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
		service bool // the Anthropic key, not an exchange key
		err     error
	}
	passphraseChangedMsg struct{ err error }
)

// New opens the keys screen on the list and loads it.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	return &Screen{c: c}, loadKeysCmd(c.Ctx, c.Vault)
}

// TakesText is true while a wizard is open: every printable key goes into its fields.
func (k *Screen) TakesText() bool { return k.mode != keysList }

// SetSize records the body's size.
func (k *Screen) SetSize(w, h int) { k.w, k.h = w, h }

// Busy reports a permission check, a save or a re-encryption under way.
func (k *Screen) Busy() bool { return k.busy }

// HelpKey changes with the mode (the wizards have their own help bar) and with the add
// wizard's kind choice, which adds ←/→ to it.
func (k *Screen) HelpKey() string {
	if k.mode == keysAdd && k.focus == 0 {
		return "add-kind"
	}
	return k.mode.String()
}

// Update handles keys and the results of the screen's commands.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		return s.keysKey(k)
	}
	return s.updateKeys(msg)
}

// View draws the list or the open wizard.
func (s *Screen) View(now time.Time) string { return s.keysView(now) }

// ShortHelp is the help bar of the list or the wizard.
func (s *Screen) ShortHelp() []key.Binding { return s.keysHelp() }

func (s *Screen) ask(prompt, detail string, danger bool, onYes func() tea.Cmd) {
	s.c.Host.Ask(common.Question{Prompt: prompt, Detail: detail, Danger: danger, OnYes: onYes})
}

// Wipe zeroes every secret typed into the wizards.
func (k *Screen) Wipe() {
	k.apiKey.Wipe()
	k.apiSecret.Wipe()
	k.old.Wipe()
	k.new1.Wipe()
	k.new2.Wipe()
}

func loadKeysCmd(ctx context.Context, v common.KeyStore) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
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
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		p, err := checker.CheckPermissions(c, apiKey, apiSecret)
		return keyCheckedMsg{perms: p, err: err}
	}
}

func saveKeyCmd(ctx context.Context, v common.KeyStore, rotate bool, label, exch string, apiKey, apiSecret []byte, perms exchange.Permissions) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(apiKey, apiSecret)
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
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

func changePassCmd(ctx context.Context, v common.KeyStore, old, newPass []byte, iterations int) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(old, newPass)
		return passphraseChangedMsg{err: v.ChangePassphrase(ctx, old, newPass, iterations)}
	}
}

func (s *Screen) updateKeys(msg tea.Msg) tea.Cmd {
	k := s
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
		return s.keyChecked(msg)
	case keySavedMsg:
		k.busy = false
		if msg.err != nil {
			k.wizErr = "could not save the key: " + saveErrText(msg.err)
			return nil
		}
		k.Wipe()
		k.mode = keysList
		notice, info := s.savedNotice(msg)
		k.notice = notice
		if info != "" {
			s.c.Host.Info(info)
		}
		return loadKeysCmd(s.c.Ctx, s.c.Vault)
	case passphraseChangedMsg:
		k.busy = false
		if msg.err != nil {
			var wp *vault.WrongPassphraseError
			// The current passphrase was used up by the attempt; the new one is still typed.
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
		s.c.Host.Info("passphrase changed: every key was re-encrypted with it")
	}
	return nil
}

// keyChecked decides on a key from what the exchange says it may do.
func (s *Screen) keyChecked(msg keyCheckedMsg) tea.Cmd {
	k := s
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
		return tea.Batch(saveKeyCmd(s.c.Ctx, s.c.Vault, rotate, label, s.c.Exchange,
			k.apiKey.TakeTrimmed(), k.apiSecret.TakeTrimmed(), p), s.c.Host.Spin())
	}
	if verdict.Warns(exchange.WarnUnchecked) {
		note := p.Note
		if note == "" {
			note = "the exchange could not say what this key may do"
		}
		s.ask("Save a key whose permissions could not be checked?", common.Clean(note)+". Make sure withdrawals are OFF for it on the exchange before you answer y.", true, save)
		return nil
	}
	return save()
}

func (s *Screen) keysHelp() []key.Binding {
	k := s.c.Keys
	if s != nil && s.mode != keysList {
		next, back := k.Enter, k.Back
		next.SetHelp("enter", "next / continue")
		back.SetHelp("esc", "cancel")
		if s.mode == keysAdd && s.focus == 0 {
			kind := k.Left
			kind.SetHelp("←/→", "kind")
			return []key.Binding{kind, k.NextField, next, back}
		}
		return []key.Binding{k.NextField, next, back}
	}
	return []key.Binding{k.Up, k.Down, k.AddKey, k.RotateKey, k.Passwd, k.Back, k.Help}
}

func (s *Screen) keysKey(msg tea.KeyMsg) tea.Cmd {
	k := s
	if k.mode == keysList {
		return s.keysListKey(msg)
	}
	if key.Matches(msg, s.c.Keys.ForceQuit) {
		k.Wipe()
		return s.c.Host.Quit()
	}
	if k.busy {
		return nil
	}
	order := k.order()
	switch {
	case key.Matches(msg, s.c.Keys.Back):
		k.Wipe()
		k.mode, k.wizErr = keysList, ""
		return nil
	case msg.Type == tea.KeyTab, msg.Type == tea.KeyDown:
		k.focus = nextFocus(k.focus, len(order), 1)
		return nil
	case msg.Type == tea.KeyShiftTab, msg.Type == tea.KeyUp:
		k.focus = nextFocus(k.focus, len(order), -1)
		return nil
	case msg.Type == tea.KeyEnter:
		if k.focus < len(order)-1 {
			k.focus++
			return nil
		}
		return s.submitKeys()
	}
	k.wizErr = ""
	if err := order[k.focus].key(msg); err != "" {
		k.wizErr = err
	}
	return nil
}

func (s *Screen) keysListKey(msg tea.KeyMsg) tea.Cmd {
	k := s
	switch {
	case key.Matches(msg, s.c.Keys.Back):
		if k.notice != "" {
			k.notice = ""
			return nil
		}
		s.c.Host.Back()
	case key.Matches(msg, s.c.Keys.Up):
		k.sel = max(k.sel-1, 0)
	case key.Matches(msg, s.c.Keys.Down):
		k.sel = min(k.sel+1, max(len(k.creds)-1, 0))
	case key.Matches(msg, s.c.Keys.AddKey):
		k.mode, k.focus, k.wizErr, k.notice, k.kind = keysAdd, 0, "", "", kindExchange
		k.label = common.TextField{Limit: 32}
	case key.Matches(msg, s.c.Keys.RotateKey):
		if k.sel >= len(k.creds) || !k.creds[k.sel].Active() {
			s.c.Host.Error("select an active key to rotate (retired versions cannot be rotated)", nil)
			return nil
		}
		if c := k.creds[k.sel]; c.Exchange != s.c.Exchange && !vault.IsService(c.Exchange) {
			// This session's checker speaks to another exchange: it cannot vet the new key.
			s.c.Host.Error(fmt.Sprintf("%s is a %s key and this cockpit runs on %s: rotate it with quantdeck keys rotate --label %s",
				common.Clean(c.Label), common.Clean(c.Exchange), s.c.Exchange, common.Clean(c.Label)), nil)
			return nil
		}
		k.rotateFrom = k.creds[k.sel]
		k.mode, k.focus, k.wizErr, k.notice = keysRotate, 0, "", ""
	case key.Matches(msg, s.c.Keys.Passwd):
		k.mode, k.focus, k.wizErr, k.notice = keysPasswd, 0, "", ""
	}
	return nil
}

func (s *Screen) submitKeys() tea.Cmd {
	k := s
	if k.addingService() || k.rotatingService() {
		return s.submitServiceKey()
	}
	switch k.mode {
	case keysAdd, keysRotate:
		if k.mode == keysAdd {
			if err := common.CheckName(k.label.Value()); err != nil || k.label.Value() == "" {
				k.focus, k.wizErr = 1, "label: letters, digits, - and _, like main or binance-1"
				return nil
			}
		}
		if k.apiKey.Len() == 0 || k.apiSecret.Len() == 0 {
			k.wizErr = "paste both the API key and its secret"
			return nil
		}
		k.busy, k.busyWhat = true, "asking the exchange what this key may do (a signed test call)…"
		key, secret := k.apiKey.TrimmedCopy(), k.apiSecret.TrimmedCopy()
		return tea.Batch(checkKeyCmd(s.c.Ctx, s.c.Checker, key, secret), s.c.Host.Spin())
	case keysPasswd:
		switch {
		case k.old.Len() == 0:
			k.focus, k.wizErr = 0, "type the current passphrase"
		case k.new1.Len() < vault.MinPassphraseLen:
			k.focus, k.wizErr = 1, fmt.Sprintf("the new passphrase is too short: use at least %d characters", vault.MinPassphraseLen)
		case !k.new1.Equal(&k.new2):
			k.new2.Wipe()
			k.focus, k.wizErr = 2, "the two new passphrases differ: type it again"
		default:
			k.busy, k.busyWhat = true, "re-encrypting every key with the new passphrase…"
			// The new passphrase stays typed until the change succeeds: a mistyped current one
			// should not make the user type the new one twice again.
			old, newPass := k.old.Take(), k.new1.Copy()
			return tea.Batch(changePassCmd(s.c.Ctx, s.c.Vault, old, newPass, s.c.KDFIterations), s.c.Host.Spin())
		}
	}
	return nil
}
