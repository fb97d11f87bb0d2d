package binance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// Network names accepted in Config.Name.
const (
	Mainnet = "binance"
	Testnet = "binance-testnet"
)

// Default endpoints per network.
const (
	MainnetRESTURL = "https://api.binance.com"
	MainnetWSURL   = "wss://stream.binance.com:9443"
	TestnetRESTURL = "https://testnet.binance.vision"
	TestnetWSURL   = "wss://stream.testnet.binance.vision"
	// The WebSocket API endpoints, which carry the user data stream (order updates).
	MainnetWSAPIURL = "wss://ws-api.binance.com:443/ws-api/v3"
	TestnetWSAPIURL = "wss://ws-api.testnet.binance.vision/ws-api/v3"
)

const (
	defaultRecvWindow = 5 * time.Second
	maxRecvWindow     = 60 * time.Second
	defaultStaleAfter = 30 * time.Second
	defaultHTTPTimout = 15 * time.Second
	// idleConnsPerHost is how many idle connections to the exchange a client keeps. Every
	// bot's order worker may be mid-request at once; with Go's default of 2, each request of
	// a burst beyond the second closes its connection afterwards, and the next burst opens
	// (and on the real exchange, handshakes TLS for) each of them again.
	idleConnsPerHost = 64
	resyncEvery      = time.Hour
	// maxConnAge is how long a market stream connection is kept before it is replaced; Binance
	// closes connections at 24 h.
	maxConnAge = 23*time.Hour + 30*time.Minute
)

// Config configures a Client. Only Name is required.
type Config struct {
	// Name is "binance" (mainnet) or "binance-testnet".
	Name string
	// RESTURL and WSURL override the network's endpoints (a proxy, the local fake exchange).
	RESTURL, WSURL string
	// WSAPIURL overrides the WebSocket API endpoint that carries order updates (the user data
	// stream); see WithOrderUpdates. Empty means the network's own endpoint, except when
	// RESTURL is overridden: then the signed subscription is never sent to a host the user did
	// not name for it, and the user data stream stays off unless WSAPIURL is set, with one
	// exception: when WSURL is overridden to the same host and port as RESTURL (as the local
	// fake exchange serves both), WSURL + "/ws-api/v3" is used, since that host already
	// receives the key with every signed REST call.
	WSAPIURL string
	// Creds lends the API key and secret per signed call; nil means public market data only.
	Creds exchange.Credentials
	// HTTPClient sends REST requests; nil means a client with a 15 s timeout.
	HTTPClient *http.Client
	// Logger receives operational messages (never secrets); nil discards them.
	Logger *slog.Logger
	// Clock tells the time and waits (the weight budget's waits); nil means the system clock.
	// Tests pass a fake, so a minute's wait takes no real time.
	Clock clock.Clock
	// RecvWindow is how long after its timestamp a signed request stays valid; 0 means 5 s,
	// at most 60 s.
	RecvWindow time.Duration
	// StaleAfter is how long a market stream may go without a message before it is reported
	// stale and reconnected; 0 means 30 s.
	StaleAfter time.Duration
	// Limits is request-weight and ban state to share with other Clients on the same IP
	// address (Binance counts per IP); nil gives the client its own.
	Limits *Limits
}

// Limits is the request-weight and back-off state of one IP address. Clients created with the
// same *Limits wait for each other's bans and count each other's weight.
type Limits struct{ r rateLimiter }

// NewLimits returns empty limits to share between Clients.
func NewLimits() *Limits { return &Limits{} }

