package fake

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// Server is a fake Binance spot exchange listening on loopback. All methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	clk     clock.Clock
	ln      net.Listener
	srv     *http.Server
	hub     *hub
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup // every goroutine and handler the server runs
	life    sync.Mutex     // orders wg.Add against Close
	closed  bool           // guarded by life

	fee decimal.Decimal // commission rate

	mu          sync.Mutex // guards everything below
	markets     map[string]*market
	symbols     []string // in listing order
	accounts    map[string]*account
	nextOrderID int64
	weightMin   int64 // the minute (unix) weightUsed counts
	weightUsed  int
	backoff     time.Time // a 429's Retry-After runs until then (BanOnEarlyRetry)
	bannedUntil time.Time // 418 for everything until then (BanOnEarlyRetry)
	newOrderIDs []string
	requests    []Request
	faults      faults
	held        []heldOrder // requests delivered late (DeliverLateNext)
}

// Request is one request the server received, recorded for tests.
type Request struct {
	Method string
	Path   string
	Time   time.Time // by the server's clock (Options.Clock)
	// Status is the HTTP status answered: 101 for a websocket upgrade, 0 when the connection
	// was dropped without an answer.
	Status int
	// Code is the Binance error code of an error answer, 0 otherwise.
	Code int
	// ClientOrderID is newClientOrderId of a new-order request (as sent, possibly empty).
	ClientOrderID string
}

// New starts a server on 127.0.0.1 (a free port unless Options.Addr says otherwise).
func New(opts Options) (*Server, error) {
	if opts.PingInterval <= 0 {
		opts.PingInterval = 20 * time.Second
	}
	if opts.PongTimeout <= 0 {
		opts.PongTimeout = time.Minute
	}
	if opts.TickInterval <= 0 {
		opts.TickInterval = time.Second
	}
	if opts.WeightLimit == 0 {
		opts.WeightLimit = 6000
	}
	if opts.OrderLimit10s == 0 {
		opts.OrderLimit10s = 100
	}
	if opts.BanDuration <= 0 {
		opts.BanDuration = 2 * time.Minute
	}
	if opts.MaxConnAge <= 0 {
		opts.MaxConnAge = 24 * time.Hour
	}
	if opts.MaxClientMessages == 0 {
		opts.MaxClientMessages = 5
	}
	if len(opts.Symbols) == 0 {
		opts.Symbols = DefaultSymbols()
	}
	if opts.Commission == "" {
		opts.Commission = "0.001"
	}
	fee, err := decimal.Parse(opts.Commission)
	if err != nil || fee.IsNeg() || fee.Cmp(decimal.One) >= 0 {
		return nil, fmt.Errorf("fake: commission %q must be a decimal rate in [0, 1)", opts.Commission)
	}
	s := &Server{
		opts:        opts,
		clk:         clock.Or(opts.Clock),
		closing:     make(chan struct{}),
		markets:     make(map[string]*market),
		accounts:    make(map[string]*account),
		nextOrderID: 1000,
		fee:         fee,
	}
	start := s.now()
	for _, sp := range opts.Symbols {
		rules, price, err := rulesFromSpec(sp)
		if err != nil {
			return nil, err
		}
		if _, dup := s.markets[rules.Symbol]; dup {
			return nil, fmt.Errorf("fake: symbol %s listed twice", rules.Symbol)
		}
		s.markets[rules.Symbol] = newMarket(len(s.symbols), rules, price, sp.LegacyMinNotional, start)
		s.symbols = append(s.symbols, rules.Symbol)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fake: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("fake: refusing to listen on %s: only loopback addresses are allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake: listening on %s: %w", addr, err)
	}
	s.ln = ln
	s.hub = newHub(s)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	if opts.Drift {
		s.wg.Add(1)
		go s.drift()
	}
	return s, nil
}

// URL is the REST base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// WSURL is the websocket base URL (append /ws/<stream> or /stream?streams=...).
func (s *Server) WSURL() string { return "ws://" + s.ln.Addr().String() }

// Close stops the server, drops every connection and waits for its goroutines to end.
func (s *Server) Close() {
	s.once.Do(func() {
		s.life.Lock()
		s.closed = true
		s.life.Unlock()
		close(s.closing)
		s.hub.closeAll()
		_ = s.srv.Close()
		s.wg.Wait()
	})
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// NewOrderIDs returns the newClientOrderId of every new-order request received, in arrival
// order, including requests that were rejected or answered by a fault.
func (s *Server) NewOrderIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.newOrderIDs...)
}

