package binance

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

const (
	// defaultWeightLimit is Binance's spot REQUEST_WEIGHT per minute, used until exchangeInfo
	// says otherwise.
	defaultWeightLimit = 6000
	// throttlePercent of the minute's weight limit is where requests start waiting for the next
	// minute, leaving room for other clients on the same IP and for our own estimates' error.
	throttlePercent = 90
	// Back-offs used when a 429 or 418 comes without a usable Retry-After.
	default429Wait = 30 * time.Second
	default418Wait = 2 * time.Minute
)

// rateLimiter tracks the request weight used in the current minute (from
// X-MBX-USED-WEIGHT-1M) and any back-off or ban the exchange asked for.
type rateLimiter struct {
	mu          sync.Mutex
	used        int   // weight used in minute usedMinute
	usedMinute  int64 // unix minute (server clock) that used belongs to
	limit       int   // REQUEST_WEIGHT per minute from exchangeInfo; 0 when unknown
	bannedUntil time.Time
	banned      bool
}

// admit reserves weight for a request at local time now and server time srv. It returns a
// *exchange.RateLimitError while a back-off or ban runs, or a wait > 0 when the minute's budget
// is nearly spent (the caller waits and asks again).
func (r *rateLimiter) admit(now, srv time.Time, weight int) (time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Before(r.bannedUntil) {
		return 0, &exchange.RateLimitError{RetryAfter: r.bannedUntil.Sub(now), Banned: r.banned}
	}
	minute := srv.Unix() / 60
	if minute != r.usedMinute {
		r.used, r.usedMinute = 0, minute
	}
	limit := r.limit
	if limit <= 0 {
		limit = defaultWeightLimit
	}
	if r.used > 0 && (r.used+weight)*100 > limit*throttlePercent {
		next := time.Unix((minute+1)*60, 0)
		// A little past the boundary: the exchange's minute and ours differ by the offset's error.
		return next.Sub(srv) + 250*time.Millisecond, nil
	}
	r.used += weight
	return 0, nil
}

// observe records the weight the exchange reports after a response that arrived at server time srv.
func (r *rateLimiter) observe(h http.Header, srv time.Time) {
	v := h.Get("X-Mbx-Used-Weight-1m")
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	minute := srv.Unix() / 60
	switch {
	case minute > r.usedMinute:
		r.used, r.usedMinute = n, minute
	case minute == r.usedMinute && n > r.used:
		// Keep the larger of the server's count and our reservations: requests still in
		// flight are not in the header yet.
		r.used = n
	}
}

// backOff records a 429 (banned=false) or 418 (banned=true) and returns the error to report.
func (r *rateLimiter) backOff(now time.Time, retryAfter string, banned bool) *exchange.RateLimitError {
	wait := parseRetryAfter(retryAfter, banned)
	r.mu.Lock()
	defer r.mu.Unlock()
	until := now.Add(wait)
	if until.After(r.bannedUntil) {
		r.bannedUntil = until
		r.banned = banned
	}
	return &exchange.RateLimitError{RetryAfter: wait, Banned: banned}
}

// ipBan returns how long an IP ban (418) still runs at now, or 0.
func (r *rateLimiter) ipBan(now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.banned || !now.Before(r.bannedUntil) {
		return 0
	}
	return r.bannedUntil.Sub(now)
}

// parseRetryAfter reads a Retry-After header in seconds, with a default when it is missing.
func parseRetryAfter(h string, banned bool) time.Duration {
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if banned {
		return default418Wait
	}
	return default429Wait
}

func (r *rateLimiter) setLimit(limit int) {
	r.mu.Lock()
	r.limit = limit
	r.mu.Unlock()
}

func (r *rateLimiter) state(now, srv time.Time) exchange.RateState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := exchange.RateState{WeightLimit: r.limit}
	if srv.Unix()/60 == r.usedMinute {
		st.UsedWeight = r.used
	}
	if now.Before(r.bannedUntil) {
		st.BannedUntil = r.bannedUntil.UTC()
		st.Banned = r.banned
	}
	return st
}

// RateState reports the request weight used this minute, the limit, and any back-off or ban.
func (c *Client) RateState() exchange.RateState {
	return c.rate.state(c.now(), c.serverNow())
}
