package cli

import (
	"context"

	"github.com/quantdeck/quantdeck/config"
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
	// One failing server (the API's port taken, say) does not take the other down here: the
	// cockpit keeps running and the failure is in the log.
	g := newServerGroup(ctx, false, func(name string, err error) {
		rt.Log.Error("background server failed", "server", name, "err", err.Error())
	})
	startControlServers(g, srv, st)
	stop = func() error {
		g.cancel()
		return g.wait()
	}
	return stop, srv.Warning(), nil
}