// Client talks to Binance spot. It implements exchange.Exchange and exchange.RateReporter and is
// safe for concurrent use.
type Client struct {
	name       string
	restURL    string
	wsURL      string
	wsAPIURL   string // "" when the user data stream is off
	creds      exchange.Credentials
	hc         *http.Client
	log        *slog.Logger
	clk        clock.Clock
	recvWindow time.Duration
	staleAfter time.Duration

	// Stream tuning; tests shorten these.
	backoffMin, backoffMax time.Duration
	connMaxAge             time.Duration
	// userStaleAfter is how long the user data stream may go without any frame (Binance pings
	// every 20 s) before it is replaced; userPingEvery is how often the client pings it.
	userStaleAfter, userPingEvery time.Duration
	// userMinLife is how long a subscription must have lasted for a planned close (shutdown,
	// termination, renewal) to be followed by an immediate resubscription.
	userMinLife time.Duration
	signers     signerPool
	rate        *rateLimiter

	offset    atomic.Int64 // server clock minus local clock, in nanoseconds
	offsetErr atomic.Int64 // bound on offset's measurement error, in nanoseconds
	syncMu    sync.Mutex
	synced    bool
	lastSync  time.Time // local time of the last successful sync

	rulesMu    sync.Mutex
	rules      map[string]cachedRules
	rulesFetch sync.Mutex // serialises exchangeInfo requests

	streamsMu sync.Mutex
	streams   map[*stream]struct{} // open market and book streams, for EditStreams
}

var (
	_ exchange.Exchange     = (*Client)(nil)
	_ exchange.RateReporter = (*Client)(nil)
	_ exchange.SendReporter = (*Client)(nil)
)

// New returns a client for cfg. It does no I/O: the server clock is synchronised on the first
// signed call (or by SyncTime), symbol rules are fetched on first use.
func New(cfg Config) (*Client, error) {
	var rest, ws string
	switch cfg.Name {
	case Mainnet:
		rest, ws = MainnetRESTURL, MainnetWSURL
	case Testnet:
		rest, ws = TestnetRESTURL, TestnetWSURL
	default:
		return nil, fmt.Errorf("binance: unknown network %q: use %q or %q", cfg.Name, Mainnet, Testnet)
	}
	wsAPI := MainnetWSAPIURL
	if cfg.Name == Testnet {
		wsAPI = TestnetWSAPIURL
	}
	if cfg.RESTURL != "" {
		rest = cfg.RESTURL
		wsAPI = ""
	}
	if cfg.WSURL != "" {
		ws = cfg.WSURL
	}
	var err error
	if rest, err = checkBaseURL(rest, "http", "https"); err != nil {
		return nil, fmt.Errorf("binance: REST URL: %w", err)
	}
	if ws, err = checkBaseURL(ws, "ws", "wss"); err != nil {
		return nil, fmt.Errorf("binance: websocket URL: %w", err)
	}
	// Binance documents stream URLs with their /ws or /stream path; the base is what is wanted.
	ws = strings.TrimSuffix(strings.TrimSuffix(ws, "/ws"), "/stream")
	if cfg.RESTURL != "" && cfg.WSURL != "" && sameHost(rest, ws) {
		wsAPI = ws + wsAPIPath
	}
	if cfg.WSAPIURL != "" {
		if wsAPI, err = checkBaseURL(cfg.WSAPIURL, "ws", "wss"); err != nil {
			return nil, fmt.Errorf("binance: WebSocket API URL: %w", err)
		}
	}
	if cfg.Creds != nil {
		for _, e := range []struct{ what, url string }{{"REST URL", rest}, {"WebSocket API URL", wsAPI}} {
			if e.url != "" && !encryptedOrLoopback(e.url) {
				return nil, fmt.Errorf("binance: %s %s is not encrypted: the API key and signed requests would cross the network "+
					"in clear text; use https:// or wss:// (plain http:// and ws:// are for 127.0.0.1 only)", e.what, e.url)
			}
		}
	}
	if cfg.RecvWindow < 0 || cfg.RecvWindow > maxRecvWindow {
		return nil, fmt.Errorf("binance: receive window %s out of range: use up to %s", cfg.RecvWindow, maxRecvWindow)
	}
	c := &Client{
		name:       cfg.Name,
		restURL:    rest,
		wsURL:      ws,
		wsAPIURL:   wsAPI,
		creds:      cfg.Creds,
		hc:         cfg.HTTPClient,
		log:        cfg.Logger,
		clk:        clock.Or(cfg.Clock),
		recvWindow: cfg.RecvWindow,
		staleAfter: cfg.StaleAfter,
		backoffMin: 500 * time.Millisecond,
		backoffMax: 30 * time.Second,
		connMaxAge: maxConnAge,
		// Binance pings every 20 s and drops a connection that leaves a ping unanswered for a
		// minute; three missed pings mean the connection is gone.
		userStaleAfter: 65 * time.Second,
		userPingEvery:  20 * time.Second,
		userMinLife:    time.Second,
		rate:           new(rateLimiter),
		rules:          make(map[string]cachedRules),
	}
	if cfg.Limits != nil {
		c.rate = &cfg.Limits.r
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: defaultHTTPTimout, Transport: newTransport()}
	}
	// Never follow redirects: the API key header and a valid signed request would go wherever
	// the redirect points. A copy keeps the caller's client untouched.
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.recvWindow == 0 {
		c.recvWindow = defaultRecvWindow
	}
	if c.staleAfter <= 0 {
		c.staleAfter = defaultStaleAfter
	}
	return c, nil
}

