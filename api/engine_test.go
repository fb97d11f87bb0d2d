package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange/paper"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/store"
)

const token = "real-engine-test-token-0123456789abcdefghij"

// TestRealEngineThroughAPI drives the real engine (simulated market, paper trading) through
// the API and checks the engine's state and what a cockpit subscribed to it receives.
func TestRealEngineThroughAPI(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mkt := sim.New(sim.Options{Symbols: []string{"BTCUSDT"}, Seed: 1, Manual: true})
	acct, err := paper.New(ctx, db, paper.Options{Rules: mkt})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{DB: db, Market: mkt, ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: acct})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- eng.Run(ctx) }()
	defer func() {
		cancel()
		<-runDone
	}()
	if err := eng.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if err := eng.AddBot(ctx, engine.BotConfig{Name: "dca-btc", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Paper,
		Params: map[string]string{"amount": "25", "interval": "1h"}, Budget: decimal.MustNew(500, 0)}); err != nil {
		t.Fatal(err)
	}

	srv, err := api.New(api.Config{Token: token, Engine: eng, Exchange: "sim", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, srvStop := context.WithCancel(ctx)
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.ServeListener(srvCtx, ln) }()
	defer func() {
		srvStop()
		if err := <-srvDone; err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	uiCtx, uiStop := context.WithCancel(ctx)
	defer uiStop()
	ui := eng.Subscribe(uiCtx)
	// await reads the cockpit's stream until match accepts an event.
	await := func(what string, match func(engine.Event) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev, ok := <-ui:
				if !ok {
					t.Fatalf("event stream closed while waiting for %s", what)
				}
				if match(ev) {
					return
				}
			case <-deadline:
				t.Fatalf("the cockpit never saw %s", what)
			}
		}
	}
	botIs := func(st engine.BotState) func(engine.Event) bool {
		return func(ev engine.Event) bool {
			switch e := ev.(type) {
			case engine.BotEventMsg:
				return e.Bot.Config.Name == "dca-btc" && e.Bot.State == st
			case engine.SnapshotEvent:
				for _, b := range e.Snapshot.Bots {
					if b.Config.Name == "dca-btc" && b.State == st {
						return true
					}
				}
			}
			return false
		}
	}
	state := func() engine.BotState { return eng.Snapshot().Bots[0].State }

	if code, body := call("POST", "/v1/bots/dca-btc/start", ""); code != 200 || !strings.Contains(body, `"state":"running"`) {
		t.Fatalf("start: %d %s", code, body)
	}
	if state() != engine.BotRunning {
		t.Fatalf("engine state after start: %s", state())
	}
	await("the bot running", botIs(engine.BotRunning))

	// A price makes the DCA bot buy; the order shows up in the API with decimal strings.
	var orders []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for len(orders) == 0 {
		// Pushed on every round: the first may come before the engine's stream is attached.
		if err := mkt.Push("BTCUSDT", "64000"); err != nil {
			t.Fatal(err)
		}
		code, body := call("GET", "/v1/orders?bot=dca-btc", "")
		if code != 200 {
			t.Fatalf("orders: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &orders); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the running bot placed no order on a price")
		}
		if len(orders) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, ok := orders[0]["quantity"].(string); !ok || orders[0]["bot"] != "dca-btc" {
		t.Errorf("order %v", orders[0])
	}

	if code, body := call("POST", "/v1/bots/dca-btc/stop", ""); code != 200 || !strings.Contains(body, `"state":"stopped"`) {
		t.Fatalf("stop: %d %s", code, body)
	}
	await("the bot stopped", botIs(engine.BotStopped))

	if code, body := call("POST", "/v1/killswitch", `{"reason":"api test"}`); code != 200 || !strings.Contains(body, `"engaged":true`) {
		t.Fatalf("engage: %d %s", code, body)
	}
	if snap := eng.Snapshot(); !snap.KillSwitch || snap.KillReason != "api test" {
		t.Errorf("engine kill switch %v %q", snap.KillSwitch, snap.KillReason)
	}
	await("the kill switch", func(ev engine.Event) bool {
		e, ok := ev.(engine.KillSwitchEvent)
		return ok && e.Engaged
	})
	if code, body := call("POST", "/v1/bots/dca-btc/start", ""); code != http.StatusConflict || !strings.Contains(body, "kill switch") {
		t.Errorf("start while engaged: %d %s", code, body)
	}
	if code, body := call("DELETE", "/v1/killswitch", ""); code != 200 || !strings.Contains(body, `"engaged":false`) {
		t.Fatalf("release: %d %s", code, body)
	}
	if eng.Snapshot().KillSwitch {
		t.Error("kill switch still engaged after release")
	}
	if code, body := call("GET", "/v1/bots/nope", ""); code != http.StatusNotFound {
		t.Errorf("unknown bot: %d %s", code, body)
	}
	code, body := call("GET", "/metrics", "")
	if code != 200 || !strings.Contains(body, `quantdeck_bots{state="stopped"} 1`) || !strings.Contains(body, "quantdeck_order_updates_total") {
		t.Errorf("metrics: %d\n%s", code, body)
	}
}
