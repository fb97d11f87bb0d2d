package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// unlockScreen asks for the vault passphrase once, or twice to create a new vault.
type unlockScreen struct {
	checked  bool // the vault's existence is known
	create   bool // no vault yet: choose a passphrase
	step     int  // create: 0 first entry, 1 repeat
	pass     common.SecretField
	repeat   common.SecretField
	busy     bool
	busyAt   time.Time
	waitFor  time.Duration // the delay the vault imposes on this attempt
	resuming bool          // the vault is open, the engine is resuming
	err      string
	attempts int
	delay    time.Duration // the wait before the next attempt
	delayAt  time.Time
	fatal    bool // the vault cannot be used: only quitting helps
}

type (
	unlockedMsg     struct{ created bool }
	unlockFailedMsg struct{ err error }
	resumedMsg      struct{ err error }
	unlockTickMsg   struct{}
	// unlockPollMsg asks whether another session has unlocked the vault meanwhile.
	unlockPollMsg struct{}
)

// unlockPollEvery is how often the unlock screen looks for a vault another session opened.
const unlockPollEvery = time.Second

func (m *Model) unlockPoll() tea.Cmd {
	return m.tick(unlockPollEvery, func(time.Time) tea.Msg { return unlockPollMsg{} })
}

// pollUnlockedCmd reports an unlocked vault as a check result, and otherwise nothing.
func pollUnlockedCmd(v Unlocker) tea.Cmd {
	return func() tea.Msg {
		if v != nil && v.Unlocked() {
			return vaultCheckedMsg{exists: true, unlocked: true}
		}
		return nil
	}
}

// vaultSealedMsg says the vault was sealed while the cockpit was open.
type vaultSealedMsg struct{}

// sealCheckCmd reports a vault that was unlocked and is sealed now, and otherwise nothing.
func sealCheckCmd(v Unlocker) tea.Cmd {
	return func() tea.Msg {
		if v != nil && !v.Unlocked() {
			return vaultSealedMsg{}
		}
		return nil
	}
}

func newUnlockScreen() *unlockScreen { return &unlockScreen{} }

func (u *unlockScreen) Wipe() {
	u.pass.Wipe()
	u.repeat.Wipe()
}

func (m *Model) updateUnlock(msg tea.Msg) tea.Cmd {
	u := m.unlock
	switch msg := msg.(type) {
	case vaultCheckedMsg:
		if msg.err != nil {
			u.err, u.fatal = "cannot read the vault: "+common.Clean(msg.err.Error())+". Check QUANTDECK_HOME and quit with ctrl+c.", true
			u.checked = true
			return nil
		}
		if msg.unlocked {
			if m.screen != scrUnlock || u.busy || u.resuming {
				return nil // our own unlock is under way or done
			}
			return m.enterCockpit()
		}
		u.checked, u.create = true, !msg.exists
		if msg.attempts > 0 {
			u.attempts, u.delay, u.delayAt = msg.attempts, msg.delay, m.now()
		}
		return m.unlockPoll()
	case unlockPollMsg:
		if m.screen != scrUnlock || u.resuming {
			return nil
		}
		if u.busy {
			return m.unlockPoll() // our own attempt is running: look again later
		}
		return tea.Batch(pollUnlockedCmd(m.opts.Vault), m.unlockPoll())
	case unlockFailedMsg:
		u.busy = false
		var wp *vault.WrongPassphraseError
		switch {
		case errors.As(msg.err, &wp):
			u.attempts, u.delay, u.delayAt = wp.Attempts, wp.Delay, m.now()
			u.err = "wrong passphrase"
			return m.unlockTick()
		case errors.Is(msg.err, vault.ErrWrongPassphrase):
			u.err = "wrong passphrase"
		case errors.Is(msg.err, vault.ErrPassphraseTooShort):
			u.err = fmt.Sprintf("too short: use at least %d characters", vault.MinPassphraseLen)
			u.step = 0
		case errors.Is(msg.err, context.Canceled):
			return nil
		default:
			u.err = common.Clean(msg.err.Error())
		}
		return nil
	case unlockedMsg:
		u.busy, u.resuming, u.err = false, true, ""
		u.attempts, u.delay = 0, 0
		return resumeCmd(m.ctx, m.opts.OnUnlock)
	case resumedMsg:
		u.resuming = false
		cmd := m.enterCockpit()
		if msg.err != nil {
			m.setError("the vault is open but the engine did not resume", msg.err)
		}
		return cmd
	case unlockTickMsg:
		if u.delay > 0 && m.now().Sub(u.delayAt) < u.delay {
			return m.unlockTick()
		}
		return nil
	}
	return nil
}

