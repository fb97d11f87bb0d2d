package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

// Unlocker opens the vault. *vault.Vault implements it.
type Unlocker interface {
	Exists(ctx context.Context) (bool, error)
	Create(ctx context.Context, pass []byte, iterations int) error
	Unlock(ctx context.Context, pass []byte) error
	Unlocked() bool
}

// KeyStore manages exchange credentials and the passphrase. *vault.Vault implements it.
type KeyStore interface {
	Credentials(ctx context.Context) ([]vault.Credential, error)
	AddCredential(ctx context.Context, label, exchangeName string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error)
	RotateCredential(ctx context.Context, label string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error)
	ChangePassphrase(ctx context.Context, oldPass, newPass []byte, iterations int) error
}

// Vault is everything the cockpit uses of the vault.
type Vault interface {
	Unlocker
	KeyStore
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

func checkVaultCmd(ctx context.Context, v Unlocker) tea.Cmd {
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
