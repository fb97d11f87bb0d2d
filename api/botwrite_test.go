package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
)

func TestParseBotBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
		check   func(engine.BotConfig) bool
	}{
		{"paper dca", `{"name":"d1","symbol":" ethusdt","strategy":"dca","params":{"amount":"25"},"budget":"500"}`, "",
			func(c engine.BotConfig) bool {
				return c.Name == "d1" && c.Symbol == "ETHUSDT" && c.Mode == engine.Paper && c.Budget.String() == "500" && c.Params["amount"] == "25"
			}},
		{"live with limits", `{"name":"l","symbol":"BTCUSDT","strategy":"grid","mode":"live","key":"main","max_order_value":"100","max_open_orders":4,"daily_loss_limit":"12.5"}`, "",
			func(c engine.BotConfig) bool {
				return c.Mode == engine.Live && c.KeyLabel == "main" && c.MaxOrderNotional.String() == "100" && c.MaxOpenOrders == 4 && c.DailyLossLimit.String() == "12.5"
			}},
		{"empty", ``, "one bot as a JSON object", nil},
		{"unknown field", `{"name":"x","withdraw":true}`, "one bot as a JSON object", nil},
		{"two objects", `{"name":"x"}{"name":"y"}`, "one JSON object", nil},
		{"no name", `{"symbol":"BTCUSDT"}`, "bot name is empty", nil},
		{"name with a slash", `{"name":"a/b"}`, "slashes", nil},
		{"odd mode", `{"name":"x","mode":"margin"}`, "mode must be", nil},
		{"negative budget", `{"name":"x","budget":"-1"}`, "budget must be an amount", nil},
		{"negative open orders", `{"name":"x","max_open_orders":-1}`, "may not be negative", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseBotBody([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(cfg) {
				t.Fatalf("parseBotBody = %+v, %v", cfg, err)
			}
		})
	}
}

func FuzzParseBotBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"name":"d1","symbol":"BTCUSDT","strategy":"dca","params":{"amount":"25"}}`,
		`{"name":"x","budget":"-0"}`, `{"name":"x","mode":"live","key":""}`, `[1]`, `{"name":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cfg, err := parseBotBody(body)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad request: ") {
				t.Fatalf("error %q lacks the bad request prefix", err)
			}
			return
		}
		if _, err := parseName(cfg.Name); err != nil {
			t.Fatalf("invalid name %q accepted", cfg.Name)
		}
		if cfg.Mode != engine.Paper && cfg.Mode != engine.Live {
			t.Fatalf("mode %q accepted", cfg.Mode)
		}
		if cfg.Budget.IsNeg() || cfg.MaxOrderNotional.IsNeg() || cfg.DailyLossLimit.IsNeg() || cfg.MaxOpenOrders < 0 {
			t.Fatalf("negative limit accepted: %+v", cfg)
		}
	})
}

// Adding and removing bots is for the owner-only control socket: the token API does not
// offer it, and the socket hands the request to the engine, whose refusal comes back.
func TestBotWritesOnlyOnTheControlSocket(t *testing.T) {
	ts := startServer(t, nil)
	if code, _, _ := ts.do(t, "POST", "/v1/bots", `{"name":"d1"}`); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /v1/bots on the token API: %d, want 405", code)
	}
	if code, _, _ := ts.do(t, "DELETE", "/v1/bots/d1", ""); code != http.StatusMethodNotAllowed && code != http.StatusNotFound {
		t.Errorf("DELETE /v1/bots/d1 on the token API: %d, want 404 or 405", code)
	}
	h := ts.srv.LocalHandler()
	rec := serve(h, "POST", "/v1/bots", `{"name":"d1","symbol":"BTCUSDT","strategy":"dca"}`)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "not in fake") {
		t.Errorf("POST /v1/bots on the socket: %d %s, want the engine's refusal", rec.Code, rec.Body)
	}
	if rec := serve(h, "POST", "/v1/bots", `{"name":"d1","mode":"margin"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("a bad body on the socket: %d, want 400", rec.Code)
	}
}
