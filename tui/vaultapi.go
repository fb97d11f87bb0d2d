package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/tui/common"
)

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
		c, cancel := context.WithTimeout(ctx, callTimeout)
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
