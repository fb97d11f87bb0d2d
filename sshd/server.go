// Package sshd hosts QuantDeck's cockpit over SSH (`quantdeck serve --ssh`), built on wish:
// public-key authentication against QUANTDECK_HOME/authorized_keys, a persistent ed25519 host
// key, and one Bubble Tea program per session, each with its own renderer, window size and
// colour profile, all attached to the same running engine. Closing a session never stops the
// engine. What wish does not provide stays here: the checks on the files the server trusts,
// the connection cap, the handshake timeout and the graceful shutdown.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/activeterm"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/config"
)

// DefaultAddr is where the cockpit is served when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:2222"

// DefaultHandshakeTimeout is how long a connection may take to authenticate and open its
// session. A key login takes well under a second; anything slower is holding a slot.
const DefaultHandshakeTimeout = 10 * time.Second

// DefaultMaxPendingPerSource is how many connections one source address may hold before they
// are in a session (connecting, authenticating). Sessions do not count: the owner may attach
// as many cockpits as the overall cap allows.
const DefaultMaxPendingPerSource = 8

// ErrRemoteRefused means a non-loopback listen address was given without Config.AllowRemote.
var ErrRemoteRefused = errors.New("refusing to listen on a non-loopback address")

// Session describes one attached SSH session to the model factory.
type Session struct {
	User       string   // the SSH user name (informational: authentication is by key only)
	RemoteAddr net.Addr // the client's address
	KeyComment string   // the comment of the matching authorized_keys line
	Term       string   // the client's TERM
	Width      int      // initial window size; updates arrive as tea.WindowSizeMsg
	Height     int
	// Renderer writes to this session with its own colour profile (NO_COLOR and TERM are the
	// client's); build every style of the session's model from it.
	Renderer *lipgloss.Renderer
}

// ModelFunc builds the model for a new session. ctx ends when the session or the server ends.
type ModelFunc func(ctx context.Context, s Session) (tea.Model, error)

// Config configures a Server.
type Config struct {
	// Addr is the listen address, DefaultAddr when empty.
	Addr string
	// AllowRemote must be true to listen on a non-loopback address.
	AllowRemote bool
	// Home is QUANTDECK_HOME: authorized_keys and the host key live there.
	Home string
	// NewModel builds one model per session. Required.
	NewModel ModelFunc
	// ProgramOptions are added to every session's program after the SSH input/output, the
	// client's environment and the alternate screen, which sshd always sets. A tea.WithFilter
	// among them is replaced: sshd filters messages to learn that the cockpit quit.
	ProgramOptions []tea.ProgramOption
	// Logger receives connection and authentication events; nothing is logged when nil.
	Logger *slog.Logger
	// OnListen, when set, is told the address Serve actually bound (the configured one may
	// name port 0 or a host name), so the process can tell users where to connect.
	OnListen func(addr string)
}

// Server hosts the cockpit over SSH. It is safe to call Serve once per listener.
type Server struct {
	cfg      Config
	log      *slog.Logger
	signer   gossh.Signer
	hostPEM  []byte
	keysPath string
	hostPath string

	// handshakeTimeout drops connections that have not authenticated and opened a session in
	// time; maxConns bounds connections at once so a flood cannot exhaust the process; pending
	// bounds the connections not yet in a session per source address, so one source cannot
	// hold every slot.
	handshakeTimeout time.Duration
	conns            chan struct{}
	pending          *pendingBySource
	// shutdownGrace is how long Serve waits, twice at most, for sessions to end on shutdown.
	shutdownGrace time.Duration
}