func (m *Model) unlockTick() tea.Cmd {
	return m.tick(250*time.Millisecond, func(time.Time) tea.Msg { return unlockTickMsg{} })
}

func (m *Model) unlockKey(k tea.KeyMsg) tea.Cmd {
	u := m.unlock
	if key.Matches(k, m.keys.ForceQuit) {
		u.Wipe()
		return m.quit()
	}
	if u.busy || u.resuming || !u.checked || u.fatal {
		return nil
	}
	field := &u.pass
	if u.create && u.step == 1 {
		field = &u.repeat
	}
	if k.Type == tea.KeyEnter {
		return m.submitUnlock()
	}
	if k.Type == tea.KeyEsc && u.create && u.step == 1 {
		u.repeat.Wipe()
		u.step = 0
		return nil
	}
	if field.Key(k) {
		if u.err != "wrong passphrase" {
			u.err = ""
		}
	}
	return nil
}

func (m *Model) submitUnlock() tea.Cmd {
	u := m.unlock
	if !u.create {
		if u.pass.Len() == 0 {
			u.err = "type the vault passphrase, then enter"
			return nil
		}
		u.busy, u.busyAt, u.err = true, m.now(), ""
		u.waitFor = u.pendingWait(m.now())
		return tea.Batch(unlockCmd(m.ctx, m.opts.Vault, u.pass.Take()), m.spin())
	}
	if u.step == 0 {
		if n := u.pass.Len(); n < vault.MinPassphraseLen {
			u.err = fmt.Sprintf("too short: use at least %d characters (%d typed)", vault.MinPassphraseLen, n)
			return nil
		}
		u.step, u.err = 1, ""
		return nil
	}
	if !u.pass.Equal(&u.repeat) {
		u.Wipe()
		u.step = 0
		u.err = "the two passphrases differ: type it again"
		return nil
	}
	u.repeat.Wipe()
	u.busy, u.busyAt, u.err, u.waitFor = true, m.now(), "", 0
	return tea.Batch(createCmd(m.ctx, m.opts.Vault, u.pass.Take(), m.opts.KDFIterations), m.spin())
}

func (u *unlockScreen) pendingWait(now time.Time) time.Duration {
	if u.delay <= 0 {
		return 0
	}
	return max(u.delay-now.Sub(u.delayAt), 0)
}

// unlockCmd derives the key (and waits out the vault's delay) off the UI loop; it zeroes its
// copy of the passphrase when done.
func unlockCmd(ctx context.Context, v Unlocker, pass []byte) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(pass)
		if err := v.Unlock(ctx, pass); err != nil {
			return unlockFailedMsg{err: err}
		}
		return unlockedMsg{}
	}
}

func createCmd(ctx context.Context, v Unlocker, pass []byte, iterations int) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(pass)
		if err := v.Create(ctx, pass, iterations); err != nil {
			return unlockFailedMsg{err: err}
		}
		return unlockedMsg{created: true}
	}
}

func resumeCmd(ctx context.Context, onUnlock func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		if onUnlock == nil {
			return resumedMsg{}
		}
		return resumedMsg{err: onUnlock(ctx)}
	}
}

