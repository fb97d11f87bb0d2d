package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/vault"
)

// runServe opens the runtime for a locked data directory, unlocks and resumes (or starts
// sealed), and serves until ctx ends.
func runServe(ctx context.Context, env *Env, st config.Settings, pass vault.Secret, withSSH bool) error {
	rt, err := openRuntime(ctx, env, st)
	if err != nil {
		return err
	}
	out := newServeLog(env.Stderr, rt.Log)
	out.info("serve: starting", "version", Version, "home", st.Home, "exchange", st.Exchange)

	err = unlockAndResume(ctx, rt, pass, out)
	pass.Zero()
	if err == nil {
		err = runServers(ctx, env, rt, st, withSSH, out)
	}
	out.info("serve: stopping the engine", "effect", "no new orders; journal flushed; bots' state kept for the next start")
	if cerr := rt.Close(); cerr != nil {
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
func unlockAndResume(ctx context.Context, rt *runtime, pass vault.Secret, out *serveLog) error {
	exists, err := rt.Vault.Exists(ctx)
	if err != nil {
		return err
	}
	switch {
	case exists && pass == nil:
		out.warn("serve: sealed", "why", "no passphrase given (set "+config.EnvVaultPassphrase+" or --passphrase-file)",
			"effect", "prices stream; no bot runs and no secret is decrypted until the vault is unlocked")
		return nil
	case exists:
		if err := rt.Vault.Unlock(ctx, pass); err != nil {
			return fmt.Errorf("serve: unlocking the vault: %w", err)
		}
		out.info("serve: vault unlocked")
	case pass != nil:
		out.warn("serve: no vault yet; the passphrase is not used", "hint", "add a key with `quantdeck keys add` to create one")
	}
	err = rt.resume(ctx)
	if f := rt.engineFailure(); f != nil {
		return engineStopped(f, out)
	}
	if err != nil {
		// Some journal rows could not be reconciled yet; the engine keeps the affected bots
		// stopped and retries on the next Resume. Serving still makes sense.
		out.warn("serve: resuming bots", "err", err.Error())
	} else {
		out.info("serve: bots resumed")
	}
	return nil
}

// engineStopped reports an engine that stopped on its own and returns the error serve exits
// with: a service whose engine is gone must not go on answering as if it traded, and a non-zero
// exit lets systemd (Restart=on-failure) start it again.
func engineStopped(cause error, out *serveLog) error {
	out.error("serve: the engine stopped", "err", cause.Error(),
		"effect", "no prices and no orders; serve exits so its supervisor can start it again")
	return fmt.Errorf("serve: the engine stopped: %w", cause)
}

// runServers runs the control socket, the API (when a token is set) and the SSH cockpit (with
// --ssh) until ctx ends or one of them fails.
func runServers(ctx context.Context, env *Env, rt *runtime, st config.Settings, withSSH bool, out *serveLog) error {
	srv, err := newAPIServer(rt, st, func(msg string, args ...any) { out.warn(msg, args...) })
	if err != nil {
		return err
	}
	g := newServerGroup(ctx, true, nil)
	defer g.cancel()
	startControlServers(g, srv, st)
	out.info("serve: control socket listening", "path", instance.SocketPath(st.Home))
	if st.APIToken != "" {
		if w := srv.Warning(); w != "" {
			fmt.Fprintln(env.Stderr, "warning:", w)
		}
		out.info("serve: control API listening", "addr", srv.Addr())
	} else {
		out.info("serve: control API not started", "why", config.EnvAPIToken+" is not set",
			"hint", "create a token with `quantdeck token`")
	}
	if withSSH {
		g.run("ssh", func(ctx context.Context) error { return startSSH(ctx, rt, st) })
	}
	g.run("engine", func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return nil
		case <-rt.engineStopped():
			if f := rt.engineFailure(); f != nil {
				return engineStopped(f, out)
			}
			return nil
		}
	})
	<-g.ctx.Done()
	out.info("serve: shutting down")
	return g.wait()
}

// startControlServers runs the control socket and either the API (with a token) or, without
// one, the metrics collection the socket's /metrics reads.
func startControlServers(g *serverGroup, srv *api.Server, st config.Settings) {
	g.run("control socket", func(ctx context.Context) error {
		return instance.ServeControl(ctx, st.Home, srv.LocalHandler())
	})
	if st.APIToken != "" {
		g.run("control API", srv.Serve)
	} else {
		g.run("metrics", func(ctx context.Context) error { srv.CollectEvents(ctx); return nil })
	}
}

// serverGroup runs servers until its context ends, collecting their failures.
type serverGroup struct {
	ctx         context.Context
	cancel      context.CancelFunc
	stopOnError bool                         // one failure stops the others
	onError     func(name string, err error) // optional report of each failure
	wg          sync.WaitGroup
	mu          sync.Mutex
	errs        []error
}

func newServerGroup(ctx context.Context, stopOnError bool, onError func(string, error)) *serverGroup {
	ctx, cancel := context.WithCancel(ctx)
	return &serverGroup{ctx: ctx, cancel: cancel, stopOnError: stopOnError, onError: onError}
}

func (g *serverGroup) run(name string, f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := f(g.ctx)
		if err == nil {
			return
		}
		if g.onError != nil {
			g.onError(name, err)
		}
		g.mu.Lock()
		g.errs = append(g.errs, fmt.Errorf("%s: %w", name, err))
		g.mu.Unlock()
		if g.stopOnError {
			g.cancel()
		}
	}()
}

// wait waits for every server to return and joins their failures.
func (g *serverGroup) wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}

// newAPIServer builds the control API over rt's engine: token-protected when a token is set,
// local-only (control socket) otherwise. Sealing through the socket stops live bots, then
// drops the vault key; warn reports it.
func newAPIServer(rt *runtime, st config.Settings, warn func(msg string, args ...any)) (*api.Server, error) {
	seal := func(ctx context.Context) error {
		err := rt.Engine.Seal(ctx)
		rt.Vault.Seal()
		warn("serve: sealed on request", "effect", "live bots stopped until the vault is unlocked")
		return err
	}
	cfg := api.Config{
		Addr: st.APIAddr, Token: st.APIToken, AllowRemote: st.APIAllowRemote, Engine: rt.Engine,
		Version: Version, Exchange: st.Exchange, Logger: rt.Log,
		VaultState: func() string { return vaultState(rt) }, Seal: seal,
		SSHAddr: func() string {
			if p := rt.sshAddr.Load(); p != nil {
				return *p
			}
			return ""
		},
	}
	if st.APIToken != "" {
		return api.New(cfg)
	}
	return api.NewLocal(cfg)
}

// vaultState is "unlocked", "sealed", or "none" while no vault has been created.
func vaultState(rt *runtime) string {
	if rt.Vault.Unlocked() {
		return "unlocked"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ok, err := rt.Vault.Exists(ctx); err == nil && !ok {
		return "none"
	}
	return "sealed"
}
