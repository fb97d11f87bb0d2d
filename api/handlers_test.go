package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

func TestStatus(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.VaultState = func() string { return "sealed" } })
	code, h, body := ts.do(t, "GET", "/v1/status", "")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	want := statusJSON{Version: "1.2.3", Exchange: "sim", Mode: "simulated", Vault: "sealed",
		Stream:      streamJSON{State: "live", Reconnects: 2, ClockOffsetMS: -1500, Rate: rateJSON{UsedWeight: 40, WeightLimit: 6000}},
		BotsRunning: 1, BotsTotal: 2, UptimeSeconds: 90}
	st.Started, st.Stream.LastMessage = time.Time{}, nil
	if st != want {
		t.Errorf("status\n got %+v\nwant %+v", st, want)
	}
}

func TestBotsJSONHasDecimalStrings(t *testing.T) {
	ts := startServer(t, nil)
	code, _, body := ts.do(t, "GET", "/v1/bots", "")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var bots []map[string]any
	if err := json.Unmarshal([]byte(body), &bots); err != nil {
		t.Fatal(err)
	}
	if len(bots) != 2 {
		t.Fatalf("%d bots", len(bots))
	}
	for field, want := range map[string]string{"position": "0.00120000", "avg_entry": "64000.10", "realized_pnl": "-1.5", "budget": "500"} {
		if got, ok := bots[0][field].(string); !ok || got != want {
			t.Errorf("%s = %#v, want the string %q", field, bots[0][field], want)
		}
	}
	if bots[1]["key_label"] != "main" || bots[1]["state"] != "running" {
		t.Errorf("second bot: %v", bots[1])
	}
}

func TestOneBot(t *testing.T) {
	ts := startServer(t, nil)
	cases := []struct {
		path string
		code int
		has  string
	}{
		{"/v1/bots/dca-btc", 200, `"name":"dca-btc"`},
		{"/v1/bots/nope", 404, "no bot named nope"},
		{"/v1/bots/" + strings.Repeat("n", 65), 400, "longer than 64"},
		{"/v1/bots/a%20b", 400, "spaces"},
		{"/v1/bots/a%2Fb", 400, "slashes"},
		{"/v1/bots/a%00b", 400, "control"},
	}
	for _, c := range cases {
		code, _, body := ts.do(t, "GET", c.path, "")
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("GET %s: %d %s, want %d with %q", c.path, code, body, c.code, c.has)
		}
	}
}

// TestStartStopKillSwitchChangeEngineState drives the engine through the API and checks both
// its state and what a subscriber (the cockpit) receives.
func TestStartStopKillSwitchChangeEngineState(t *testing.T) {
	ts := startServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ui := ts.eng.Subscribe(ctx)
	state := func(name string) engine.BotState {
		for _, b := range ts.eng.Snapshot().Bots {
			if b.Config.Name == name {
				return b.State
			}
		}
		return ""
	}
	next := func() engine.Event {
		select {
		case ev := <-ui:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event reached the subscriber")
			return nil
		}
	}

	code, _, body := ts.do(t, "POST", "/v1/bots/dca-btc/start", "")
	if code != 200 || !strings.Contains(body, `"state":"running"`) || state("dca-btc") != engine.BotRunning {
		t.Fatalf("start: %d %s, engine state %s", code, body, state("dca-btc"))
	}
	if ev, ok := next().(engine.BotEventMsg); !ok || ev.Bot.State != engine.BotRunning {
		t.Fatalf("subscriber saw %#v after start", ev)
	}
	code, _, body = ts.do(t, "POST", "/v1/bots/dca-btc/stop", "")
	if code != 200 || !strings.Contains(body, `"state":"stopped"`) || state("dca-btc") != engine.BotStopped {
		t.Fatalf("stop: %d %s", code, body)
	}
	next()

	code, _, body = ts.do(t, "POST", "/v1/killswitch", `{"reason":"market is melting"}`)
	if code != 200 || strings.TrimSpace(body) != `{"engaged":true,"reason":"market is melting"}` {
		t.Fatalf("engage: %d %s", code, body)
	}
	if ev, ok := next().(engine.KillSwitchEvent); !ok || !ev.Engaged || ev.Reason != "market is melting" {
		t.Fatalf("subscriber saw %#v after engage", ev)
	}
	if state("grid-eth") != engine.BotStopped {
		t.Error("kill switch left a bot running")
	}
	// The engine refuses to start a bot while engaged; the API passes the reason on.
	code, _, body = ts.do(t, "POST", "/v1/bots/dca-btc/start", "")
	if code != http.StatusConflict || !strings.Contains(body, "release it") {
		t.Errorf("start while engaged: %d %s", code, body)
	}
	code, _, body = ts.do(t, "DELETE", "/v1/killswitch", "")
	if code != 200 || strings.TrimSpace(body) != `{"engaged":false}` {
		t.Fatalf("release: %d %s", code, body)
	}
	if ev, ok := next().(engine.KillSwitchEvent); !ok || ev.Engaged {
		t.Fatalf("subscriber saw %#v after release", ev)
	}
	code, _, body = ts.do(t, "POST", "/v1/killswitch", "")
	if code != 200 || !strings.Contains(body, "control API") {
		t.Errorf("engage without a body: %d %s", code, body)
	}
}