// New prepares a server: it checks the address, creates QUANTDECK_HOME/authorized_keys (empty,
// 0600, with instructions) and the host key on first start, and refuses to run when either is
// readable by others. It does not listen yet: see Serve.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Home == "" {
		return nil, errors.New("sshd: no data directory given")
	}
	if cfg.NewModel == nil {
		return nil, errors.New("sshd: no model factory given")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("sshd: listen address %q is not host:port: %w", cfg.Addr, err)
	}
	if !config.IsLoopback(cfg.Addr) {
		if !cfg.AllowRemote {
			return nil, fmt.Errorf("sshd: %w %s; set %s=true to allow it, and prefer a private tunnel such as Tailscale or an SSH port forward",
				ErrRemoteRefused, cfg.Addr, config.EnvAPIAllowRemote)
		}
		log.Warn(RemoteWarning(cfg.Addr))
	}
	if err := ensurePrivateDir(cfg.Home); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:              cfg,
		log:              log,
		keysPath:         filepath.Join(cfg.Home, AuthorizedKeysFile),
		hostPath:         filepath.Join(cfg.Home, HostKeyFile),
		handshakeTimeout: DefaultHandshakeTimeout,
		conns:            make(chan struct{}, 64),
		pending:          newPendingBySource(DefaultMaxPendingPerSource),
		shutdownGrace:    5 * time.Second,
	}
	created, err := ensureAuthorizedKeys(s.keysPath)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("ssh: created an empty authorized_keys; add your public key to it to connect", "path", s.keysPath)
	}
	keys, problems, err := loadAuthorizedKeys(s.keysPath)
	if err != nil {
		return nil, err
	}
	s.logProblems(problems)
	if len(keys) == 0 {
		log.Warn("ssh: no key in authorized_keys yet: nobody can connect until you add one", "path", s.keysPath)
	}
	s.signer, s.hostPEM, created, err = loadOrCreateHostKey(s.hostPath)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("ssh: generated a new host key", "path", s.hostPath)
	}
	log.Info("ssh: host key", "fingerprint", s.Fingerprint())
	return s, nil
}

// RemoteWarning is the warning shown when the cockpit listens on a non-loopback address.
func RemoteWarning(addr string) string {
	return fmt.Sprintf("ssh: listening on %s, which is not loopback: anyone who can reach it may try to log in; "+
		"prefer 127.0.0.1 with a private tunnel such as Tailscale or an SSH port forward", addr)
}

// Fingerprint is the host key's SHA256 fingerprint, as ssh shows it on first connection.
func (s *Server) Fingerprint() string { return gossh.FingerprintSHA256(s.signer.PublicKey()) }

// HostKey is the host's public key in authorized_keys/known_hosts format (no trailing newline).
func (s *Server) HostKey() string {
	b := gossh.MarshalAuthorizedKey(s.signer.PublicKey())
	return string(b[:len(b)-1])
}

// Addr is the configured listen address.
func (s *Server) Addr() string { return s.cfg.Addr }

// AuthorizedKeysPath is where the allowed public keys are listed.
func (s *Server) AuthorizedKeysPath() string { return s.keysPath }

