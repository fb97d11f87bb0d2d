package fake

import (
	"net/http"
	"strings"
	"time"
)

// faults are the failures queued by tests. Guarded by Server.mu.
type faults struct {
	rate        []rateFault
	skew        int
	delayN      int
	delay       time.Duration
	serverErr   int
	errAfter    int
	dropOrder   int
	partialNext int
	lateN       int
	slow        []slowFault
	answers     []answerFault
}

type answerFault struct {
	status, code int
	msg          string
	afterApply   bool
}

type slowFault struct {
	path string
	n    int
	d    time.Duration
}

type rateFault struct {
	n          int
	status     int
	retryAfter time.Duration
	path       string // "" matches every REST request
}

// RateLimitNext answers the next n REST requests with status (429, or 418 for an IP ban), a
// Retry-After header and Binance's -1003 body, without processing them.
func (s *Server) RateLimitNext(n, status int, retryAfter time.Duration) {
	s.RateLimitPathNext("", n, status, retryAfter)
}

// RateLimitPathNext is RateLimitNext for requests to one path only (for example
// "/api/v3/order", or "/ws" and "/stream" to refuse websocket connections).
func (s *Server) RateLimitPathNext(path string, n, status int, retryAfter time.Duration) {
	if status != http.StatusTeapot {
		status = http.StatusTooManyRequests
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rate = append(s.faults.rate, rateFault{n: n, status: status, retryAfter: retryAfter, path: path})
}

func (s *Server) takeRateLimit(path string) (rateFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults.rate {
		f := &s.faults.rate[i]
		if f.n <= 0 {
			continue
		}
		// "" matches every REST request; a websocket path also matches the streams under it
		// ("/ws" matches "/ws/btcusdt@trade", not "/ws-api/v3").
		match := f.path == path || (f.path == "" && !isStreamPath(path)) ||
			(f.path != "" && isStreamPath(path) && strings.HasPrefix(path, strings.TrimSuffix(f.path, "/")+"/"))
		if match {
			f.n--
			return *f, true
		}
	}
	return rateFault{}, false
}

// ClockSkewNext answers the next n signed requests that are otherwise valid with -1021, as if
// their timestamp were outside the receive window.
func (s *Server) ClockSkewNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.skew += n
}

func (s *Server) takeClockSkew() bool { return s.take(&s.faults.skew) }

// DelayNext holds each of the next n REST requests for d (real time) before handling it.
func (s *Server) DelayNext(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.delayN, s.faults.delay = n, d
}

func (s *Server) takeDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.delayN <= 0 {
		return 0
	}
	s.faults.delayN--
	return s.faults.delay
}

// SlowNext makes each of the next n requests to path take d before it is handled, a sleep on
// Options.Clock: a fake clock advances by d (no real time passes), the system clock waits. A slow GET /api/v3/time skews the client's clock estimate
// by up to half of d, as a slow answer to a real clock synchronisation does.
func (s *Server) SlowNext(path string, n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.slow = append(s.faults.slow, slowFault{path: path, n: n, d: d})
}

func (s *Server) takeSlow(path string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults.slow {
		if f := &s.faults.slow[i]; f.n > 0 && f.path == path {
			f.n--
			return f.d
		}
	}
	return 0
}

// UseWeight counts n request weight in the current minute, as other clients on the same IP
// address would, so the next answers report a nearly spent budget.
func (s *Server) UseWeight(n int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if minute := now.Unix() / 60; minute != s.weightMin {
		s.weightMin, s.weightUsed = minute, 0
	}
	s.weightUsed += n
}

// ServerErrorNext answers the next n REST requests with HTTP 500 (-1000) without processing
// them: the order was not placed, but the client cannot know that.
func (s *Server) ServerErrorNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.serverErr += n
}

func (s *Server) takeServerError() bool { return s.take(&s.faults.serverErr) }

// ServerErrorAfterApplyNext processes the next n new-order requests (the order is placed and
// may fill) and then answers HTTP 500 (-1000) instead of the result.
func (s *Server) ServerErrorAfterApplyNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.errAfter += n
}

// AnswerOrderNext answers the next new-order request with an error of the given HTTP status,
// Binance code and message: after placing the order when afterApply is set (the order may
// fill; the answer says otherwise), without placing it otherwise. Use it for answers such as
// -1006 and -1007 ("execution status unknown") or codes a client does not know.
func (s *Server) AnswerOrderNext(status, code int, msg string, afterApply bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.answers = append(s.faults.answers, answerFault{status: status, code: code, msg: msg, afterApply: afterApply})
}

// takeAnswerLocked pops the next queued answer if it applies at this point (before or after the
// order is placed). Runs with s.mu held.
func (s *Server) takeAnswerLocked(afterApply bool) *apiError {
	if len(s.faults.answers) == 0 || s.faults.answers[0].afterApply != afterApply {
		return nil
	}
	f := s.faults.answers[0]
	s.faults.answers = s.faults.answers[1:]
	return &apiError{status: f.status, code: f.code, msg: f.msg}
}

// DropOrderResponseNext is the duplicate-order trap: the next n new-order requests are
// processed (the order is placed and may fill) and then the connection is closed without an
// answer. A client that retries blindly places the order twice.
func (s *Server) DropOrderResponseNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.dropOrder += n
}

// PartialFillNext makes the next n fills of resting limit orders fill only half of what is
// left (rounded down to the step), leaving the order PARTIALLY_FILLED on the book.
func (s *Server) PartialFillNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.partialNext += n
}

// take decrements a counter guarded by s.mu and reports whether it was positive.
func (s *Server) take(n *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeLocked(n)
}

func (s *Server) takeLocked(n *int) bool {
	if *n <= 0 {
		return false
	}
	*n--
	return true
}

// DropStreams closes every websocket connection abruptly (no close frame), as a network
// failure would.
func (s *Server) DropStreams() { s.hub.dropAll() }

// Silence stops all websocket traffic (data, answers and pings) while keeping connections
// open, for d (real time), or until Resume when d <= 0.
func (s *Server) Silence(d time.Duration) { s.hub.silence(d) }

// ShutdownStreams sends every market stream connection Binance's serverShutdown event and then
// closes it, as Binance does before maintenance.
func (s *Server) ShutdownStreams() {
	ev := mustJSON(struct {
		E    string `json:"e"`
		Time int64  `json:"E"`
	}{"serverShutdown", s.now().UnixMilli()})
	s.hub.shutdown(ev)
}

// InjectStream sends payload, exactly as given (malformed on purpose if you like), to every
// connection subscribed to stream, as if it were a market event.
func (s *Server) InjectStream(stream string, payload []byte) {
	msg := make([]byte, len(payload)) // never nil: nil tells a writer to close
	copy(msg, payload)
	s.hub.publish(stream, msg)
}

// Resume ends a Silence early.
func (s *Server) Resume() { s.hub.resume() }

// StreamCount returns the number of open websocket connections.
func (s *Server) StreamCount() int { return s.hub.count() }

// Subscribers returns how many connections are subscribed to a stream (for example
// "btcusdt@trade"), so a test can wait for a subscription before moving prices.
func (s *Server) Subscribers(stream string) int { return s.hub.subscribers(stream) }
