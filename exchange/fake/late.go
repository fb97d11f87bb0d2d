package fake

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// heldOrder is a new-order request delivered late: the exchange has not seen it yet.
type heldOrder struct {
	acct *account
	p    params
	due  time.Time // timestamp + recvWindow: the last moment the exchange would accept it
}

// DeliverLateNext holds each of the next n new-order requests that pass the signature and
// timestamp checks, as a congested network or a queue in front of the exchange would: the
// connection is dropped at once without an answer, and the order is applied at the last
// moment its timestamp allows (timestamp + recvWindow, by the server's clock). It is applied
// before the first request that arrives at or after that moment, or by DeliverDue.
func (s *Server) DeliverLateNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.lateN += n
}

// Held returns how many late requests are still waiting to be applied.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// DeliverDue applies every held request whose moment has come by the server's clock and
// returns how many it applied.
func (s *Server) DeliverDue() int { return s.deliverDue(s.now()) }

// holdLate reports whether a new-order request that passed its checks is to be delivered
// late, and if so keeps it. Runs without s.mu.
func (s *Server) holdLate(a *account, p params) bool {
	ts, err := strconv.ParseInt(p.get("timestamp"), 10, 64)
	if err != nil {
		return false
	}
	window := int64(5000)
	if w, err := strconv.ParseInt(p.get("recvWindow"), 10, 64); err == nil && p.has("recvWindow") {
		window = w
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.takeLocked(&s.faults.lateN) {
		return false
	}
	s.held = append(s.held, heldOrder{acct: a, p: p, due: time.UnixMilli(ts + window).UTC()})
	return true
}

// deliverDue applies, oldest moment first, the held requests due at or before now. Each is
// applied as of its own moment: the exchange's checks pass exactly at timestamp + recvWindow.
func (s *Server) deliverDue(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.held) == 0 {
		return 0
	}
	sort.SliceStable(s.held, func(i, j int) bool { return s.held[i].due.Before(s.held[j].due) })
	n := 0
	for n < len(s.held) && !s.held[n].due.After(now) {
		h := s.held[n]
		n++
		if checkTimestamp(h.p, h.due) != nil {
			continue
		}
		req, m, e := s.parseOrder(h.p)
		if e != nil {
			continue
		}
		_, _, _ = s.place(h.acct, m, req, h.due) // a rejection (duplicate, funds) is its answer
	}
	s.held = append(s.held[:0], s.held[n:]...)
	return n
}

// isNewOrder reports whether r places an order.
func isNewOrder(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v3/order"
}