// Serve listens on the configured address and serves until ctx ends, then ends every session
// (restoring each client's screen) and returns nil. The engine is not touched.
func (s *Server) Serve(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sshd: listening on %s: %w; is another QuantDeck serving there? set %s to another address",
			s.cfg.Addr, err, config.EnvSSHAddr)
	}
	s.log.Info("ssh: cockpit available", "addr", ln.Addr().String(), "command", SSHCommand(ln.Addr().String()))
	if s.cfg.OnListen != nil {
		s.cfg.OnListen(ln.Addr().String())
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves on ln (which it closes) until ctx ends. Serve is the usual entry point;
// this one is for callers that bind the socket themselves.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sessions tracker
	srv, err := s.newWishServer(ctx, &sessions)
	if err != nil {
		_ = ln.Close()
		return err
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var serveErr error
	stopped := false
	select {
	case serveErr = <-served:
		stopped = true
	case <-ctx.Done():
	}
	// Stop accepting, let every session's program restore its client's screen, then drop the
	// connections that remain.
	cancel()
	_ = ln.Close()
	done := sessions.closeAndWait()
	select {
	case <-done:
	case <-time.After(s.shutdownGrace):
		s.log.Warn("ssh: sessions did not end in time; closing their connections")
	}
	_ = srv.Close()
	if !stopped {
		<-served
	}
	select {
	case <-done:
		s.log.Info("ssh: stopped")
	case <-time.After(s.shutdownGrace):
		// A session whose model never returns from Update cannot end; do not let it hold
		// the whole process hostage on shutdown.
		s.log.Error("ssh: stopped with sessions still running; their cockpit is stuck")
	}
	if stopped && !errors.Is(serveErr, ssh.ErrServerClosed) {
		return fmt.Errorf("sshd: serving: %w", serveErr)
	}
	return nil
}

// newWishServer builds the SSH server: public-key authentication only (password and
// keyboard-interactive stay unset, so they are refused), our host key, an emulated pty, and
// the session chain. Middlewares run last to first: guard refuses what is not an interactive
// terminal session and reports how the session ended, activeterm refuses a session without a
// pty, and the Bubble Tea middleware runs the cockpit with its window-size updates.
func (s *Server) newWishServer(ctx context.Context, sessions *tracker) (*ssh.Server, error) {
	srv, err := wish.NewServer(
		wish.WithAddress(s.cfg.Addr),
		wish.WithVersion(serverVersion),
		wish.WithHostKeyPEM(s.hostPEM),
		wish.WithPublicKeyAuth(s.authorize),
		ssh.EmulatePty(),
		ssh.WrapConn(s.admit),
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
			activeterm.Middleware(),
			s.guard(ctx, sessions),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("sshd: configuring the server: %w", err)
	}
	srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{MaxAuthTries: 6}
	}
	// Only interactive sessions: no direct-tcpip channel, and no forwarding request handler.
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{
		"session": func(srv *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, sctx ssh.Context) {
			// Channels open only after authentication: the connection is in a session now.
			if p, ok := sctx.Value(handshakeTimerKey{}).(*pendingConn); ok {
				p.settled()
			}
			ssh.DefaultSessionHandler(srv, conn, ch, sctx)
		},
	}
	srv.ConnectionFailedCallback = func(conn net.Conn, err error) {
		if !errors.Is(err, io.EOF) {
			s.log.Info("ssh: handshake failed", "remote", conn.RemoteAddr().String(), "reason", err.Error())
		}
	}
	return srv, nil
}

type handshakeTimerKey struct{}

// admit bounds connections (per source until they are in a session, and overall) and arms the
// handshake timer.
func (s *Server) admit(ctx ssh.Context, c net.Conn) net.Conn {
	src := sourceOf(c.RemoteAddr())
	if !s.pending.take(src) {
		s.log.Warn("ssh: too many connections from one address still logging in; refusing one", "remote", c.RemoteAddr().String())
		return nil
	}
	select {
	case s.conns <- struct{}{}:
	default:
		s.pending.release(src)
		s.log.Warn("ssh: too many connections; refusing one", "remote", c.RemoteAddr().String())
		return nil
	}
	p := &pendingConn{timer: time.AfterFunc(s.handshakeTimeout, func() { _ = c.Close() })}
	p.release = func() { s.pending.release(src) }
	ctx.SetValue(handshakeTimerKey{}, p)
	context.AfterFunc(ctx, func() {
		p.settled()
		<-s.conns
	})
	return c
}

// authorize checks a client key against authorized_keys, read afresh on every attempt so a key
// added or removed takes effect without a restart.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	keys, problems, err := loadAuthorizedKeys(s.keysPath)
	if err != nil {
		s.log.Error("ssh: refusing logins until authorized_keys is fixed", "err", err.Error())
		return false
	}
	s.logProblems(problems)
	k, ok := findKey(keys, key)
	if !ok {
		s.log.Info("ssh: key not in authorized_keys", "remote", ctx.RemoteAddr().String(),
			"user", ctx.User(), "key", gossh.FingerprintSHA256(key))
		return false
	}
	ctx.SetValue(keyCommentKey{}, k.comment)
	return true
}

type keyCommentKey struct{}

func (s *Server) logProblems(problems []string) {
	for _, p := range problems {
		s.log.Warn("ssh: skipping a line of authorized_keys", "path", s.keysPath, "problem", p)
	}
}

// tracker counts running session handlers; once closed it admits no new one, so waiting for
// the running ones cannot race with a late arrival.
type tracker struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (t *tracker) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) done() { t.wg.Done() }

// closeAndWait refuses new handlers and returns a channel closed when the running ones end.
func (t *tracker) closeAndWait() <-chan struct{} {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	ch := make(chan struct{})
	go func() { t.wg.Wait(); close(ch) }()
	return ch
}
