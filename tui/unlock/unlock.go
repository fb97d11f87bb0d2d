// Package unlock owns the first screen of a session: it asks for the vault passphrase once
// (twice to create a new vault), waits out the vault's delay after wrong guesses with a visible
// countdown, and hands over to the cockpit once the vault is open and the engine resumed.
package unlock

import (
	"context"

	"errors"
	"fmt"
	"github.com/charmbracelet/bubbles/help"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/vault"
)

// Screen asks for the vault passphrase once, or twice to create a new vault.
type Screen struct {
	c    *common.Common
	w, h int

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

func (s *Screen) unlockPoll() tea.Cmd {
	return s.c.Tick(unlockPollEvery, func(time.Time) tea.Msg { return unlockPollMsg{} })
}

// pollUnlockedCmd reports an unlocked vault as a check result, and otherwise nothing.
func pollUnlockedCmd(v common.Unlocker) tea.Cmd {
	return func() tea.Msg {
		if v != nil && v.Unlocked() {
			return vaultCheckedMsg{exists: true, unlocked: true}
		}
		return nil
	}
}

// New opens the unlock screen and checks the vault: an unlocked vault (another session opened
// it) goes straight on to the cockpit.
func New(c *common.Common, _ common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c}
	if c.Vault != nil && c.Vault.Unlocked() { // in memory, no I/O: a later session never sees the prompt
		return s, func() tea.Msg { return vaultCheckedMsg{exists: true, unlocked: true} }
	}
	return s, checkVaultCmd(c.Ctx, c.Vault)
}

// unlocked tells the root the vault is open and the engine resumed (or failed to).
func unlocked() tea.Msg { return common.UnlockedMsg{} }

// Update handles keys and the results of the screen's commands.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		return s.unlockKey(k)
	}
	return s.updateUnlock(msg)
}

// View draws the passphrase box in the middle of the screen.
func (s *Screen) View(now time.Time) string { return s.unlockView(now) }

// ShortHelp is empty: the box shows its own keys, and the global bindings are off here.
func (s *Screen) ShortHelp() []key.Binding { return nil }

// SetSize records the body's size.
func (s *Screen) SetSize(w, h int) { s.w, s.h = w, h }

// TakesText is true: every key goes into the passphrase.
func (s *Screen) TakesText() bool { return true }

// Busy reports key derivation or the engine's resume under way.
func (s *Screen) Busy() bool { return s.busy || s.resuming }

func (s *Screen) helpView(b []key.Binding) string {
	h := help.New()
	h.Styles = s.c.Styles.Help
	h.Width = s.w
	return h.ShortHelpView(b)
}

func (u *Screen) Wipe() {
	u.pass.Wipe()
	u.repeat.Wipe()
}

