package binance

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestCheckPermissions(t *testing.T) {
	tests := []struct {
		name    string
		network string
		body    string
		want    exchange.Permissions
	}{
		{"trade-only, IP restricted", Mainnet,
			`{"ipRestrict":true,"createTime":1698645219000,"enableReading":true,"enableWithdrawals":false,"enableInternalTransfer":false,"enableMargin":false,"enableFutures":false,"permitsUniversalTransfer":false,"enableVanillaOptions":false,"enableFixApiTrade":false,"enableFixReadOnly":false,"enableSpotAndMarginTrading":true,"enablePortfolioMarginTrading":false}`,
			exchange.Permissions{CanTrade: true, IPRestricted: true, Checked: true}},
		{"withdrawals enabled", Mainnet,
			`{"ipRestrict":true,"enableReading":true,"enableWithdrawals":true,"enableSpotAndMarginTrading":true}`,
			exchange.Permissions{CanTrade: true, CanWithdraw: true, IPRestricted: true, Checked: true}},
		{"read only, no IP restriction", Mainnet,
			`{"ipRestrict":false,"enableReading":true,"enableWithdrawals":false,"enableSpotAndMarginTrading":false}`,
			exchange.Permissions{Checked: true}},
		{"testnet cannot check", Testnet, "", exchange.Permissions{CanTrade: true, Checked: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /sapi/v1/account/apiRestrictions", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			rs.handle("GET /api/v3/account", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"canTrade":true,"balances":[]}`) })
			pc := NewPermissionChecker(Config{Name: tt.network, RESTURL: rs.srv.URL, Creds: failingCreds{errors.New("must not be used")}})
			got, err := pc.CheckPermissions(context.Background(), []byte(testKey), []byte(testSecret))
			if err != nil {
				t.Fatal(err)
			}
			if got.CanTrade != tt.want.CanTrade || got.CanWithdraw != tt.want.CanWithdraw || got.IPRestricted != tt.want.IPRestricted || got.Checked != tt.want.Checked {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if (tt.want.CanWithdraw || !tt.want.Checked || !tt.want.IPRestricted) && got.Note == "" {
				t.Fatal("an unusual key needs a note for the user")
			}
			for _, r := range rs.requests("") {
				if r.Path != "/api/v3/time" && (!r.SigOK || r.APIKey != testKey) {
					t.Fatalf("%s not signed with the key under test", r.Path)
				}
				if tt.network == Testnet && r.Path == "/sapi/v1/account/apiRestrictions" {
					t.Fatal("the testnet has no /sapi endpoints")
				}
			}
		})
	}
}

func TestCheckPermissionsRejectedKey(t *testing.T) {
	rs := newRESTServer(t)
	rs.handle("GET /sapi/v1/account/apiRestrictions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`)
	})
	pc := NewPermissionChecker(Config{Name: Mainnet, RESTURL: rs.srv.URL})
	_, err := pc.CheckPermissions(context.Background(), []byte(testKey), []byte(testSecret))
	if !errors.Is(err, exchange.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	assertNoSecrets(t, err.Error())
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
		rest string
	}{
		{"mainnet defaults", Config{Name: Mainnet}, true, MainnetRESTURL},
		{"testnet defaults", Config{Name: Testnet}, true, TestnetRESTURL},
		{"override trims slash", Config{Name: Testnet, RESTURL: "http://127.0.0.1:8080/"}, true, "http://127.0.0.1:8080"},
		{"ws path is dropped", Config{Name: Mainnet, WSURL: "wss://stream.binance.com:9443/ws/"}, true, MainnetRESTURL},
		{"unknown network", Config{Name: "kraken"}, false, ""},
		{"bad rest scheme", Config{Name: Mainnet, RESTURL: "ftp://x"}, false, ""},
		{"bad ws scheme", Config{Name: Mainnet, WSURL: "http://x"}, false, ""},
		{"recv window too large", Config{Name: Mainnet, RecvWindow: 61e9}, false, ""},
		{"plain http elsewhere, no key", Config{Name: Mainnet, RESTURL: "http://proxy.lan:8080"}, true, "http://proxy.lan:8080"},
		{"plain http elsewhere with a key", Config{Name: Mainnet, RESTURL: "http://proxy.lan:8080", Creds: plainCredsForTest{}}, false, ""},
		{"plain ws API elsewhere with a key", Config{Name: Mainnet, WSAPIURL: "ws://proxy.lan/ws-api/v3", Creds: plainCredsForTest{}}, false, ""},
		{"plain http on loopback with a key", Config{Name: Mainnet, RESTURL: "http://127.0.0.1:8080", WSURL: "ws://127.0.0.1:8080", Creds: plainCredsForTest{}}, true, "http://127.0.0.1:8080"},
		{"plain http on localhost with a key", Config{Name: Testnet, RESTURL: "http://localhost:8080", WSAPIURL: "ws://[::1]:9/ws-api/v3", Creds: plainCredsForTest{}}, true, "http://localhost:8080"},
		{"https elsewhere with a key", Config{Name: Mainnet, RESTURL: "https://proxy.lan", Creds: plainCredsForTest{}}, true, "https://proxy.lan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && (c.restURL != tt.rest || c.Name() != tt.cfg.Name) {
				t.Fatalf("rest = %q name = %q", c.restURL, c.Name())
			}
			if tt.ok && (strings.HasSuffix(c.wsURL, "/ws") || strings.HasSuffix(c.wsURL, "/")) {
				t.Fatalf("ws base = %q", c.wsURL)
			}
		})
	}
}

// plainCredsForTest lends a fixed test key.
type plainCredsForTest struct{}

func (plainCredsForTest) Use(_ context.Context, fn func(apiKey, apiSecret []byte) error) error {
	return fn([]byte(testKey), []byte(testSecret))
}
