package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/sshd"
	"github.com/quantdeck/quantdeck/tui"
)

// startSSH hosts the cockpit over SSH for `quantdeck serve --ssh` until ctx ends. Every session
// gets its own cockpit attached to the running engine; a session that unlocks a sealed vault
// resumes the engine for everyone, and leaving a session never stops a bot.
func startSSH(ctx context.Context, rt *runtime, st config.Settings) error {
	srv, err := newSSHServer(rt, st, sshLogger(rt.Log))
	if err != nil {
		return err
	}
	return srv.Serve(ctx)
}

// newSSHServer wires the cockpit into an SSH server for st.SSHAddr.
func newSSHServer(rt *runtime, st config.Settings, log *slog.Logger) (*sshd.Server, error) {
	resume := &resumer{rt: rt}
	return sshd.New(sshd.Config{
		Addr:        st.SSHAddr,
		AllowRemote: st.APIAllowRemote,
		Home:        st.Home,
		Logger:      log,
		OnListen:    func(addr string) { rt.sshAddr.Store(&addr) },
		NewModel: func(ctx context.Context, s sshd.Session) (tea.Model, error) {
			return tui.New(tui.Options{
				Engine:        rt.Engine,
				Vault:         rt.Vault,
				Checker:       rt.Checker,
				Renderer:      s.Renderer,
				Exchange:      st.Exchange,
				Version:       Version,
				KDFIterations: st.KDFIterations,
				OnUnlock:      resume.afterUnlock,
				EngineFailure: rt.engineFailure,
				Now:           time.Now,
				Context:       ctx,
				Detached:      true,
			}), nil
		},
	})
}

// resumer resumes the engine after a session unlocks the vault. Two sessions may unlock at
// nearly the same moment; resuming one after the other keeps bots from being started twice.
type resumer struct {
	mu sync.Mutex
	rt *runtime
}

func (r *resumer) afterUnlock(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.rt.resume(ctx); err != nil {
		return fmt.Errorf("resuming bots after unlock: %w", err)
	}
	r.rt.Log.Info("ssh: vault unlocked from a session; bots resumed")
	return nil
}

// sshLogger sends the SSH server's events to the log file and to standard error, where the
// person starting serve (or the systemd journal) sees the host key fingerprint, the command to
// attach and any warning.
func sshLogger(file *slog.Logger) *slog.Logger {
	term := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(teeHandler{file: file.Handler(), term: term})
}

// teeHandler writes every record to both handlers.
type teeHandler struct {
	file, term slog.Handler
}

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.file.Enabled(ctx, l) || h.term.Enabled(ctx, l)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.file.Enabled(ctx, r.Level) {
		err = h.file.Handle(ctx, r.Clone())
	}
	if h.term.Enabled(ctx, r.Level) {
		if e := h.term.Handle(ctx, r); err == nil {
			err = e
		}
	}
	return err
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{file: h.file.WithAttrs(as), term: h.term.WithAttrs(as)}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{file: h.file.WithGroup(name), term: h.term.WithGroup(name)}
}