// Rules returns a symbol's rules as the server enforces them.
func (s *Server) Rules(symbol string) (exchange.Rules, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[strings.ToUpper(symbol)]
	if !ok {
		return exchange.Rules{}, false
	}
	return m.rules, true
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to hijack it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

const maxBody = 64 << 10

// ServeHTTP runs the request pipeline: record, faults, weight, route.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		http.Error(rw, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	w := &statusWriter{ResponseWriter: rw}
	path := r.URL.Path
	if isStreamPath(path) {
		idx := s.record(r, "")
		defer s.finish(idx, w)
		if e := s.banned(w); e != nil {
			s.writeError(w, e)
			return
		}
		if rf, hit := s.takeRateLimit(path); hit {
			s.writeError(w, s.rateError(w, rf))
			return
		}
		s.hub.serve(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return // the client went away
	}
	if d := s.takeSlow(path); d > 0 && !s.sleep(r.Context(), s.clk, d) {
		return
	}
	s.deliverDue(s.now()) // late requests due by now reach the exchange before this one
	p, perr := parseParams(r.URL.RawQuery, string(body))
	newOrder := r.Method == http.MethodPost && path == "/api/v3/order"
	coid := ""
	if newOrder && perr == nil {
		coid = p.get("newClientOrderId")
	}
	idx := s.record(r, coid)
	defer s.finish(idx, w)
	if newOrder {
		s.mu.Lock()
		s.newOrderIDs = append(s.newOrderIDs, coid)
		s.mu.Unlock()
	}
	if d := s.takeDelay(); d > 0 && !s.sleep(r.Context(), clock.System{}, d) {
		return
	}
	if e := s.admit(w, r.Method, path, p); e != nil {
		s.writeError(w, e)
		return
	}
	if s.takeServerError() {
		s.writeError(w, &apiError{status: http.StatusInternalServerError, code: codeUnknown, msg: "An unknown error occurred while processing the request."})
		return
	}
	if perr != nil {
		s.writeError(w, perr)
		return
	}
	s.route(w, r, p)
}

// enter counts a handler into s.wg unless Close has begun, so Close waits for every handler
// (and its log line) to finish.
func (s *Server) enter() bool {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// record appends a Request and returns its index.
func (s *Server) record(r *http.Request, coid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Time: s.now(), ClientOrderID: coid})
	return len(s.requests) - 1
}

func (s *Server) finish(idx int, w *statusWriter) {
	s.mu.Lock()
	s.requests[idx].Status = w.status
	s.requests[idx].Code = w.code
	r := s.requests[idx]
	s.mu.Unlock()
	if s.opts.Logf != nil {
		if r.Code != 0 {
			s.opts.Logf("fake binance: %s %s -> %d (code %d)", r.Method, r.Path, r.Status, r.Code)
		} else {
			s.opts.Logf("fake binance: %s %s -> %d", r.Method, r.Path, r.Status)
		}
	}
}

