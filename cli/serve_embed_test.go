package cli

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/instance"
)

// TestBackgroundServersBesideTheCockpit: with a token the API and the control socket serve
// the cockpit's engine, print nothing, and stop cleanly; without one only the socket runs.
func TestBackgroundServersBesideTheCockpit(t *testing.T) {
	for _, withToken := range []bool{true, false} {
		vars := serveVars(t)
		if !withToken {
			delete(vars, config.EnvAPIToken)
		}
		se := newServeEnv(t, vars)
		prepareHome(t, se, "")
		st, _, err := se.Source.Load()
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		lock, err := instance.Acquire(st.Home)
		if err != nil {
			t.Fatal(err)
		}
		rt, err := openApp(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Engine.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		stop, warning, err := rt.StartBackground(ctx)
		if err != nil || warning != "" {
			t.Fatalf("start: %v, warning %q", err, warning)
		}
		rs := &runningServe{se: se, url: "http://" + st.APIAddr}
		deadline := time.Now().Add(10 * time.Second)
		for {
			code, _ := rs.call(t, "GET", "/v1/status", "")
			_, serr := os.Lstat(instance.SocketPath(st.Home))
			if (code == http.StatusOK) == withToken && serr == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("token %v: API answered %d, socket %v", withToken, code, serr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		c, err := instance.Dial(st.Home)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.StartBot(ctx, "dca-btc"); err != nil {
			t.Fatalf("start through the socket: %v", err)
		}
		c.Close()
		if err := stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if code, _ := rs.call(t, "GET", "/v1/status", ""); code != 0 {
			t.Errorf("API still answers after stop: %d", code)
		}
		if _, err := os.Lstat(instance.SocketPath(st.Home)); !os.IsNotExist(err) {
			t.Errorf("socket left after stop: %v", err)
		}
		if out := se.stdout.String() + se.stderr.String(); out != "" {
			t.Errorf("printed while a UI would own the terminal: %q", out)
		}
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		lock.Close()
	}
}