func TestKillSwitchBodyChecks(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	cases := []struct {
		body string
		code int
	}{
		{`{"reason":"x","extra":1}`, 400},
		{`{"reason":42}`, 400},
		{`not json`, 400},
		{`{"reason":"a"}{"reason":"b"}`, 400},
		{`{"reason":"` + strings.Repeat("r", 201) + `"}`, 400},
		{`{"reason":"line\nbreak"}`, 400},
		{`{"reason":"` + strings.Repeat("r", 2000) + `"}`, 413},
	}
	for _, c := range cases {
		code, _, body := ts.do(t, "POST", "/v1/killswitch", c.body)
		if code != c.code {
			t.Errorf("body %.40q: %d %s, want %d", c.body, code, body, c.code)
		}
	}
	if n := ts.eng.count("EngageKillSwitch"); n != 0 {
		t.Errorf("engine engaged %d times on bad bodies", n)
	}
}

func TestOrdersQuery(t *testing.T) {
	ts := startServer(t, nil)
	code, _, body := ts.do(t, "GET", "/v1/orders?bot=dca-btc&open=true&limit=5", "")
	if code != 200 || !strings.Contains(body, `"client_id":"qd-dca-btc-1"`) || !strings.Contains(body, `"price":"64000.10"`) {
		t.Fatalf("orders: %d %s", code, body)
	}
	ts.eng.mu.Lock()
	f := ts.eng.lastFilter
	ts.eng.mu.Unlock()
	if f != (engine.OrderFilter{Bot: "dca-btc", OpenOnly: true, Limit: 5}) {
		t.Errorf("filter %+v", f)
	}
	code, _, body = ts.do(t, "GET", "/v1/orders?bot=other", "")
	if code != 200 || strings.TrimSpace(body) != "[]" {
		t.Errorf("orders of a bot with none: %d %s, want an empty list", code, body)
	}
	for _, q := range []string{"open=maybe", "limit=0", "limit=1001", "limit=x", "bot=", "bot=a&bot=b", "color=red", "bot=a%20b"} {
		if code, _, body := ts.do(t, "GET", "/v1/orders?"+q, ""); code != 400 {
			t.Errorf("?%s: %d %s, want 400", q, code, body)
		}
	}
}

func TestBalancesAndPrices(t *testing.T) {
	ts := startServer(t, nil)
	code, _, body := ts.do(t, "GET", "/v1/balances", "")
	if code != 200 || !strings.Contains(body, `"free":"9974.5"`) || !strings.Contains(body, `"mode":"paper"`) {
		t.Errorf("balances: %d %s", code, body)
	}
	code, _, body = ts.do(t, "GET", "/v1/prices", "")
	if code != 200 || !strings.Contains(body, `"symbol":"BTCUSDT"`) || !strings.Contains(body, `"last":"64010.5"`) {
		t.Errorf("prices: %d %s", code, body)
	}
}

