package sshd

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// session is an SSH session on its way through the middleware chain: guard wraps the client's
// session in it so the program handler can reach the session's context and report back how
// the cockpit ended. Window changes reach the chain through a channel of its own that is never
// closed, so a client closing the session cannot turn the resize loop into a busy one.
type session struct {
	ssh.Session
	windows chan ssh.Window
	in      *input
	ctx     context.Context // ends with the connection or the server
	log     *slog.Logger

	failed   error       // the model factory refused to build the cockpit
	started  bool        // a program was built and handed to the Bubble Tea middleware
	quit     atomic.Bool // the cockpit asked to quit (tea.Quit)
	closed   atomic.Bool // the client closed the session
	stopQuit func() bool // releases the hook that quits the program when ctx ends
}

// Pty reports the client's terminal with the session's own window-change channel.
func (w *session) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	pty, _, ok := w.Session.Pty()
	return pty, w.windows, ok
}

// Read reads what the client types.
func (w *session) Read(p []byte) (int, error) { return w.in.read(p, nil, false) }

// guard is the outermost middleware: it counts the session for shutdown, keeps a panic inside
// one session from reaching the server, refuses commands and subsystems, and tells the client
// how the session ended once the cockpit returns.
func (s *Server) guard(serverCtx context.Context, sessions *tracker) wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			if !sessions.add() {
				return
			}
			defer sessions.done()
			s.runSession(serverCtx, sess, next)
		}
	}
}

func (s *Server) runSession(serverCtx context.Context, sess ssh.Session, next ssh.Handler) {
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
	_, windows, ok := sess.Pty()
	if !ok {
		// activeterm refuses the session; say how to get a terminal first.
		fmt.Fprint(sess.Stderr(), "quantdeck: the cockpit needs a terminal; connect with `ssh -t`\r\n")
		next(sess)
		return
	}

	// The program lives as long as both the session and the server.
	ctx, cancel := context.WithCancel(serverCtx)
	defer cancel()
	stop := context.AfterFunc(sess.Context(), cancel)
	defer stop()

	fp := ""
	if k := sess.PublicKey(); k != nil {
		fp = gossh.FingerprintSHA256(k)
	}
	w := &session{
		Session: sess,
		windows: make(chan ssh.Window, 1),
		in:      newInput(sess, ctx.Done()),
		ctx:     ctx,
		log:     s.log.With("remote", remote, "user", sess.User(), "key", fp),
	}
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		if forwardWindows(ctx, windows, w.windows) {
			// The client closed this session while keeping its connection, as a shared
			// (ControlMaster) connection does: end the cockpit rather than leave it running.
			w.closed.Store(true)
			cancel()
		}
	}()

	began := time.Now()
	next(w)
	if w.stopQuit != nil {
		w.stopQuit()
	}
	cancel()
	<-forwarded
	s.report(serverCtx, w, began)
}

// forwardWindows copies window changes from the client's channel to the session's own until
// ctx ends or the client's channel closes, which happens when the client closes the session;
// closed reports the latter.
func forwardWindows(ctx context.Context, in <-chan ssh.Window, out chan<- ssh.Window) (closed bool) {
	for {
		select {
		case <-ctx.Done():
			return false
		case win, ok := <-in:
			if !ok {
				return true
			}
			select {
			case out <- win:
			case <-ctx.Done():
				return false
			}
		}
	}
}

// report tells the client and the log how the session ended.
func (s *Server) report(serverCtx context.Context, w *session, began time.Time) {
	after := time.Since(began).Round(time.Second).String()
	switch {
	case w.failed != nil:
		w.log.Error("ssh: cannot open the cockpit", "err", w.failed.Error())
		fmt.Fprintf(w.Stderr(), "quantdeck: cannot open the cockpit: %v\r\n", w.failed)
		_ = w.Exit(1)
	case !w.started:
		// The Bubble Tea middleware refused the session before a program was built.
		_ = w.Exit(1)
	case serverCtx.Err() != nil:
		fmt.Fprint(w, "quantdeck: the server is shutting down\r\n")
		w.log.Info("ssh: session closed by server shutdown")
	case w.Context().Err() != nil || w.closed.Load():
		w.log.Info("ssh: client went away", "after", after)
	case w.quit.Load():
		fmt.Fprint(w, "quantdeck: detached; the engine keeps running\r\n")
		w.log.Info("ssh: session detached", "after", after)
	default:
		w.log.Error("ssh: cockpit session failed")
		fmt.Fprint(w.Stderr(), "quantdeck: the cockpit stopped after an internal error; the engine keeps running\r\n")
		_ = w.Exit(1)
	}
}

// program builds the session's Bubble Tea program for wish's middleware, which runs it and
// sends it the window changes. It returns nil, which ends the session, when the model factory
// fails.
func (s *Server) program(sess ssh.Session) *tea.Program {
	w, ok := sess.(*session)
	if !ok {
		return nil
	}
	pty, _, _ := sess.Pty()
	// MakeRenderer reads the client's NO_COLOR, COLORTERM and TERM and asks the terminal for
	// its background, waiting queryWait at most for the answer. Settle the background now,
	// before the program owns the input: the dark default when the terminal did not answer.
	query := time.NewTimer(queryWait)
	renderer := bubbletea.MakeRenderer(querying{session: w, deadline: query.C})
	query.Stop()
	w.in.replay()
	renderer.SetHasDarkBackground(renderer.HasDarkBackground())

	comment, _ := sess.Context().Value(keyCommentKey{}).(string)
	model, err := s.cfg.NewModel(w.ctx, Session{
		User:       sess.User(),
		RemoteAddr: sess.RemoteAddr(),
		KeyComment: comment,
		Term:       pty.Term,
		Width:      pty.Window.Width,
		Height:     pty.Window.Height,
		Renderer:   renderer,
	})
	if err != nil {
		w.failed = err
		return nil
	}
	opts := append(bubbletea.MakeOptions(sess),
		tea.WithEnvironment(sessionEnviron(sess.Environ(), pty.Term)),
		tea.WithAltScreen(),
		// Signals belong to the server process, not to one session.
		tea.WithoutSignalHandler(),
	)
	opts = append(opts, s.cfg.ProgramOptions...)
	opts = append(opts, tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(tea.QuitMsg); ok {
			w.quit.Store(true)
		}
		return msg
	}))
	p := tea.NewProgram(model, opts...)
	// Quitting (rather than killing) on shutdown or disconnect restores the client's screen
	// and ends Run without an error.
	w.stopQuit = context.AfterFunc(w.ctx, p.Quit)
	w.started = true
	w.log.Info("ssh: session attached", "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
	return p
}

// sessionEnviron is a session's environment as Bubble Tea reads it: the variables the client
// sent (NO_COLOR, COLORTERM, ...) plus TERM from its pty request.
func sessionEnviron(sent []string, term string) []string {
	list := make([]string, 0, len(sent)+1)
	for _, kv := range sent {
		if !strings.HasPrefix(kv, "TERM=") {
			list = append(list, kv)
		}
	}
	if term != "" {
		list = append(list, "TERM="+term)
	}
	return list
}
