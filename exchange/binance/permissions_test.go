package binance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/fake"
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

// The withdraw and trade flags must be in the answer: a key whose answer leaves either out is
// refused, never read as unable to withdraw.
func TestCheckPermissionsMissingFlagRefuses(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"no withdraw flag", `{"ipRestrict":true,"enableReading":true,"enableSpotAndMarginTrading":true}`},
		{"null withdraw flag", `{"ipRestrict":true,"enableWithdrawals":null,"enableSpotAndMarginTrading":true}`},
		{"no trade flag", `{"ipRestrict":true,"enableWithdrawals":false}`},
		{"empty object", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newRESTServer(t)
			rs.handle("GET /sapi/v1/account/apiRestrictions", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			pc := NewPermissionChecker(Config{Name: Mainnet, RESTURL: rs.srv.URL})
			got, err := pc.CheckPermissions(context.Background(), []byte(testKey), []byte(testSecret))
			if !errors.Is(err, exchange.ErrPermissionsUnknown) {
				t.Fatalf("err = %v (perms %+v), want ErrPermissionsUnknown", err, got)
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

// Against the fake exchange: the answer for a trade-only key passes the rule; after the owner
// turns withdrawals on, the same key is refused.
func TestCheckPermissionsAgainstFake(t *testing.T) {
	srv, err := fake.New(fake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if err := srv.AddKey(testKey, testSecret, fake.Permissions{Reading: true, Trade: true, IPRestrict: true}, nil); err != nil {
		t.Fatal(err)
	}
	pc := NewPermissionChecker(Config{Name: Mainnet, RESTURL: srv.URL(), WSURL: srv.WSURL()})
	ctx := context.Background()
	p, err := pc.CheckPermissions(ctx, []byte(testKey), []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Verdict(); v.Refused != nil || len(v.Warnings) != 0 {
		t.Fatalf("trade-only, IP-restricted key: verdict %+v (perms %+v)", v, p)
	}
	if err := srv.SetPermissions(testKey, fake.Permissions{Reading: true, Trade: true, Withdraw: true}); err != nil {
		t.Fatal(err)
	}
	p, err = pc.CheckPermissions(ctx, []byte(testKey), []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Verdict(); !errors.Is(v.Refused, exchange.ErrKeyCanWithdraw) {
		t.Fatalf("withdrawing key: verdict %+v (perms %+v)", v, p)
	}
}

// FuzzRestrictions decodes arbitrary apiRestrictions answers: whatever is accepted says exactly
// what the answer said about withdrawals and trading, and an answer that does not say whether
// the key can withdraw is never accepted.
func FuzzRestrictions(f *testing.F) {
	f.Add([]byte(`{"ipRestrict":true,"enableReading":true,"enableWithdrawals":false,"enableSpotAndMarginTrading":true}`))
	f.Add([]byte(`{"ipRestrict":false,"enableWithdrawals":true,"enableSpotAndMarginTrading":true}`))
	f.Add([]byte(`{"enableSpotAndMarginTrading":true}`))
	f.Add([]byte(`{"ENABLEWITHDRAWALS":false,"enableSpotAndMarginTrading":true}`))
	f.Add([]byte(`{"enableWithdrawals":"false","enableSpotAndMarginTrading":true}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var r restrictionsResp
		if json.Unmarshal(body, &r) != nil {
			return
		}
		p, err := r.permissions()
		// encoding/json matches keys case-insensitively; an answer spelling one flag twice
		// in different cases is left to encoding/json's own order rules.
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(body, &raw)
		twice := false
		flag := func(name string) (val, ok bool) {
			var b *bool
			n := 0
			for k, v := range raw {
				if strings.EqualFold(k, name) {
					n++
					if json.Unmarshal(v, &b) != nil {
						return false, false
					}
				}
			}
			twice = twice || n > 1
			if b == nil {
				return false, false
			}
			return *b, true
		}
		w, wOK := flag("enableWithdrawals")
		tr, tOK := flag("enableSpotAndMarginTrading")
		if twice {
			return
		}
		if err != nil {
			if wOK && tOK {
				t.Fatalf("refused an answer with both flags: %s: %v", body, err)
			}
			return
		}
		if !wOK || !tOK {
			t.Fatalf("accepted an answer without both flags: %s -> %+v", body, p)
		}
		if !p.Checked || p.CanWithdraw != w || p.CanTrade != tr {
			t.Fatalf("%s -> %+v", body, p)
		}
		if p.CanWithdraw && !errors.Is(p.Verdict().Refused, exchange.ErrKeyCanWithdraw) {
			t.Fatalf("a withdrawing key passes the rule: %+v", p)
		}
	})
}
