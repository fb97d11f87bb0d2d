package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

// DefaultAddr is where the API listens when no address is configured.
const DefaultAddr = "127.0.0.1:7465"

// MinTokenLen is the shortest bearer token the API accepts.
const MinTokenLen = 32

// Limits applied when Config leaves them zero.
const (
	DefaultMaxConcurrent = 256
	DefaultMaxBodyBytes  = 16 << 10
	DefaultMaxHeader     = 16 << 10
	readHeaderTimeout    = 5 * time.Second
	readTimeout          = 10 * time.Second
	writeTimeout         = 30 * time.Second
	idleTimeout          = 2 * time.Minute
	shutdownTimeout      = 5 * time.Second
)

// Errors New returns for a configuration it refuses; callers match them with errors.Is.
var (
	ErrNoToken           = errors.New("no API token configured")
	ErrWeakToken         = errors.New("API token too short or malformed")
	ErrRemoteNotAllowed  = errors.New("non-loopback API address not allowed")
	ErrNoEngine          = errors.New("no engine given")
	ErrBadAddr           = errors.New("API address is not host:port")
	errRemoteListenerBad = errors.New("listener is not on a loopback address")
)

// Config is what New needs. Zero limits mean the defaults above.
type Config struct {
	Addr        string // host:port; DefaultAddr when empty
	Token       string // QUANTDECK_API_TOKEN; at least MinTokenLen visible ASCII characters
	AllowRemote bool   // QUANTDECK_API_ALLOW_REMOTE: permit a non-loopback Addr
	Engine      Engine
	Version     string
	Exchange    string // "sim", "binance", "binance-testnet"
	Logger      *slog.Logger
	// VaultState reports the vault for /v1/status: "none" (no vault yet), "sealed" or
	// "unlocked". Nil leaves the field out.
	VaultState func() string
	// Seal drops the derived vault key; offered only on the local control socket
	// (POST /v1/seal through LocalHandler). Nil leaves the route out.
	Seal func(ctx context.Context) error
	// SSHAddr, when set, returns the address the SSH cockpit listens on ("" when it does not
	// run); the seal answer carries it so `quantdeck seal` names where to unlock again.
	SSHAddr func() string

	MaxConcurrent int   // requests served at once; more get 503
	MaxConns      int   // open connections; more wait to be accepted
	MaxBodyBytes  int64 // request body limit
	// FailureDelay is the wait imposed on the first failed authentication from an address; it
	// doubles with each further failure up to MaxFailureDelay. Defaults: 100 ms and 5 s.
	FailureDelay    time.Duration
	MaxFailureDelay time.Duration
	// Clock is the clock (uptime, failure bookkeeping); the system clock when nil.
	Clock clock.Clock
}

// Server is the control API. Create it with New (TCP, token required) or NewLocal (control
// socket only).
type Server struct {
	cfg      Config
	log      *slog.Logger
	routes   []Route
	mux      *http.ServeMux // the public routes
	local    *http.ServeMux // the public routes plus the local-only ones
	auth     *authenticator
	metrics  *metrics
	sem      chan struct{}
	warning  string
	started  time.Time
	handler  http.Handler // authenticated
	localH   http.Handler // unauthenticated, for the unix socket
	tokenSet bool
}

// CheckConfig reports whether New would accept this address, token and remote setting, so a
// command can refuse a bad configuration before it opens anything. The error says why and
// what to do, and never contains the token.
func CheckConfig(addr, token string, allowRemote bool) error {
	if err := checkToken(token); err != nil {
		return err
	}
	if addr == "" {
		addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("api: %w: %q (use 127.0.0.1:7465 or similar)", ErrBadAddr, addr)
	}
	if !isLoopbackHost(host) && !allowRemote {
		return fmt.Errorf("api: %w: %s would expose the control API (it can start bots and trade) beyond this machine; "+
			"keep QUANTDECK_API_ADDR on 127.0.0.1, or set QUANTDECK_API_ALLOW_REMOTE=true if you really mean it "+
			"and reach it only through a private tunnel such as Tailscale", ErrRemoteNotAllowed, addr)
	}
	return nil
}

