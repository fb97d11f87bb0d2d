package fake

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// admit applies injected rate-limit faults and the request-weight limit, and sets the weight
// header. A non-nil error is the answer to send.
func (s *Server) admit(w *statusWriter, method, path string, p params) *apiError {
	if e := s.banned(w); e != nil {
		return e
	}
	if rf, hit := s.takeRateLimit(path); hit {
		return s.rateError(w, rf)
	}
	weight := endpointWeight(method, path, p)
	now := s.now()
	s.mu.Lock()
	minute := now.Unix() / 60
	if minute != s.weightMin {
		s.weightMin, s.weightUsed = minute, 0
	}
	s.weightUsed += weight
	used := s.weightUsed
	s.mu.Unlock()
	header := "X-MBX-USED-WEIGHT-1M"
	if strings.HasPrefix(path, "/sapi/") {
		header = "X-SAPI-USED-IP-WEIGHT-1M"
	}
	w.Header().Set(header, fmt.Sprint(used))
	if s.opts.WeightLimit > 0 && used > s.opts.WeightLimit && !strings.HasPrefix(path, "/sapi/") {
		wait := 60 - now.Unix()%60
		w.Header().Set("Retry-After", fmt.Sprint(wait))
		s.noteLimit(http.StatusTooManyRequests, time.Duration(wait)*time.Second)
		return &apiError{status: http.StatusTooManyRequests, code: codeTooManyRequests, msg: fmt.Sprintf("Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", s.opts.WeightLimit)}
	}
	return nil
}

// rateError sets Retry-After (whole seconds, rounded up) and returns the 429/418 answer.
func (s *Server) rateError(w *statusWriter, rf rateFault) *apiError {
	secs := int((rf.retryAfter + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	s.noteLimit(rf.status, rf.retryAfter)
	if rf.status == http.StatusTeapot {
		until := s.now().Add(rf.retryAfter).UnixMilli()
		return &apiError{status: rf.status, code: codeTooManyRequests, msg: fmt.Sprintf("Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.", until)}
	}
	return &apiError{status: rf.status, code: codeTooManyRequests, msg: fmt.Sprintf("Too much request weight used; current limit is %d request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.", s.opts.WeightLimit)}
}

// noteLimit remembers a 429 back-off or a 418 ban for BanOnEarlyRetry.
func (s *Server) noteLimit(status int, retryAfter time.Duration) {
	if !s.opts.BanOnEarlyRetry {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	until := s.now().Add(retryAfter)
	if status == http.StatusTeapot {
		s.bannedUntil = until
	} else {
		s.backoff = until
	}
}

// banned answers 418 during a ban, and starts one for a request sent during a back-off.
func (s *Server) banned(w *statusWriter) *apiError {
	if !s.opts.BanOnEarlyRetry {
		return nil
	}
	s.mu.Lock()
	now := s.now()
	if now.Before(s.backoff) {
		s.bannedUntil, s.backoff = now.Add(s.opts.BanDuration), time.Time{}
	}
	until := s.bannedUntil
	s.mu.Unlock()
	if !now.Before(until) {
		return nil
	}
	wait := until.Sub(now)
	w.Header().Set("Retry-After", fmt.Sprint(int((wait+time.Second-1)/time.Second)))
	return &apiError{status: http.StatusTeapot, code: codeTooManyRequests, msg: fmt.Sprintf("Way too much request weight used; IP banned until %d. Please use WebSocket Streams for live updates to avoid bans.", until.UnixMilli())}
}

// endpointWeight is each endpoint's REQUEST_WEIGHT (Binance's published weights; some depend
// on the parameters).
func endpointWeight(method, path string, p params) int {
	switch path {
	case "/api/v3/exchangeInfo", "/api/v3/account", "/api/v3/allOrders":
		return 20
	case "/api/v3/myTrades":
		if p.has("orderId") {
			return 5
		}
		return 20
	case "/api/v3/openOrders":
		if p.get("symbol") == "" {
			return 80
		}
		return 6
	case "/api/v3/order":
		if method == http.MethodGet {
			return 4 // POST and DELETE weigh 1
		}
		return 1
	case "/api/v3/ticker/bookTicker", "/api/v3/ticker/price":
		if p.get("symbol") == "" {
			return 4
		}
		return 2
	case "/api/v3/klines", "/api/v3/avgPrice":
		return 2
	}
	return 1
}
