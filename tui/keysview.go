package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// wizard inputs, in focus order, per mode.
func (k *keysScreen) inputs() int {
	switch k.mode {
	case keysAdd:
		return 3 // label, key, secret (the exchange is this session's: its checker vets the key)
	case keysRotate:
		return 2 // key, secret
	case keysPasswd:
		return 3 // current, new, repeat
	}
	return 0
}

func (m *Model) keysKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keysScr
	if k.mode == keysList {
		return m.keysListKey(msg)
	}
	if key.Matches(msg, m.keys.ForceQuit) {
		k.Wipe()
		return m.requestQuit()
	}
	if k.busy {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Back):
		k.Wipe()
		k.mode, k.wizErr = keysList, ""
		return nil
	case msg.Type == tea.KeyTab, msg.Type == tea.KeyDown:
		k.focus = (k.focus + 1) % k.inputs()
		return nil
	case msg.Type == tea.KeyShiftTab, msg.Type == tea.KeyUp:
		k.focus = (k.focus + k.inputs() - 1) % k.inputs()
		return nil
	case msg.Type == tea.KeyEnter:
		if k.focus < k.inputs()-1 {
			k.focus++
			return nil
		}
		return m.submitKeys()
	}
	k.wizErr = ""
	switch k.mode {
	case keysAdd:
		switch k.focus {
		case 0:
			k.label.Key(msg)
		case 1:
			k.apiKey.Key(msg)
		case 2:
			k.apiSecret.Key(msg)
		}
	case keysRotate:
		if k.focus == 0 {
			k.apiKey.Key(msg)
		} else {
			k.apiSecret.Key(msg)
		}
	case keysPasswd:
		[]*common.SecretField{&k.old, &k.new1, &k.new2}[k.focus].Key(msg)
	}
	return nil
}

func (m *Model) keysListKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keysScr
	switch {
	case key.Matches(msg, m.keys.Back):
		if k.notice != "" {
			k.notice = ""
			return nil
		}
		m.toDashboard()
	case key.Matches(msg, m.keys.Up):
		k.sel = max(k.sel-1, 0)
	case key.Matches(msg, m.keys.Down):
		k.sel = min(k.sel+1, max(len(k.creds)-1, 0))
	case key.Matches(msg, m.keys.AddKey):
		k.mode, k.focus, k.wizErr, k.notice = keysAdd, 0, "", ""
		k.label = common.TextField{Limit: 32}
		k.label.Focus()
	case key.Matches(msg, m.keys.RotateKey):
		if k.sel >= len(k.creds) || !k.creds[k.sel].Active() {
			m.setError("select an active key to rotate (retired versions cannot be rotated)", nil)
			return nil
		}
		if c := k.creds[k.sel]; c.Exchange != m.opts.Exchange {
			// This session's checker speaks to another exchange: it cannot vet the new key.
			m.setError(fmt.Sprintf("%s is a %s key and this cockpit runs on %s: rotate it with quantdeck keys rotate --label %s",
				common.Clean(c.Label), common.Clean(c.Exchange), m.opts.Exchange, common.Clean(c.Label)), nil)
			return nil
		}
		k.rotateFrom = k.creds[k.sel]
		k.mode, k.focus, k.wizErr, k.notice = keysRotate, 0, "", ""
	case key.Matches(msg, m.keys.Passwd):
		k.mode, k.focus, k.wizErr, k.notice = keysPasswd, 0, "", ""
	}
	return nil
}

func (m *Model) submitKeys() tea.Cmd {
	k := m.keysScr
	switch k.mode {
	case keysAdd, keysRotate:
		if k.mode == keysAdd {
			if err := checkName(k.label.Value()); err != nil || k.label.Value() == "" {
				k.focus, k.wizErr = 0, "label: letters, digits, - and _, like main or binance-1"
				return nil
			}
		}
		if k.apiKey.Len() == 0 || k.apiSecret.Len() == 0 {
			k.wizErr = "paste both the API key and its secret"
			return nil
		}
		k.busy, k.busyWhat = true, "asking the exchange what this key may do (a signed test call)…"
		key, secret := k.apiKey.TrimmedCopy(), k.apiSecret.TrimmedCopy()
		return tea.Batch(checkKeyCmd(m.ctx, m.opts.Checker, key, secret), m.spin())
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
			old, newPass := k.old.Take(), k.new1.Take()
			k.new2.Wipe()
			return tea.Batch(changePassCmd(m.ctx, m.opts.Vault, old, newPass, m.opts.KDFIterations), m.spin())
		}
	}
	return nil
}

