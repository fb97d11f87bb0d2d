package sim

import (
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock = clock.Fake

func newFakeClock() *fakeClock { return clock.NewFake(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)) }

// collect reads n ticks or fails when they do not arrive within a generous deadline.
func collect(t *testing.T, ch <-chan exchange.Tick, n int) []exchange.Tick {
	t.Helper()
	out := make([]exchange.Tick, 0, n)
	deadline := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case tk, ok := <-ch:
			if !ok {
				t.Fatalf("tick channel closed after %d of %d ticks", len(out), n)
			}
			out = append(out, tk)
		case <-deadline:
			t.Fatalf("got %d of %d ticks before the deadline", len(out), n)
		}
	}
	return out
}

// drain reads until the channel closes, failing after a deadline.
func drain[T any](t *testing.T, ch <-chan T) []T {
	t.Helper()
	var out []T
	deadline := time.After(10 * time.Second)
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, v)
		case <-deadline:
			t.Fatal("channel not closed before the deadline")
		}
	}
}

// multipleOf reports whether v is a whole multiple of step.
func multipleOf(v, step decimal.Decimal) bool {
	_, rem, err := v.QuoRem(step)
	return err == nil && rem.IsZero()
}