// checkBaseURL validates an endpoint and strips any trailing slash.
func checkBaseURL(raw string, schemes ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok || u.Host == "" {
		return "", fmt.Errorf("%q must be %s://host[:port]", raw, strings.Join(schemes, " or "))
	}
	if u.RawQuery != "" || u.User != nil {
		return "", errors.New("must not carry a query or user information")
	}
	return strings.TrimRight(raw, "/"), nil
}

// encryptedOrLoopback reports whether a checked base URL uses TLS or names a loopback host
// (the local fake exchange, a proxy on this machine).
func encryptedOrLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Scheme == "https" || u.Scheme == "wss" {
		return true
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameHost reports whether two base URLs name the same host and port, a missing port being
// the scheme's default (http and ws 80, https and wss 443).
func sameHost(a, b string) bool {
	hostPort := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return ""
		}
		port := u.Port()
		if port == "" {
			port = "80"
			if u.Scheme == "https" || u.Scheme == "wss" {
				port = "443"
			}
		}
		return strings.ToLower(u.Hostname()) + ":" + port
	}
	ha := hostPort(a)
	return ha != "" && ha == hostPort(b)
}

// Name returns the network name ("binance" or "binance-testnet").
func (c *Client) Name() string { return c.name }

// ClockOffset returns the server clock minus the local clock, as last measured.
func (c *Client) ClockOffset() time.Duration { return time.Duration(c.offset.Load()) }

// driftDivisor bounds how far two clocks drift apart between synchronisations: 1/10000 of
// the time since (100 ppm, a poor quartz oscillator's tolerance).
const driftDivisor = 10000

// ClockUncertainty bounds the error of ClockOffset now: half the round trip of the
// measurement, the exchange's millisecond resolution, and drift since.
func (c *Client) ClockUncertainty() time.Duration {
	c.syncMu.Lock()
	last := c.lastSync
	c.syncMu.Unlock()
	u := time.Duration(c.offsetErr.Load())
	if !last.IsZero() {
		if since := c.now().Sub(last); since > 0 {
			u += since / driftDivisor
		}
	}
	return u
}

// now is the local clock.
func (c *Client) now() time.Time { return c.clk.Now() }

// sleep waits for d or until ctx ends.
func (c *Client) sleep(ctx context.Context, d time.Duration) error { return c.clk.Sleep(ctx, d) }

// serverNow is the local clock corrected by the measured offset.
func (c *Client) serverNow() time.Time { return c.now().Add(c.ClockOffset()) }

// newTransport is the default client's transport: Go's defaults (proxy from the environment,
// HTTP/2 when the exchange offers it, timeouts), keeping idleConnsPerHost connections.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, idleConnsPerHost)
	return t
}