func (s *Server) route(w *statusWriter, r *http.Request, p params) {
	type endpoint struct{ method, path string }
	switch (endpoint{r.Method, r.URL.Path}) {
	case endpoint{http.MethodGet, "/api/v3/ping"}:
		writeJSON(w, http.StatusOK, struct{}{})
	case endpoint{http.MethodGet, "/api/v3/time"}:
		writeJSON(w, http.StatusOK, map[string]int64{"serverTime": s.now().UnixMilli()})
	case endpoint{http.MethodGet, "/api/v3/exchangeInfo"}:
		s.handleExchangeInfo(w, p)
	case endpoint{http.MethodGet, "/api/v3/klines"}:
		s.handleKlines(w, p)
	case endpoint{http.MethodGet, "/api/v3/ticker/bookTicker"}:
		s.handleBookTicker(w, p)
	case endpoint{http.MethodGet, "/api/v3/ticker/price"}:
		s.handleTickerPrice(w, p)
	case endpoint{http.MethodPost, "/api/v3/order"}:
		s.signed(w, r, p, needTrade, s.handleNewOrder)
	case endpoint{http.MethodPost, "/api/v3/order/test"}:
		s.signed(w, r, p, needTrade, s.handleTestOrder)
	case endpoint{http.MethodGet, "/api/v3/order"}:
		s.signed(w, r, p, needRead, s.handleGetOrder)
	case endpoint{http.MethodDelete, "/api/v3/order"}:
		s.signed(w, r, p, needTrade, s.handleCancelOrder)
	case endpoint{http.MethodGet, "/api/v3/openOrders"}:
		s.signed(w, r, p, needRead, s.handleOpenOrders)
	case endpoint{http.MethodGet, "/api/v3/allOrders"}:
		s.signed(w, r, p, needRead, s.handleAllOrders)
	case endpoint{http.MethodDelete, "/api/v3/openOrders"}:
		s.signed(w, r, p, needTrade, s.handleCancelAll)
	case endpoint{http.MethodGet, "/api/v3/account"}:
		s.signed(w, r, p, needRead, s.handleAccount)
	case endpoint{http.MethodGet, "/api/v3/myTrades"}:
		s.signed(w, r, p, needRead, s.handleMyTrades)
	case endpoint{http.MethodGet, "/sapi/v1/account/apiRestrictions"}:
		if s.opts.Testnet {
			http.NotFound(w, r)
			return
		}
		s.signed(w, r, p, needNothing, s.handleAPIRestrictions)
	default:
		http.NotFound(w, r)
	}
}

// need is the permission an endpoint requires of the key.
type need int

const (
	needNothing need = iota
	needRead
	needTrade
)

// signedHandler handles a signed request for an authenticated account. It runs with s.mu held.
type signedHandler func(w *statusWriter, r *http.Request, p params, a *account) (any, *apiError)

// signed authenticates a SIGNED request (key, signature, timestamp), applies the clock-skew
// fault, then calls h with s.mu held and writes its answer.
func (s *Server) signed(w *statusWriter, r *http.Request, p params, n need, h signedHandler) {
	key := r.Header.Get("X-MBX-APIKEY")
	if key == "" {
		s.writeError(w, &apiError{status: http.StatusUnauthorized, code: codeBadKeyFormat, msg: "API-key format invalid."})
		return
	}
	s.mu.Lock()
	a, ok := s.accounts[key]
	var secret []byte
	if ok {
		secret = a.secret
	}
	s.mu.Unlock()
	if !ok {
		s.writeError(w, errInvalidKey())
		return
	}
	if !p.has("signature") {
		s.writeError(w, errMandatory("signature"))
		return
	}
	if !validSignature(secret, p.signedPayload(), p.get("signature")) {
		s.writeError(w, badRequest(codeSignature, "Signature for this request is not valid."))
		return
	}
	if e := checkTimestamp(p, s.now()); e != nil {
		s.writeError(w, e)
		return
	}
	if s.takeClockSkew() {
		s.writeError(w, badRequest(codeTimestamp, "Timestamp for this request is outside of the recvWindow."))
		return
	}
	if isNewOrder(r) && s.holdLate(a, p) {
		hijackClose(w)
		return
	}
	s.mu.Lock()
	if (n == needRead && !a.perms.Reading) || (n == needTrade && !a.perms.Trade) {
		s.mu.Unlock()
		s.writeError(w, errInvalidKey())
		return
	}
	out, e := h(w, r, p, a)
	s.mu.Unlock()
	if e == errDropped {
		hijackClose(w)
		return
	}
	if e != nil {
		s.writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// errDropped asks signed to drop the connection without an answer (the duplicate-order trap).
var errDropped = &apiError{status: 0, code: 0, msg: "dropped"}

func (s *Server) writeError(w *statusWriter, e *apiError) {
	w.code = e.code
	writeJSON(w, e.status, map[string]any{"code": e.code, "msg": e.msg})
}

// hijackClose drops the connection without an answer.
func hijackClose(w *statusWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// now is the server's time, in UTC.
func (s *Server) now() time.Time { return s.clk.Now().UTC() }

// sleep waits d on c; false when the request ends or the server closes first.
func (s *Server) sleep(ctx context.Context, c clock.Clock, d time.Duration) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return c.Sleep(ctx, d) == nil
}

// fmtDec formats a decimal as Binance does: at least 8 decimals, never rounded.
func fmtDec(d decimal.Decimal) string {
	if d.Scale() < 8 {
		d = d.Pad(8)
	}
	return d.String()
}