// The strategy specs reach API clients whole: every strategy with every parameter's key,
// kind and optional mark, so a client can build the same form as the cockpit.
func TestStrategiesFromSpecs(t *testing.T) {
	ts := startServer(t, nil)
	code, _, body := ts.do(t, "GET", "/v1/strategies", "")
	if code != 200 {
		t.Fatalf("strategies: %d %s", code, body)
	}
	var got []strategy.Spec
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("strategies body %s: %v", body, err)
	}
	want := strategy.Specs()
	if len(got) != len(want) {
		t.Fatalf("%d strategies, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || !reflect.DeepEqual(got[i].Params, want[i].Params) {
			t.Errorf("strategy %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestConcurrencyCap(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxConcurrent = 1 })
	ts.eng.mu.Lock()
	ts.eng.block = make(chan struct{})
	ts.eng.entered = make(chan struct{}, 1)
	ts.eng.mu.Unlock()
	done := make(chan int, 1)
	go func() {
		code, _, _ := ts.do(t, "POST", "/v1/bots/dca-btc/start", "")
		done <- code
	}()
	<-ts.eng.entered
	code, h, _ := ts.do(t, "GET", "/v1/status", "")
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Errorf("second request while the cap is used: %d, want 503 with Retry-After", code)
	}
	close(ts.eng.block)
	if code := <-done; code != 200 {
		t.Errorf("held request: %d", code)
	}
	if code, _, _ := ts.do(t, "GET", "/v1/status", ""); code != 200 {
		t.Errorf("after the slot is free: %d", code)
	}
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, nil)
	waitFor(t, "the metrics subscription", func() bool { return ts.eng.subscribers() == 1 })
	snap := ts.eng.Snapshot()
	snap.Prices[0].Updated = snap.Prices[0].Updated.Add(time.Second)
	snap.Health.Reconnects = 5
	ts.eng.emit(engine.SnapshotEvent{Snapshot: snap})
	ts.eng.emit(engine.OrderEvent{Order: engine.OrderView{State: engine.OrderFilled}})
	ts.eng.emit(engine.ErrorEvent{Err: "boom"})
	ts.eng.emit(engine.ConnEvent{Conn: exchange.ConnEvent{State: exchange.StreamReconnecting, Reconnects: 6}})
	ts.do(t, "GET", "/v1/bots/nope", "")
	ts.do(t, "GET", "/v1/status", "", "")
	want := []string{
		`quantdeck_ticks_total{symbol="BTCUSDT"} 1`,
		`quantdeck_order_updates_total{state="filled"} 1`,
		`quantdeck_order_updates_total{state="rejected"} 0`,
		`quantdeck_errors_total{source="engine"} 1`,
		`quantdeck_stream_reconnects_total 6`,
		`quantdeck_api_requests_total{code="404",route="GET /v1/bots/{name}"} 1`,
		`quantdeck_api_requests_total{code="401",route="GET /v1/status"} 1`,
		`quantdeck_kill_switch_engaged 0`,
		`quantdeck_stream_live 1`,
		`quantdeck_bots{state="running"} 1`,
		`quantdeck_open_orders 3`,
		`go_goroutines`,
		`quantdeck_engine_ticks_total 12345`,
	}
	var body string
	waitFor(t, "the metrics to show the events", func() bool {
		_, _, body = ts.do(t, "GET", "/metrics", "")
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	})
	if strings.Contains(body, testToken) {
		t.Error("metrics contain the token")
	}
}

// TestLocalHandlerNeedsNoTokenAndOffersSeal: the control socket's handler serves the same
// routes without a token, plus seal.
func TestLocalHandlerNeedsNoTokenAndOffersSeal(t *testing.T) {
	sealed := false
	srv, err := NewLocal(Config{Engine: newFakeEngine(), Seal: func(context.Context) error { sealed = true; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.LocalHandler()
	for _, r := range srv.Routes() {
		rec := serve(h, r.Method, concrete(r.Path), "")
		if rec.Code == http.StatusUnauthorized || rec.Code >= 500 {
			t.Errorf("%s %s on the local handler: %d", r.Method, r.Path, rec.Code)
		}
	}
	if rec := serve(h, "POST", "/v1/seal", ""); rec.Code != 200 || !sealed {
		t.Errorf("seal: %d, sealed %v", rec.Code, sealed)
	}
	// Without a configured token the token handler accepts nothing, not even an empty one.
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer \u0085", "bearer  "} {
		req := httptest.NewRequest("GET", "/v1/status", nil)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("token handler with no token configured, Authorization %q: %d", auth, rec.Code)
		}
	}
}
