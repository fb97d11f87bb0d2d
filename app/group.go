package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// group runs services until its context ends, collecting their failures. It differs from
// errgroup in one way the cockpit needs: a failure may be reported without stopping the others.
type group struct {
	ctx         context.Context
	cancel      context.CancelFunc
	stopOnError bool                         // one failure stops the others
	onError     func(name string, err error) // optional report of each failure
	wg          sync.WaitGroup
	mu          sync.Mutex
	errs        []error
}

func newGroup(ctx context.Context, stopOnError bool, onError func(string, error)) *group {
	ctx, cancel := context.WithCancel(ctx)
	return &group{ctx: ctx, cancel: cancel, stopOnError: stopOnError, onError: onError}
}

func (g *group) run(name string, f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := f(g.ctx)
		if err == nil {
			return
		}
		if g.onError != nil {
			g.onError(name, err)
		}
		g.mu.Lock()
		g.errs = append(g.errs, fmt.Errorf("%s: %w", name, err))
		g.mu.Unlock()
		if g.stopOnError {
			g.cancel()
		}
	}()
}

// wait waits for every service to return and joins their failures.
func (g *group) wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}
