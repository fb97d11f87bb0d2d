package engine

import (
	"context"
	"errors"
	"testing"
)

// TestRunAfterCloseRefuses: a closed engine does not start again, and that refusal is not a
// failure of a running engine.
func TestRunAfterCloseRefuses(t *testing.T) {
	r := newRig(t, nil, nil)
	r.e.Close()
	err := r.e.Run(context.Background())
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close = %v, want ErrClosed", err)
	}
	if f := r.e.Failure(); f != nil {
		t.Fatalf("Failure() = %v after a refused Run, want nil", f)
	}
}

// TestCloseBesideRun closes engines while their Run starts: every Run returns (nil when it
// got going before Close, ErrClosed when Close came first) and the race detector sees no
// WaitGroup reuse.
func TestCloseBesideRun(t *testing.T) {
	for range 20 {
		r := newRig(t, nil, nil)
		done := make(chan error, 1)
		go func() { done <- r.e.Run(context.Background()) }()
		r.e.Close()
		if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
			t.Fatalf("Run = %v, want nil or ErrClosed", err)
		}
		if f := r.e.Failure(); f != nil {
			t.Fatalf("Failure() = %v after Close, want nil", f)
		}
	}
}
