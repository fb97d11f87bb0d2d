package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
)

// startBackgroundServers runs the control socket and, when QUANTDECK_API_TOKEN is set, the
// control API beside the cockpit, so scripts and `quantdeck bots start|stop` reach the engine
// of a running TUI. The caller must hold the data directory's lock. Nothing is printed (the
// UI owns the terminal): lines go to rt.Log, and warning is the non-loopback risk warning for
// the UI to show ("" on loopback). stop ends both and waits; it returns what made them fail
// early, if anything.
func startBackgroundServers(ctx context.Context, rt *runtime, st config.Settings) (stop func() error, warning string, err error) {
	srv, err := newAPIServer(rt, st, func(msg string, args ...any) { rt.Log.Warn(msg, args...) })
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				rt.Log.Error("background server failed", "server", name, "err", err.Error())
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	run("control socket", func(ctx context.Context) error {
		return instance.ServeControl(ctx, st.Home, srv.LocalHandler())
	})
	if st.APIToken != "" {
		run("control API", srv.Serve)
	} else {
		run("metrics", func(ctx context.Context) error { srv.CollectEvents(ctx); return nil })
	}
	stop = func() error {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(errs...)
	}
	return stop, srv.Warning(), nil
}
