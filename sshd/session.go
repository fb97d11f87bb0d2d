package sshd

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// handle runs one session: it refuses anything but an interactive shell with a terminal, then
// runs the cockpit until the user quits, the client goes away or the server stops.
func (s *Server) handle(serverCtx context.Context, sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	// A panic in one session (building its model, say) must never take the engine down with
	// the process. Bubble Tea recovers panics inside the program itself.
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ssh: session failed", "remote", remote, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprint(sess.Stderr(), "\r\nquantdeck: the cockpit stopped after an internal error; the engine keeps running\r\n")
			_ = sess.Exit(1)
		}
	}()
	if len(sess.Command()) > 0 || sess.Subsystem() != "" {
		fmt.Fprint(sess.Stderr(), "quantdeck: commands are not supported over SSH; connect without one to open the cockpit\r\n")
		_ = sess.Exit(1)
		return
	}
	pty, windows, ok := sess.Pty()
	if !ok {
		fmt.Fprint(sess.Stderr(), "quantdeck: the cockpit needs a terminal; connect with `ssh -t`\r\n")
		_ = sess.Exit(1)
		return
	}

	// The program lives as long as both the session and the server.
	ctx, cancel := context.WithCancel(serverCtx)
	defer cancel()
	stop := context.AfterFunc(sess.Context(), cancel)
	defer stop()

	env := sessionEnviron(sess.Environ(), pty.Term)
	renderer := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe())
	// Decide the background once before the program starts, as the local cockpit does; over
	// SSH the terminal cannot be queried, so this settles on the dark default without blocking.
	renderer.SetHasDarkBackground(renderer.HasDarkBackground())

	comment, _ := sess.Context().Value(keyCommentKey{}).(string)
	info := Session{
		User:       sess.User(),
		RemoteAddr: sess.RemoteAddr(),
		KeyComment: comment,
		Term:       pty.Term,
		Width:      pty.Window.Width,
		Height:     pty.Window.Height,
		Renderer:   renderer,
	}
	fp := ""
	if k := sess.PublicKey(); k != nil {
		fp = gossh.FingerprintSHA256(k)
	}
	log := s.log.With("remote", remote, "user", sess.User(), "key", fp)

	model, err := s.cfg.NewModel(ctx, info)
	if err != nil {
		log.Error("ssh: cannot open the cockpit", "err", err.Error())
		fmt.Fprintf(sess.Stderr(), "quantdeck: cannot open the cockpit: %v\r\n", err)
		_ = sess.Exit(1)
		return
	}
	opts := append([]tea.ProgramOption{
		tea.WithInput(sess),
		tea.WithOutput(sess),
		tea.WithContext(ctx),
		tea.WithEnvironment(env.list),
		tea.WithAltScreen(),
		// Signals belong to the server process, not to one session.
		tea.WithoutSignalHandler(),
	}, s.cfg.ProgramOptions...)
	p := tea.NewProgram(model, opts...)

	// The client's window size reaches the program as WindowSizeMsg: the initial size first,
	// then every change.
	resized := make(chan struct{})
	go func() {
		defer close(resized)
		for {
			select {
			case <-ctx.Done():
				return
			case w, ok := <-windows:
				if !ok {
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()

	log.Info("ssh: session attached", "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
	began := time.Now()
	_, err = p.Run()
	cancel()
	<-resized
	switch {
	case err == nil:
		fmt.Fprint(sess, "quantdeck: detached; the engine keeps running\r\n")
		log.Info("ssh: session detached", "after", time.Since(began).Round(time.Second).String())
	case serverCtx.Err() != nil:
		fmt.Fprint(sess, "quantdeck: the server is shutting down\r\n")
		log.Info("ssh: session closed by server shutdown")
	case errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, tea.ErrProgramPanic):
		log.Info("ssh: client went away", "after", time.Since(began).Round(time.Second).String())
	default:
		log.Error("ssh: cockpit session failed", "err", err.Error())
		fmt.Fprint(sess.Stderr(), "quantdeck: the cockpit stopped after an internal error; the engine keeps running\r\n")
		_ = sess.Exit(1)
	}
}

// environ is a session's environment as termenv and Bubble Tea read it: the variables the
// client sent (NO_COLOR, COLORTERM, ...) plus TERM from its pty request.
type environ struct{ list []string }

func sessionEnviron(sent []string, term string) environ {
	list := make([]string, 0, len(sent)+1)
	for _, kv := range sent {
		if !strings.HasPrefix(kv, "TERM=") {
			list = append(list, kv)
		}
	}
	if term != "" {
		list = append(list, "TERM="+term)
	}
	return environ{list: list}
}

// Environ implements termenv.Environ.
func (e environ) Environ() []string { return e.list }

// Getenv implements termenv.Environ; the last assignment wins, as in a shell.
func (e environ) Getenv(key string) string {
	v := ""
	for _, kv := range e.list {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