// New checks the configuration (see CheckConfig) and builds the API. With AllowRemote and a
// non-loopback address it logs a warning that Warning also returns so the command line can
// print it.
func New(cfg Config) (*Server, error) {
	if err := CheckConfig(cfg.Addr, cfg.Token, cfg.AllowRemote); err != nil {
		return nil, err
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	s, err := build(cfg)
	if err != nil {
		return nil, err
	}
	if !isLoopbackHost(host) {
		s.warning = fmt.Sprintf("the control API listens on %s, beyond this machine: anyone who can reach that address and "+
			"learns the token can trade with your keys; prefer 127.0.0.1 behind a private tunnel such as Tailscale", cfg.Addr)
		s.log.Warn("api: listening on a non-loopback address", "addr", cfg.Addr,
			"risk", "anyone who reaches it and learns the token can trade", "advice", "use a private tunnel such as Tailscale")
	}
	s.tokenSet = true
	return s, nil
}

// NewLocal builds the API for the unix control socket only: no token is needed (the socket's
// file permissions protect it) and Serve refuses to run. Use LocalHandler.
func NewLocal(cfg Config) (*Server, error) {
	return build(cfg)
}

func build(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, fmt.Errorf("api: %w", ErrNoEngine)
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.FailureDelay <= 0 {
		cfg.FailureDelay = 100 * time.Millisecond
	}
	if cfg.MaxFailureDelay < cfg.FailureDelay {
		cfg.MaxFailureDelay = max(5*time.Second, cfg.FailureDelay)
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		sem:     make(chan struct{}, cfg.MaxConcurrent),
		started: cfg.Clock.Now().UTC(),
		metrics: newMetrics(cfg.Engine),
	}
	s.auth = newAuthenticator(cfg.Token, cfg.FailureDelay, cfg.MaxFailureDelay, cfg.Clock, cfg.Logger)
	s.routes = s.publicRoutes()
	s.mux = http.NewServeMux()
	s.local = http.NewServeMux()
	for _, r := range s.routes {
		s.mux.Handle(r.Method+" "+r.Path, r.handler)
		s.local.Handle(r.Method+" "+r.Path, r.handler)
	}
	for _, r := range s.localRoutes() {
		s.local.Handle(r.Method+" "+r.Path, r.handler)
	}
	s.handler = s.instrument(s.mux, s.auth.wrap(s.limit(jsonErrors(s.mux))))
	s.localH = s.instrument(s.local, s.limit(jsonErrors(s.local)))
	return s, nil
}

// checkToken refuses a missing token, one shorter than MinTokenLen, and one with characters a
// header cannot carry unchanged. The error never contains the token.
func checkToken(tok string) error {
	if tok == "" {
		return fmt.Errorf("api: %w: set QUANTDECK_API_TOKEN (create one with `quantdeck token`); without it the API does not start", ErrNoToken)
	}
	if len(tok) < MinTokenLen {
		return fmt.Errorf("api: %w: QUANTDECK_API_TOKEN has %d characters, at least %d are required; create one with `quantdeck token`",
			ErrWeakToken, len(tok), MinTokenLen)
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] > '~' {
			return fmt.Errorf("api: %w: QUANTDECK_API_TOKEN may hold only visible ASCII characters (no spaces); create one with `quantdeck token`", ErrWeakToken)
		}
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Warning is the risk warning for a non-loopback address, or "" on loopback.
func (s *Server) Warning() string { return s.warning }

// Addr is the configured listen address.
func (s *Server) Addr() string { return s.cfg.Addr }

// Handler is the authenticated API: every request, including unknown paths, needs the bearer
// token.
func (s *Server) Handler() http.Handler { return s.handler }

// LocalHandler serves the same routes (plus the local-only ones such as POST /v1/seal) without
// a token, for the owner-only unix control socket. Never serve it on a TCP address.
func (s *Server) LocalHandler() http.Handler { return s.localH }

// Serve listens on the configured address and serves until ctx ends, then shuts down
// gracefully. It also feeds the metrics from the engine's event stream.
func (s *Server) Serve(ctx context.Context) error {
	if !s.tokenSet {
		return fmt.Errorf("api: %w", ErrNoToken)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("api: listening on %s: %w (is another program using it? change QUANTDECK_API_ADDR)", s.cfg.Addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened (tests use 127.0.0.1:0). A listener
// on a non-loopback address is refused unless AllowRemote is set. It closes ln.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	if !s.tokenSet {
		ln.Close()
		return fmt.Errorf("api: %w", ErrNoToken)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && !ta.IP.IsLoopback() && !s.cfg.AllowRemote {
		ln.Close()
		return fmt.Errorf("api: %w: %s", errRemoteListenerBad, ln.Addr())
	}
	srv := newHTTPServer(s.handler)
	srv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		s.CollectEvents(ctx)
	}()
	s.log.Info("api: listening", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newLimitListener(ln, s.cfg.MaxConns)) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		err = srv.Shutdown(sctx)
		scancel()
		if err != nil {
			srv.Close()
		}
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	cancel()
	<-collected
	s.log.Info("api: stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return nil
}

// newHTTPServer returns an http.Server with the API's timeouts and header limit.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    DefaultMaxHeader,
	}
}