func (m *Model) keysView(now time.Time) string {
	k, st := m.keysScr, m.st
	var b strings.Builder
	b.WriteString(" " + st.Title.Render("Keys & rotation") + st.Muted.Render("  trade-only exchange keys, encrypted in the vault") + "\n\n")
	switch k.mode {
	case keysAdd, keysRotate, keysPasswd:
		b.WriteString(m.keysWizardView())
		return b.String()
	}
	if k.notice != "" {
		b.WriteString(st.DangerDialog.Width(max(m.w-4, 20)).Render(common.Wrap(k.notice, max(m.w-8, 16))) + "\n")
	}
	if k.err != "" {
		b.WriteString(common.Para(st.Danger, "✗ "+k.err, m.w) + "\n")
	}
	if !k.loaded {
		b.WriteString(st.Muted.Render(" reading the vault…"))
		return b.String()
	}
	if len(k.creds) == 0 {
		b.WriteString(common.Para(st.Muted, "No keys yet. Paper trading needs none; press a to add a trade-only key for live trading.", m.w) + "\n")
		return b.String()
	}
	b.WriteString(st.Heading.Render(fmt.Sprintf("   %-16s %-16s %-6s %s", "LABEL", "EXCHANGE", "AGE", "LAST CHECK")) + "\n")
	for i, c := range k.creds {
		age := now.Sub(c.CreatedAt)
		ageText := keyAge(age)
		checked := "never"
		if c.CheckedAt != nil {
			checked = c.CheckedAt.UTC().Format("2006-01-02")
		}
		line := fmt.Sprintf("%-16s %-16s %-6s %s", common.Clean(c.Label), common.Clean(c.Exchange), ageText, checked)
		perms := permsText(c)
		var status string
		switch {
		case !c.Active():
			status = st.Muted.Render("retired " + c.RetiredAt.UTC().Format("2006-01-02") + ": delete it on the exchange")
		case age >= keyMaxAge:
			status = st.Warn.Render(fmt.Sprintf("⚠ over %d days old: rotate (R)", int(keyMaxAge.Hours()/24)))
		default:
			status = st.OK.Render("active") + st.Muted.Render(" · "+common.Plural(m.botsUsingKey(c.Label), "bot", "bots"))
		}
		if i == k.sel {
			b.WriteString(st.Accent.Render(" › ") + st.Heading.Render(line) + "\n")
		} else {
			b.WriteString("   " + line + "\n")
		}
		if c.Active() {
			b.WriteString("     " + st.Muted.Render(perms+" · ") + status + "\n")
		} else {
			b.WriteString("     " + status + "\n")
		}
	}
	return b.String()
}

// permsText says what a key may do, in words: trading allowed, withdrawals off (required), IP.
func permsText(c vault.Credential) string {
	p := c.Perms
	if c.CheckedAt == nil && !p.Checked {
		return "not checked"
	}
	parts := []string{}
	if p.CanTrade {
		parts = append(parts, "trade ✓")
	} else {
		parts = append(parts, "trade ✗")
	}
	if p.CanWithdraw {
		parts = append(parts, "WITHDRAW ON ✗")
	} else {
		parts = append(parts, "withdraw off ✓")
	}
	if p.IPRestricted {
		parts = append(parts, "IP locked ✓")
	} else {
		parts = append(parts, "any IP")
	}
	return strings.Join(parts, " · ")
}

func (m *Model) keysWizardView() string {
	k, st := m.keysScr, m.st
	var b strings.Builder
	field := func(i int, label, val, hint string) {
		marker := "  "
		if i == k.focus {
			marker = st.Accent.Render("› ")
		}
		b.WriteString(" " + marker + st.Label.Render(common.PadRight(label, 18)) + common.PadRight(val, 26) + " " + st.Muted.Render(hint) + "\n")
	}
	masked := func(i int, f *common.SecretField) string { return m.fieldView(f, i == k.focus, 24) }
	switch k.mode {
	case keysAdd:
		b.WriteString(st.Heading.Render(" Add a key") + st.Muted.Render("  paste a key with spot trading on and withdrawals OFF") + "\n\n")
		if k.focus == 0 {
			k.label.Focus()
		} else {
			k.label.Blur()
		}
		field(0, "Label", k.label.View(st), "a name for this key, like main")
		field(-1, "Exchange", m.opts.Exchange, "this cockpit's exchange")
		field(1, "API key", masked(1, &k.apiKey), charCount(&k.apiKey))
		field(2, "API secret", masked(2, &k.apiSecret), charCount(&k.apiSecret))
	case keysRotate:
		c := k.rotateFrom
		b.WriteString(st.Heading.Render(" Rotate "+common.Clean(c.Label)) + st.Muted.Render(fmt.Sprintf("  %s · %s old · used by %s", c.Exchange, keyAge(m.now().Sub(c.CreatedAt)), common.Plural(m.botsUsingKey(c.Label), "bot", "bots"))) + "\n")
		b.WriteString(common.Para(st.Muted, "1 paste the new key and secret · 2 QuantDeck checks its permissions with a signed test call · 3 every bot using "+c.Label+" switches to it at once · 4 the old key is retired: you delete it on the exchange", m.w) + "\n\n")
		field(0, "New API key", masked(0, &k.apiKey), charCount(&k.apiKey))
		field(1, "New API secret", masked(1, &k.apiSecret), charCount(&k.apiSecret))
	case keysPasswd:
		b.WriteString(st.Heading.Render(" Change the vault passphrase") + st.Muted.Render("  every key is re-encrypted in one transaction") + "\n\n")
		field(0, "Current", masked(0, &k.old), "")
		field(1, "New", masked(1, &k.new1), fmt.Sprintf("at least %d characters", vault.MinPassphraseLen))
		field(2, "Repeat new", masked(2, &k.new2), "")
	}
	b.WriteString("\n")
	switch {
	case k.busy:
		b.WriteString(" " + m.spinView() + " " + k.busyWhat + "\n")
	case k.wizErr != "":
		b.WriteString(common.Para(st.Danger, "✗ "+k.wizErr, m.w) + "\n")
	default:
		b.WriteString(common.Para(st.Muted, "enter on the last field continues · esc cancels · what you paste is never shown", m.w) + "\n")
	}
	return b.String()
}

// keyAge is a key's age in whole days.
func keyAge(d time.Duration) string {
	if d < 24*time.Hour {
		return "<1d"
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

func charCount(f *common.SecretField) string {
	if n := f.Len(); n > 0 {
		return fmt.Sprintf("%d characters", n)
	}
	return "paste it here"
}
