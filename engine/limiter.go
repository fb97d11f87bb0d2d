package engine

import (
	"context"
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// limiter is a token bucket shared by every request the engine sends to an exchange. Before
// taking a token it also honours the adapter's own rate-limit state: a ban or back-off the
// exchange asked for, or a weight budget nearly spent for this minute.
type limiter struct {
	mu        sync.Mutex
	rate      float64 // tokens per second
	burst     float64
	tokens    float64
	last      time.Time
	holdUntil time.Time // set after a rate-limit answer
	nearLimit float64
	clk       clock.Clock
}

func newLimiter(l Limits, clk clock.Clock) *limiter {
	return &limiter{rate: l.OrdersPerSecond, burst: float64(l.Burst), tokens: float64(l.Burst), nearLimit: l.NearLimit, clk: clk}
}

// reserve takes a token and returns how long the caller must wait before using it.
func (l *limiter) reserve(rs exchange.RateState, hasRS bool) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	if l.last.IsZero() {
		l.last = now
	}
	if el := now.Sub(l.last).Seconds(); el > 0 {
		l.tokens += el * l.rate
		if l.tokens > l.burst {
			l.tokens = l.burst
		}
		l.last = now
	}
	var wait time.Duration
	if l.holdUntil.After(now) {
		wait = l.holdUntil.Sub(now)
	}
	if hasRS {
		if rs.BannedUntil.After(now) {
			if d := rs.BannedUntil.Sub(now); d > wait {
				wait = d
			}
		}
		if rs.WeightLimit > 0 && float64(rs.UsedWeight) >= l.nearLimit*float64(rs.WeightLimit) {
			// The weight window is the exchange's calendar minute.
			next := now.Truncate(time.Minute).Add(time.Minute)
			if d := next.Sub(now); d > wait {
				wait = d
			}
		}
	}
	l.tokens--
	if l.tokens < 0 {
		if d := time.Duration(-l.tokens / l.rate * float64(time.Second)); d > wait {
			wait = d
		}
	}
	return wait
}

// wait blocks until the caller may send one request to t, or ctx ends.
func (l *limiter) wait(ctx context.Context, t any) error {
	rr, ok := t.(exchange.RateReporter)
	var rs exchange.RateState
	if ok {
		rs = rr.RateState()
	}
	d := l.reserve(rs, ok)
	if d <= 0 {
		return ctx.Err()
	}
	return l.clk.Sleep(ctx, d)
}

// backOff makes every caller wait at least d, after the exchange said we were too fast.
func (l *limiter) backOff(d time.Duration) {
	if d <= 0 {
		d = time.Second
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.clk.Now().Add(d); until.After(l.holdUntil) {
		l.holdUntil = until
	}
}
