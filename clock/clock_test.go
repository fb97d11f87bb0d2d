package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

var start = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func TestFakeSleepAdvances(t *testing.T) {
	c := NewFake(start)
	if err := c.Sleep(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Fatalf("now %s after sleeping 90s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on an ended context: %v", err)
	}
	if got := c.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Fatalf("an ended sleep moved the clock to %s", got)
	}
}

func TestFakeAfter(t *testing.T) {
	tests := []struct {
		name    string
		after   time.Duration
		advance []time.Duration
		fired   bool
	}{
		{"not yet", 10 * time.Second, []time.Duration{9 * time.Second}, false},
		{"exactly", 10 * time.Second, []time.Duration{10 * time.Second}, true},
		{"in steps", 10 * time.Second, []time.Duration{4 * time.Second, 4 * time.Second, 4 * time.Second}, true},
		{"zero fires at once", 0, nil, true},
		{"backwards is ignored", time.Second, []time.Duration{-time.Hour}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewFake(start)
			ch := c.After(tc.after)
			for _, d := range tc.advance {
				c.Advance(d)
			}
			select {
			case got := <-ch:
				if !tc.fired {
					t.Fatalf("fired at %s", got)
				}
				if got.Before(start.Add(tc.after)) {
					t.Fatalf("delivered %s, before its time", got)
				}
			default:
				if tc.fired {
					t.Fatal("did not fire")
				}
			}
		})
	}
}

func TestSystem(t *testing.T) {
	var c Clock = Or(nil)
	if _, ok := c.(System); !ok {
		t.Fatalf("Or(nil) is %T", c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on an ended context: %v", err)
	}
	if err := c.Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	<-c.After(0)
}

func TestFuncReadsItsFunction(t *testing.T) {
	at := start
	var c Clock = Func(func() time.Time { return at })
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("now %s, want %s", got, start)
	}
	at = start.Add(-time.Hour) // a set time may also go back
	if got := c.Now(); !got.Equal(start.Add(-time.Hour)) {
		t.Fatalf("now %s after setting an hour back", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on an ended context: %v", err)
	}
	<-c.After(0)
}