func (m *Model) unlockView(now time.Time) string {
	u, st := m.unlock, m.st
	width := min(max(m.w-4, 20), 64)
	var b strings.Builder
	title := "Unlock the vault"
	if u.create {
		title = "Create the vault"
	}
	b.WriteString(st.Title.Render("QuantDeck") + st.Muted.Render("  "+m.opts.Version+" · "+m.opts.Exchange) + "\n\n")
	b.WriteString(st.Heading.Render(title) + "\n")
	switch {
	case !u.checked:
		b.WriteString(st.Muted.Render("reading the vault…") + "\n")
	case u.create:
		b.WriteString(st.Muted.Render(common.Wrap(fmt.Sprintf("No vault yet. Choose a passphrase of at least %d characters: it encrypts your exchange keys on this machine and cannot be recovered if you lose it.", vault.MinPassphraseLen), width)) + "\n")
	default:
		b.WriteString(st.Muted.Render("Your exchange keys are encrypted with your passphrase.") + "\n")
	}
	b.WriteString("\n")
	if u.checked && !u.fatal {
		label := "Passphrase"
		b.WriteString(st.Label.Render(common.PadRight(label, 11)) + m.fieldView(&u.pass, !u.create || u.step == 0, width-12) + "\n")
		if u.create {
			b.WriteString(st.Label.Render(common.PadRight("Repeat", 11)) + m.fieldView(&u.repeat, u.step == 1, width-12) + "\n")
			if u.step == 0 {
				n := u.pass.Len()
				if n < vault.MinPassphraseLen {
					b.WriteString(st.Warn.Render(fmt.Sprintf("%d of %d characters at least", n, vault.MinPassphraseLen)) + "\n")
				} else {
					b.WriteString(st.OK.Render("✓ long enough") + "\n")
				}
			} else {
				b.WriteString(st.Muted.Render("type it again to be sure · esc to change it") + "\n")
			}
		}
	}
	b.WriteString("\n")
	switch {
	case u.resuming:
		b.WriteString(m.spinView() + " vault open, starting the engine…\n")
	case u.busy && u.waitFor > 0 && now.Sub(u.busyAt) < u.waitFor:
		left := u.waitFor - now.Sub(u.busyAt)
		b.WriteString(m.spinView() + st.Warn.Render(fmt.Sprintf(" waiting %s after %s before trying…", common.FmtAge(left), common.Plural(u.attempts, "wrong passphrase", "wrong passphrases"))) + "\n")
	case u.busy && u.create:
		b.WriteString(m.spinView() + " creating the vault (deriving the key takes about half a second)…\n")
	case u.busy:
		b.WriteString(m.spinView() + " deriving the key…\n")
	case u.err != "":
		b.WriteString(st.Danger.Render("✗ "+u.err) + "\n")
	default:
		b.WriteString("\n")
	}
	if !u.busy && u.attempts > 0 && u.err == "wrong passphrase" {
		msg := fmt.Sprintf("%s in a row.", common.Plural(u.attempts, "wrong attempt", "wrong attempts"))
		if left := u.pendingWait(now); left > 0 {
			msg += " The next try waits " + common.FmtAge(left) + "."
		}
		b.WriteString(st.Warn.Render(msg) + "\n")
	}
	verb := "unlock"
	if u.create {
		verb = "create"
	}
	b.WriteString("\n" + m.help.ShortHelpView([]key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", verb)),
		m.keys.ForceQuit,
	}))
	box := st.Box.Width(width + 2).Render(b.String())
	return lipgloss.Place(m.w, m.h-1, lipgloss.Center, lipgloss.Center, box)
}

// fieldView shows a masked field with a cursor when focused.
func (m *Model) fieldView(f *common.SecretField, focused bool, width int) string {
	s := f.Mask(width)
	if focused {
		return m.st.FocusedInput.Render(s + "▏")
	}
	return m.st.BlurredInput.Render(s)
}
