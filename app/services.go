package app

import (
	"context"
	"fmt"
	"log/slog"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
	"github.com/quantdeck/quantdeck/sshd"
)

// Reporter receives the host's lifecycle lines (the log file, and for serve standard error
// too). Callers pass no secrets.
type Reporter interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// ServeOptions say what runs beside the engine in `quantdeck serve`.
type ServeOptions struct {
	// SSH also hosts the cockpit over SSH on the configured address.
	SSH bool
	// SSHLog receives the SSH server's events; the host's log when nil.
	SSHLog *slog.Logger
	// Out receives lifecycle lines.
	Out Reporter
	// Warning receives the non-loopback risk warning of the control API, when there is one.
	Warning func(string)
}

// Serve runs the control socket, the API (when a token is set) and the SSH cockpit (with
// SSH) until ctx ends, one of them fails, or the engine stops on its own.
func (a *App) Serve(ctx context.Context, o ServeOptions) error {
	srv, err := a.NewAPIServer(func(msg string, args ...any) { o.Out.Warn(msg, args...) })
	if err != nil {
		return err
	}
	g := newGroup(ctx, true, nil)
	defer g.cancel()
	a.startControl(g, srv)
	o.Out.Info("serve: control socket listening", "path", instance.SocketPath(a.Settings.Home))
	if a.Settings.APIToken != "" {
		if w := srv.Warning(); w != "" && o.Warning != nil {
			o.Warning(w)
		}
		o.Out.Info("serve: control API listening", "addr", srv.Addr())
	} else {
		o.Out.Info("serve: control API not started", "why", config.EnvAPIToken+" is not set",
			"hint", "create a token with `quantdeck token`")
	}
	if o.SSH {
		log := o.SSHLog
		if log == nil {
			log = a.Log
		}
		g.run("ssh", func(ctx context.Context) error {
			srv, err := a.NewSSHServer(log)
			if err != nil {
				return err
			}
			return srv.Serve(ctx)
		})
	}
	g.run("engine", func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return nil
		case <-a.EngineStopped():
			return a.CheckEngine(o.Out)
		}
	})
	<-g.ctx.Done()
	o.Out.Info("serve: shutting down")
	return g.wait()
}

// CheckEngine returns nil while the engine runs. Once it has stopped on its own, it reports
// that and returns the error serve exits with: a service whose engine is gone must not go on
// answering as if it traded, and a non-zero exit lets systemd (Restart=on-failure) start it
// again.
func (a *App) CheckEngine(out Reporter) error {
	f := a.EngineFailure()
	if f == nil {
		return nil
	}
	out.Error("serve: the engine stopped", "err", f.Error(),
		"effect", "no prices and no orders; serve exits so its supervisor can start it again")
	return fmt.Errorf("serve: the engine stopped: %w", f)
}

// StartBackground runs the control socket and, when QUANTDECK_API_TOKEN is set, the control
// API beside the cockpit, so scripts and `quantdeck bots` reach the engine of a running TUI.
// The caller must hold the data directory's lock. Nothing is printed (the UI owns the
// terminal): lines go to the log, and warning is the non-loopback risk warning for the UI to
// show ("" on loopback). stop ends both and waits; it returns what made them fail early, if
// anything.
func (a *App) StartBackground(ctx context.Context) (stop func() error, warning string, err error) {
	srv, err := a.NewAPIServer(func(msg string, args ...any) { a.Log.Warn(msg, args...) })
	if err != nil {
		return nil, "", err
	}
	// One failing service (the API's port taken, say) does not take the other down here: the
	// cockpit keeps running and the failure is in the log.
	g := newGroup(ctx, false, func(name string, err error) {
		a.Log.Error("background server failed", "server", name, "err", err.Error())
	})
	a.startControl(g, srv)
	stop = func() error {
		g.cancel()
		return g.wait()
	}
	return stop, srv.Warning(), nil
}

// startControl runs the control socket and either the API (with a token) or, without one,
// the metrics collection the socket's /metrics reads.
func (a *App) startControl(g *group, srv *api.Server) {
	g.run("control socket", func(ctx context.Context) error {
		return instance.ServeControl(ctx, a.Settings.Home, srv.LocalHandler())
	})
	if a.Settings.APIToken != "" {
		g.run("control API", srv.Serve)
	} else {
		g.run("metrics", func(ctx context.Context) error { srv.CollectEvents(ctx); return nil })
	}
}

// NewAPIServer builds the control API over the engine: token-protected when a token is set,
// local-only (control socket) otherwise. Sealing through the socket stops live bots, then
// drops the vault key; warn reports it.
func (a *App) NewAPIServer(warn func(msg string, args ...any)) (*api.Server, error) {
	st := a.Settings
	seal := func(ctx context.Context) error {
		err := a.Seal(ctx)
		warn("serve: sealed on request", "effect", "live bots stopped until the vault is unlocked")
		return err
	}
	cfg := api.Config{
		Addr: st.APIAddr, Token: st.APIToken, AllowRemote: st.APIAllowRemote, Engine: a.Engine,
		Version: a.Version, Exchange: st.Exchange, Logger: a.Log,
		VaultState: a.VaultState, Seal: seal,
		SSHAddr: func() string {
			if p := a.sshAddr.Load(); p != nil {
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

// NewSSHServer hosts the cockpit over SSH on the configured address. Every session gets its
// own cockpit attached to the running engine; a session that unlocks a sealed vault resumes
// the engine for everyone, and leaving a session never stops a bot.
func (a *App) NewSSHServer(log *slog.Logger) (*sshd.Server, error) {
	st := a.Settings
	return sshd.New(sshd.Config{
		Addr:        st.SSHAddr,
		AllowRemote: st.APIAllowRemote,
		Home:        st.Home,
		Logger:      log,
		OnListen:    func(addr string) { a.sshAddr.Store(&addr) },
		NewModel: func(ctx context.Context, s sshd.Session) (tea.Model, error) {
			return a.Cockpit(ctx, s.Renderer, true), nil
		},
	})
}
