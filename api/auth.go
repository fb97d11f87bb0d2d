package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math/bits"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/clock"
)

const (
	// failureMemory is how long an address's failures are remembered after its last one.
	failureMemory = 15 * time.Minute
	// maxTracked bounds the per-address bookkeeping.
	maxTracked = 4096
	// maxDelayed bounds failed requests held back at once; beyond it they get 429 at once.
	maxDelayed = 64
)

// authenticator checks bearer tokens and slows down addresses that keep failing.
type authenticator struct {
	want     [sha256.Size]byte
	none     bool // no token configured: nothing is accepted
	base     time.Duration
	maxDelay time.Duration
	clk      clock.Clock
	log      *slog.Logger
	delayed  chan struct{}

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newAuthenticator(token string, base, maxDelay time.Duration, clk clock.Clock, log *slog.Logger) *authenticator {
	return &authenticator{
		want:     sha256.Sum256([]byte(token)),
		none:     token == "",
		base:     base,
		maxDelay: maxDelay,
		clk:      clock.Or(clk),
		log:      log,
		delayed:  make(chan struct{}, maxDelayed),
		fails:    make(map[string]*failures),
	}
}

// ok reports whether the request carries exactly one "Authorization: Bearer <token>" header
// with the configured token. Both sides are hashed first so the comparison takes the same time
// whatever the presented token's length.
func (a *authenticator) ok(r *http.Request) bool {
	vals := r.Header.Values("Authorization")
	if a.none || len(vals) != 1 {
		return false
	}
	scheme, tok, found := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(got[:], a.want[:]) == 1
}

// wrap answers 401 to any request without the right token, before routing, so unknown paths
// reveal nothing either. Failures from one address wait longer each time (bounded).
func (a *authenticator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.ok(r) {
			next.ServeHTTP(w, r)
			return
		}
		ip := remoteIP(r.RemoteAddr)
		n, delay := a.fail(ip)
		if n <= 3 || bits.OnesCount(uint(n)) == 1 {
			// The presented credentials are never logged, only where they came from.
			a.log.Warn("api: authentication failed", "remote", ip, "failures", n,
				"method", r.Method, "delay", delay.String())
		}
		select {
		case a.delayed <- struct{}{}:
			// If the client gives up while waiting, the 401 below goes nowhere; it is still
			// written so the request is counted as the failure it was.
			_ = a.clk.Sleep(r.Context(), delay)
			<-a.delayed
		default:
			// Too many failed requests are already waiting: refuse at once rather than
			// pile up goroutines.
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusTooManyRequests, "too many requests")
			return
		}
		unauthorized(w)
	})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="quantdeck"`)
	writeError(w, http.StatusUnauthorized, "unauthorized")
}

// fail records one failure from ip and returns the failure count and the delay to impose.
func (a *authenticator) fail(ip string) (int, time.Duration) {
	now := a.clk.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.fails[ip]
	if f != nil && now.Sub(f.last) > failureMemory {
		f = nil
	}
	if f == nil {
		if len(a.fails) >= maxTracked {
			a.evict(now)
		}
		f = &failures{}
		a.fails[ip] = f
	}
	f.n++
	f.last = now
	return f.n, a.delayFor(f.n)
}

// delayFor is base * 2^(n-1), capped at maxDelay.
func (a *authenticator) delayFor(n int) time.Duration {
	d := a.base
	for i := 1; i < n && d < a.maxDelay; i++ {
		d *= 2
	}
	return min(d, a.maxDelay)
}

// evict drops forgotten entries, or the oldest one when none is forgotten. Called with mu held.
func (a *authenticator) evict(now time.Time) {
	var oldest string
	var oldestT time.Time
	for ip, f := range a.fails {
		if now.Sub(f.last) > failureMemory {
			delete(a.fails, ip)
			continue
		}
		if oldest == "" || f.last.Before(oldestT) {
			oldest, oldestT = ip, f.last
		}
	}
	if len(a.fails) >= maxTracked {
		delete(a.fails, oldest)
	}
}

func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
