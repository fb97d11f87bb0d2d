package app

import (
	"context"
	"time"
)

// ResumeError is an unlock that opened the vault but could not resume every bot yet (some
// journal rows could not be reconciled: the exchange is unreachable, the IP is banned). The
// affected bots stay stopped and the host keeps trying in the background.
type ResumeError struct{ Err error }

func (e *ResumeError) Error() string { return "resuming bots: " + e.Err.Error() }

// Unwrap returns the engine's error.
func (e *ResumeError) Unwrap() error { return e.Err }

// VaultExists reports whether a vault has been created in this data directory.
func (a *App) VaultExists(ctx context.Context) (bool, error) { return a.Vault.Exists(ctx) }

// Unlock opens the vault with pass and resumes the engine. A wrong passphrase or a damaged
// vault comes back as the vault's error with nothing resumed; a resume that could not finish
// comes back as a *ResumeError with the vault open and a retry under way. The caller keeps
// and zeroes pass.
func (a *App) Unlock(ctx context.Context, pass []byte) error {
	if err := a.Vault.Unlock(ctx, pass); err != nil {
		return err
	}
	if err := a.Resume(ctx); err != nil {
		return &ResumeError{Err: err}
	}
	return nil
}

// Resume reconciles the journal and restarts the bots that were running; call it once the
// vault is open (the cockpit's and the SSH sessions' unlock screens do), or with no vault at
// all for paper bots. The engine runs one resume at a time, so sessions unlocking at nearly
// the same moment never start a bot twice. When some orders cannot be reconciled yet, Resume
// returns that error for the user to see and keeps trying in the background, with backoff,
// until a resume succeeds or the host closes: bots must not stay stopped because the network
// blinked at start.
func (a *App) Resume(ctx context.Context) error {
	// Every start (and every unlock) asks the exchange again what the live keys may do before
	// any bot resumes: a key that gained withdrawal rights while QuantDeck was down pauses its
	// bots instead of trading.
	if a.keyCheck != nil && a.Vault.Unlocked() {
		a.keyCheck.checkAll(ctx)
	}
	err := a.Engine.Resume(ctx)
	if err == nil || ctx.Err() != nil || a.runCtx == nil {
		return err
	}
	a.retryMu.Lock()
	defer a.retryMu.Unlock()
	if a.retrying {
		return err
	}
	a.retrying = true
	go a.retryResume(a.runCtx, a.resumeWait)
	return err
}

func (a *App) retryResume(ctx context.Context, first time.Duration) {
	defer func() {
		a.retryMu.Lock()
		a.retrying = false
		a.retryMu.Unlock()
	}()
	wait := first
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if !a.Vault.Unlocked() {
			continue // sealed meanwhile: the next unlock resumes
		}
		err := a.Engine.Resume(ctx)
		if err == nil {
			a.Log.Info("bots resumed after an earlier failure")
			return
		}
		a.Log.Warn("resuming bots failed; trying again", "err", err.Error(), "in", (2 * wait).String())
		wait = min(2*wait, time.Minute)
	}
}

// Seal stops the live bots, then drops the derived vault key. Prices keep streaming and paper
// bots keep running; nothing secret can be decrypted until the next Unlock.
func (a *App) Seal(ctx context.Context) error {
	err := a.Engine.Seal(ctx)
	a.Vault.Seal()
	return err
}

// VaultState is "unlocked", "sealed", or "none" while no vault has been created.
func (a *App) VaultState() string {
	if a.Vault.Unlocked() {
		return "unlocked"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ok, err := a.Vault.Exists(ctx); err == nil && !ok {
		return "none"
	}
	return "sealed"
}
