package credentials

import (
	"fmt"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

func (s *Screen) keysView(now time.Time) string {
	k, st := s, s.c.Styles
	var b strings.Builder
	b.WriteString(" " + st.Title.Render("Keys & rotation") + st.Muted.Render("  trade-only exchange keys and the Claude API key, in the vault") + "\n\n")
	switch k.mode {
	case keysAdd, keysRotate, keysPasswd:
		b.WriteString(s.keysWizardView())
		return b.String()
	}
	if k.notice != "" {
		b.WriteString(st.DangerDialog.Width(max(s.w-4, 20)).Render(common.Wrap(k.notice, max(s.w-8, 16))) + "\n")
	}
	if k.err != "" {
		b.WriteString(common.Para(st.Danger, "✗ "+k.err, s.w) + "\n")
	}
	if !k.loaded {
		b.WriteString(st.Muted.Render(" reading the vault…"))
		return b.String()
	}
	if len(k.creds) == 0 {
		b.WriteString(common.Para(st.Muted, "No keys yet. Paper trading needs none; press a to add a trade-only key for live trading, or the Anthropic API key for the Claude analysis.", s.w) + "\n")
		return b.String()
	}
	b.WriteString(st.Heading.Render(fmt.Sprintf("   %-16s %-16s %-6s %s", "LABEL", "FOR", "AGE", "LAST CHECK")) + "\n")
	for i, c := range k.creds {
		age := now.Sub(c.CreatedAt)
		ageText := keyAge(age)
		checked := "never"
		if c.CheckedAt != nil {
			checked = c.CheckedAt.UTC().Format("2006-01-02")
		}
		service := vault.IsService(c.Exchange)
		what := common.Clean(c.Exchange)
		if service {
			// No exchange permissions to check: the columns say what it is for instead.
			what, checked = c.Exchange+" (AI)", "—"
		}
		line := fmt.Sprintf("%-16s %-16s %-6s %s", common.Clean(c.Label), what, ageText, checked)
		perms := permsText(c)
		var status string
		switch {
		case service && !c.Active():
			status = st.Muted.Render("retired " + c.RetiredAt.UTC().Format("2006-01-02") + ": revoke it in the Anthropic console")
		case service:
			perms = "API key for the Claude analysis · no exchange permissions"
			status = st.OK.Render("active")
			if age >= keyMaxAge {
				status = st.Warn.Render(fmt.Sprintf("⚠ over %d days old: rotate (R)", int(keyMaxAge.Hours()/24)))
			}
		case !c.Active():
			status = st.Muted.Render("retired " + c.RetiredAt.UTC().Format("2006-01-02") + ": delete it on the exchange")
		case age >= keyMaxAge:
			status = st.Warn.Render(fmt.Sprintf("⚠ over %d days old: rotate (R)", int(keyMaxAge.Hours()/24)))
		default:
			status = st.OK.Render("active") + st.Muted.Render(" · "+common.Plural(s.c.BotsUsingKey(c.Label), "bot", "bots"))
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

func (s *Screen) keysWizardView() string {
	k, st := s, s.c.Styles
	var b strings.Builder
	field := func(i int, label, val, hint string) {
		marker := "  "
		if i == k.focus {
			marker = st.Accent.Render("› ")
		}
		b.WriteString(" " + marker + st.Label.Render(common.PadRight(label, 18)) + common.PadRight(val, 26) + " " + st.Muted.Render(hint) + "\n")
	}
	masked := func(i int, f *common.SecretField) string { return common.SecretView(s.c.Styles, f, i == k.focus, 24) }
	switch k.mode {
	case keysAdd:
		if k.focus == 1 {
			k.label.Focus()
		} else {
			k.label.Blur()
		}
		if k.kind == kindService {
			b.WriteString(st.Heading.Render(" Add a key") + st.Muted.Render("  the Anthropic API key for the optional Claude analysis") + "\n\n")
			field(0, "Kind", s.kindView(), "←/→ exchange or Anthropic key")
			field(1, "Label", k.label.View(st), "a name for this key, like claude")
			field(2, "API key", masked(2, &k.apiKey), charCount(&k.apiKey))
			b.WriteString("\n" + common.Para(st.Muted, "Sent only in the x-api-key header of Claude requests; it cannot trade, so there are no exchange permissions to check. QUANTDECK_AI=claude turns the analysis on.", s.w) + "\n")
			break
		}
		b.WriteString(st.Heading.Render(" Add a key") + st.Muted.Render("  paste a key with spot trading on and withdrawals OFF") + "\n\n")
		field(0, "Kind", s.kindView(), "←/→ exchange or Anthropic key")
		field(1, "Label", k.label.View(st), "a name for this key, like main")
		field(-1, "Exchange", s.c.Exchange, "this cockpit's exchange")
		field(2, "API key", masked(2, &k.apiKey), charCount(&k.apiKey))
		field(3, "API secret", masked(3, &k.apiSecret), charCount(&k.apiSecret))
	case keysRotate:
		if k.rotatingService() {
			c := k.rotateFrom
			b.WriteString(st.Heading.Render(" Rotate "+common.Clean(c.Label)) + st.Muted.Render(fmt.Sprintf("  Anthropic API key · %s old · the Claude analysis", keyAge(s.c.Now().Sub(c.CreatedAt)))) + "\n")
			b.WriteString(common.Para(st.Muted, "1 create a new key in the Anthropic console · 2 paste it here · 3 the Claude analysis uses it from its next request · 4 the old key is retired: you revoke it in the console", s.w) + "\n\n")
			field(0, "New API key", masked(0, &k.apiKey), charCount(&k.apiKey))
			break
		}
		c := k.rotateFrom
		b.WriteString(st.Heading.Render(" Rotate "+common.Clean(c.Label)) + st.Muted.Render(fmt.Sprintf("  %s · %s old · used by %s", c.Exchange, keyAge(s.c.Now().Sub(c.CreatedAt)), common.Plural(s.c.BotsUsingKey(c.Label), "bot", "bots"))) + "\n")
		b.WriteString(common.Para(st.Muted, "1 paste the new key and secret · 2 QuantDeck checks its permissions with a signed test call · 3 every bot using "+c.Label+" switches to it at once · 4 the old key is retired: you delete it on the exchange", s.w) + "\n\n")
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
		b.WriteString(" " + s.c.Host.SpinView() + " " + k.busyWhat + "\n")
	case k.wizErr != "":
		b.WriteString(common.Para(st.Danger, "✗ "+k.wizErr, s.w) + "\n")
	default:
		b.WriteString(common.Para(st.Muted, "enter on the last field continues · esc cancels · what you paste is never shown", s.w) + "\n")
	}
	return b.String()
}

// kindView draws the add wizard's choice between an exchange key and the Anthropic key.
func (s *Screen) kindView() string {
	return common.ChoicesView(s.c.Styles, kindChoices, int(s.kind), s.focus == 0)
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
		return common.Plural(n, "character", "characters")
	}
	return "paste it here"
}
