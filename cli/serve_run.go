package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/quantdeck/quantdeck/app"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/vault"
)

// openApp opens the application host for st's data directory; the caller holds its lock.
func openApp(ctx context.Context, st config.Settings) (*app.App, error) {
	return app.Open(ctx, st, app.Options{Version: Version})
}

// runServe opens the host for a locked data directory, unlocks and resumes (or starts
// sealed), and serves until ctx ends.
func runServe(ctx context.Context, env *Env, st config.Settings, pass vault.Secret, withSSH bool) error {
	a, err := openApp(ctx, st)
	if err != nil {
		return err
	}
	out := newServeLog(env.Stderr, a.Log)
	out.Info("serve: starting", "version", Version, "home", st.Home, "exchange", st.Exchange)

	err = unlockAndResume(ctx, a, pass, out)
	pass.Zero()
	if err == nil {
		err = runServers(ctx, env, a, withSSH, out)
	}
	out.Info("serve: stopping the engine", "effect", "no new orders; journal flushed; bots' state kept for the next start")
	if cerr := a.Close(); cerr != nil {
		// The log file is closed by now: only standard error can still say it.
		out.term.Error("serve: engine shutdown", "err", cerr.Error())
		return errors.Join(err, fmt.Errorf("serve: stopping: %w", cerr))
	}
	if err == nil {
		out.term.Info("serve: stopped")
	}
	return err
}

// unlockAndResume unlocks the vault and resumes the engine, or leaves both sealed when no
// passphrase was given and a vault exists.
func unlockAndResume(ctx context.Context, a *app.App, pass vault.Secret, out *serveLog) error {
	exists, err := a.VaultExists(ctx)
	if err != nil {
		return err
	}
	switch {
	case exists && pass == nil:
		out.Warn("serve: sealed", "why", "no passphrase given (set "+config.EnvVaultPassphrase+" or --passphrase-file)",
			"effect", "prices stream; no bot runs and no secret is decrypted until the vault is unlocked")
		return nil
	case exists:
		err = a.Unlock(ctx, pass)
	default:
		if pass != nil {
			out.Warn("serve: no vault yet; the passphrase is not used", "hint", "add a key with `quantdeck keys add` to create one")
		}
		if err = a.Resume(ctx); err != nil {
			err = &app.ResumeError{Err: err}
		}
	}
	var rerr *app.ResumeError
	if err != nil && !errors.As(err, &rerr) {
		return fmt.Errorf("serve: unlocking the vault: %w", err)
	}
	if exists {
		out.Info("serve: vault unlocked")
	}
	if err := a.CheckEngine(out); err != nil {
		return err
	}
	if rerr != nil {
		// Some journal rows could not be reconciled yet; the engine keeps the affected bots
		// stopped and the host retries in the background. Serving still makes sense.
		out.Warn("serve: resuming bots", "err", rerr.Err.Error())
	} else {
		out.Info("serve: bots resumed")
	}
	return nil
}

// runServers runs the control socket, the API (when a token is set) and the SSH cockpit (with
// --ssh) until ctx ends or one of them fails.
func runServers(ctx context.Context, env *Env, a *app.App, withSSH bool, out *serveLog) error {
	return a.Serve(ctx, app.ServeOptions{
		SSH:     withSSH,
		SSHLog:  sshLogger(a.Log),
		Out:     out,
		Warning: func(w string) { fmt.Fprintln(env.Stderr, "warning:", w) },
	})
}