func (s *Screen) updateUnlock(msg tea.Msg) tea.Cmd {
	u := s
	switch msg := msg.(type) {
	case vaultCheckedMsg:
		if msg.err != nil {
			u.err, u.fatal = "cannot read the vault: "+common.Clean(msg.err.Error())+". Check QUANTDECK_HOME and quit with ctrl+c.", true
			u.checked = true
			return nil
		}
		if msg.unlocked {
			if u.busy || u.resuming {
				return nil // our own unlock is under way or done
			}
			return unlocked
		}
		u.checked, u.create = true, !msg.exists
		if msg.attempts > 0 {
			u.attempts, u.delay, u.delayAt = msg.attempts, msg.delay, s.c.Now()
		}
		return s.unlockPoll()
	case unlockPollMsg:
		if u.resuming {
			return nil
		}
		if u.busy {
			return s.unlockPoll() // our own attempt is running: look again later
		}
		return tea.Batch(pollUnlockedCmd(s.c.Vault), s.unlockPoll())
	case unlockFailedMsg:
		u.busy = false
		var wp *vault.WrongPassphraseError
		switch {
		case errors.As(msg.err, &wp):
			u.attempts, u.delay, u.delayAt = wp.Attempts, wp.Delay, s.c.Now()
			u.err = "wrong passphrase"
			return s.unlockTick()
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
		return resumeCmd(s.c.Ctx, s.c.OnUnlock)
	case resumedMsg:
		u.resuming = false
		cmd := tea.Cmd(unlocked)
		if msg.err != nil {
			s.c.Host.Error("the vault is open but the engine did not resume", msg.err)
		}
		return cmd
	case unlockTickMsg:
		if u.delay > 0 && s.c.Now().Sub(u.delayAt) < u.delay {
			return s.unlockTick()
		}
		return nil
	}
	return nil
}

func (s *Screen) unlockTick() tea.Cmd {
	return s.c.Tick(250*time.Millisecond, func(time.Time) tea.Msg { return unlockTickMsg{} })
}

func (s *Screen) unlockKey(k tea.KeyMsg) tea.Cmd {
	u := s
	if key.Matches(k, s.c.Keys.ForceQuit) {
		u.Wipe()
		return s.c.Host.Quit()
	}
	if u.busy || u.resuming || !u.checked || u.fatal {
		return nil
	}
	field := &u.pass
	if u.create && u.step == 1 {
		field = &u.repeat
	}
	if k.Type == tea.KeyEnter {
		return s.submitUnlock()
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

func (s *Screen) submitUnlock() tea.Cmd {
	u := s
	if !u.create {
		if u.pass.Len() == 0 {
			u.err = "type the vault passphrase, then enter"
			return nil
		}
		u.busy, u.busyAt, u.err = true, s.c.Now(), ""
		u.waitFor = u.pendingWait(s.c.Now())
		return tea.Batch(unlockCmd(s.c.Ctx, s.c.Vault, u.pass.Take()), s.c.Host.Spin())
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
	u.busy, u.busyAt, u.err, u.waitFor = true, s.c.Now(), "", 0
	return tea.Batch(createCmd(s.c.Ctx, s.c.Vault, u.pass.Take(), s.c.KDFIterations), s.c.Host.Spin())
}

func (u *Screen) pendingWait(now time.Time) time.Duration {
	if u.delay <= 0 {
		return 0
	}
	return max(u.delay-now.Sub(u.delayAt), 0)
}

// unlockCmd derives the key (and waits out the vault's delay) off the UI loop; it zeroes its
// copy of the passphrase when done.
func unlockCmd(ctx context.Context, v common.Unlocker, pass []byte) tea.Cmd {
	return func() tea.Msg {
		defer common.Zero(pass)
		if err := v.Unlock(ctx, pass); err != nil {
			return unlockFailedMsg{err: err}
		}
		return unlockedMsg{}
	}
}

func createCmd(ctx context.Context, v common.Unlocker, pass []byte, iterations int) tea.Cmd {
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

func (s *Screen) unlockView(now time.Time) string {
	u, st := s, s.c.Styles
	width := min(max(s.w-4, 20), 64)
	var b strings.Builder
	title := "Unlock the vault"
	if !u.checked {
		title = "Opening the vault"
	} else if u.create {
		title = "Create the vault"
	}
	b.WriteString(st.Title.Render("QuantDeck") + st.Muted.Render("  "+s.c.Version+" · "+s.c.Exchange) + "\n\n")
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
		b.WriteString(st.Label.Render(common.PadRight(label, 11)) + common.SecretView(s.c.Styles, &u.pass, !u.create || u.step == 0, width-12) + "\n")
		if u.create {
			b.WriteString(st.Label.Render(common.PadRight("Repeat", 11)) + common.SecretView(s.c.Styles, &u.repeat, u.step == 1, width-12) + "\n")
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
		b.WriteString(s.c.Host.SpinView() + " vault open, starting the engine…\n")
	case u.busy && u.waitFor > 0 && now.Sub(u.busyAt) < u.waitFor:
		left := u.waitFor - now.Sub(u.busyAt)
		b.WriteString(s.c.Host.SpinView() + st.Warn.Render(fmt.Sprintf(" waiting %s after %s before trying…", common.FmtAge(left), common.Plural(u.attempts, "wrong passphrase", "wrong passphrases"))) + "\n")
	case u.busy && u.create:
		b.WriteString(s.c.Host.SpinView() + " creating the vault (deriving the key takes about half a second)…\n")
	case u.busy:
		b.WriteString(s.c.Host.SpinView() + " deriving the key…\n")
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
	b.WriteString("\n" + s.helpView([]key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", verb)),
		s.c.Keys.ForceQuit,
	}))
	box := st.Box.Width(width + 2).Render(b.String())
	return lipgloss.Place(s.w, s.h, lipgloss.Center, lipgloss.Center, box)
}

// delayReporter is implemented by vaults that can say, before an attempt, how long it will
// wait because of earlier wrong passphrases.
type delayReporter interface {
	PendingDelay(ctx context.Context) (time.Duration, int, error)
}

var errNoVaultConfigured = errors.New("no vault is configured for this session")

type vaultCheckedMsg struct {
	exists, unlocked bool
	delay            time.Duration
	attempts         int
	err              error
}

func checkVaultCmd(ctx context.Context, v common.Unlocker) tea.Cmd {
	return func() tea.Msg {
		if v == nil {
			return vaultCheckedMsg{err: errNoVaultConfigured}
		}
		if v.Unlocked() {
			return vaultCheckedMsg{exists: true, unlocked: true}
		}
		c, cancel := context.WithTimeout(ctx, common.CallTimeout)
		defer cancel()
		ok, err := v.Exists(c)
		if err != nil {
			return vaultCheckedMsg{err: err}
		}
		msg := vaultCheckedMsg{exists: ok}
		if dr, isDR := v.(delayReporter); ok && isDR {
			msg.delay, msg.attempts, _ = dr.PendingDelay(c)
		}
		return msg
	}
}
