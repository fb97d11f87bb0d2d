// Package clock is QuantDeck's one notion of time for code that waits or stamps: Now, Sleep
// and After, with the system clock for the product and a fake that moves only when told for
// tests (no test waits on real time to see a timeout, a backoff or an expiry).
package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or less when ctx ends first (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
	// After delivers the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// System is the machine's clock.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// After is time.After.
func (System) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits d unless ctx ends first.
func (System) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Func is a clock that reads the time from a function and waits as the system clock does: for
// a time that data or a test sets, such as a replay's current moment or a skewed clock.
type Func func() time.Time

// Now returns f().
func (f Func) Now() time.Time { return f() }

// Sleep waits d of real time unless ctx ends first.
func (Func) Sleep(ctx context.Context, d time.Duration) error { return System{}.Sleep(ctx, d) }

// After is time.After.
func (Func) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Or returns c, or the system clock when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return System{}
	}
	return c
}

// Fake is a clock that moves only when told. A test shares one between the parts it runs (an
// exchange, a client, the engine) and lets them "sleep" by advancing it, so a minute's wait or a
// request held until the end of its receive window takes no real time.
type Fake struct {
	mu      sync.Mutex
	t       time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewFake returns a clock that reads start (in UTC) until it is advanced.
func NewFake(start time.Time) *Fake { return &Fake{t: start.UTC()} }

// Now returns the clock's time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (never backwards) and delivers every After whose time
// has come.
func (c *Fake) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	now := c.t
	var due []waiter
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(now) {
			kept = append(kept, w)
		} else {
			due = append(due, w)
		}
	}
	c.waiters = kept
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, w := range due {
		w.ch <- now // buffered: never blocks
	}
}

// Sleep advances the clock by d at once, unless ctx has ended: the sleeper wakes at the time it
// asked for, and no real time passes.
func (c *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// After delivers the clock's time once it has been advanced by d or more (at once when d is
// not positive).
func (c *Fake) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		ch <- c.t
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.t.Add(d), ch: ch})
	return ch
}
