package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/ai/aifake"
)

// Planted secrets: each is distinctive, so finding any of them in a request proves a leak.
const (
	plantedExKey     = "PLANTEDEXCHANGEKEY000000000000001"
	plantedExSecret  = "PLANTEDEXCHANGESECRET00000000001"
	plantedAIKey     = "sk-ant-PLANTED-AI-KEY-0000000001"
	plantedAPIToken  = "PLANTEDAPITOKEN0000000000000000000000001"
	plantedEnvKey    = "PLANTED-ENV-ANTHROPIC-KEY-0001"
	plantedEnvHeader = "PLANTED-ENV-HEADER-0001"
	plantedEnvAuth   = "PLANTED-ENV-AUTH-TOKEN-0001"
	plantedEnvOther  = "PLANTED-ENV-OTHER-0001"
	plantedFile      = "PLANTED-DATA-DIR-FILE-0001"
	plantedDotenv    = "PLANTED-DOTENV-0001"
)

// aiHome makes a data directory with an exchange key, the Anthropic key, a grid bot, a stray
// file holding a secret, and a .env beside it holding the API token.
func aiHome(t *testing.T) string {
	t.Helper()
	home := newHome(t)
	mustQD(t, 0, home, plantedExKey+"\n"+plantedExSecret+"\n", withPass(pass1), "keys", "add", "--label", "ex", "--exchange", "sim")
	r := mustQD(t, 0, home, plantedAIKey+"\n", withPass(pass1), "keys", "add", "--label", "claude", "--exchange", "anthropic")
	if !strings.Contains(r.stdout, `Stored key "claude" for anthropic`) {
		t.Fatalf("adding the Anthropic key: %s", r)
	}
	if r := mustQD(t, 0, home, "", nil, "keys", "list"); !strings.Contains(r.stdout, "n/a (AI key)") {
		t.Fatalf("keys list: %s", r)
	}
	mustQD(t, 0, home, "", []string{"QUANTDECK_SIM_SEED=7"}, "bots", "add", "--name", "grid1", "--symbol", "BTCUSDT", "--strategy", "grid",
		"--set", "lower=59000", "--set", "upper=61000", "--set", "levels=5", "--set", "quantity=0.001", "--budget", "500")
	if err := os.WriteFile(filepath.Join(home, "notes.txt"), []byte(plantedFile), 0o600); err != nil {
		t.Fatal(err)
	}
	dotenv := "QUANTDECK_API_TOKEN=" + plantedAPIToken + "\nQUANTDECK_SIM_SPEED=1 # " + plantedDotenv + "\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(home), ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func aiEnv(baseURL string, on bool) []string {
	env := []string{
		"QUANTDECK_VAULT_PASSPHRASE=" + pass1,
		"QUANTDECK_AI_BASE_URL=" + baseURL,
		"QUANTDECK_SIM_SEED=7",
		"ANTHROPIC_API_KEY=" + plantedEnvKey,
		"ANTHROPIC_AUTH_TOKEN=" + plantedEnvAuth,
		"ANTHROPIC_CUSTOM_HEADERS=X-Leak: " + plantedEnvHeader,
		"ANTHROPIC_BASE_URL=http://127.0.0.1:1",
		"SOME_TOKEN=" + plantedEnvOther,
	}
	if on {
		env = append(env, "QUANTDECK_AI=claude")
	}
	return env
}

func TestAIRequestsCarryNoSecret(t *testing.T) {
	home := aiHome(t)
	fake := aifake.New(t, plantedAIKey)
	env := aiEnv(fake.URL, true)
	mustQD(t, 0, home, "", env, "data", "fetch", "--symbol", "BTCUSDT", "--interval", "1h", "--from", "2025-01-01", "--to", "2025-01-08")
	runs := [][]string{
		{"ai", "backtest", "grid1", "--from", "2025-01-01"},
		{"ai", "explain", "grid1"},
		{"ai", "review", "grid1"},
		{"ai", "ask", "What should I watch today?", "--bot", "grid1"},
		{"ai", "ask", "--symbol", "ETHUSDT", "Is ETH trending?"},
	}
	for _, args := range runs {
		fake.Push(aifake.Reply{Deltas: []string{"Answer ", "for " + args[1]}, InputTokens: 500, OutputTokens: 40})
		r := mustQD(t, 0, home, "", env, args...)
		if !strings.Contains(r.stdout, "Answer for "+args[1]) || !strings.Contains(r.stderr, "500 tokens in, 40 out") {
			t.Fatalf("%v: %s", args, r)
		}
		if strings.Contains(r.stdout+r.stderr, plantedAIKey) {
			t.Fatalf("%v printed the API key", args)
		}
	}
	reqs := fake.Requests()
	if len(reqs) != len(runs) {
		t.Fatalf("%d requests, want %d", len(reqs), len(runs))
	}
	for i, req := range reqs {
		if got := req.Header.Values("x-api-key"); len(got) != 1 || got[0] != plantedAIKey {
			t.Fatalf("request %d: x-api-key %q", i, got)
		}
		if !strings.Contains(string(req.Body), "BTCUSDT") && i < 4 || i == 4 && !strings.Contains(string(req.Body), "ETHUSDT") {
			t.Fatalf("request %d lacks its context: %s", i, req.Body)
		}
		if i == 0 && (!strings.Contains(string(req.Body), `params_tried`) || !strings.Contains(string(req.Body), `max_drawdown_pct`)) {
			t.Fatalf("the backtest request lacks its metrics: %s", req.Body)
		}
	}
	everything := aifake.Joined(reqs)
	absent := []string{plantedExKey, plantedExSecret, plantedAIKey, plantedAPIToken, plantedEnvKey, plantedEnvHeader,
		plantedEnvAuth, plantedEnvOther, plantedFile, plantedDotenv, pass1, home, filepath.Dir(home), "quantdeck.db", "X-Leak"}
	for _, s := range absent {
		if strings.Contains(everything, s) {
			t.Errorf("a request carries %q", s)
		}
	}
	// The token ledger counted every answer.
	r := mustQD(t, 0, home, "", env, "ai", "usage")
	if !strings.Contains(r.stdout, "2500 tokens in, 200 out") {
		t.Fatalf("usage: %s", r)
	}
}

func TestAIOffMakesNoConnection(t *testing.T) {
	home := aiHome(t)
	fake := aifake.New(t, plantedAIKey)
	env := aiEnv(fake.URL, false)
	for _, args := range [][]string{{"ai", "explain", "grid1"}, {"ai", "review", "grid1"}, {"ai", "ask", "hello?"}} {
		r := mustQD(t, 1, home, "", env, args...)
		if !strings.Contains(r.stderr, "AI enrichment is off") {
			t.Fatalf("%v: %s", args, r)
		}
	}
	// --show-request prints what would be sent and sends nothing.
	r := mustQD(t, 0, home, "", env, "ai", "ask", "What is a grid?", "--show-request")
	if fake.Connections() != 0 {
		t.Fatalf("AI off: %d connections to the Messages API", fake.Connections())
	}
	if !strings.Contains(r.stdout, "POST "+fake.URL+"/v1/messages") || !strings.Contains(r.stdout, "never shown") || strings.Contains(r.stdout, plantedAIKey) {
		t.Fatalf("--show-request: %s", r)
	}
	shown := r.stdout[strings.Index(r.stdout, "\n{")+1:]

	// The request shown is the request sent.
	mustQD(t, 0, home, "", aiEnv(fake.URL, true), "ai", "ask", "What is a grid?")
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	var a, b map[string]any
	if err := json.Unmarshal([]byte(shown), &a); err != nil {
		t.Fatalf("shown request is not JSON: %v\n%s", err, shown)
	}
	if err := json.Unmarshal(reqs[0].Body, &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("shown:\n%s\nsent:\n%s", ja, jb)
	}
}

func TestAIUsageErrors(t *testing.T) {
	home := newHome(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ai"}, "ai needs a command"},
		{[]string{"ai", "trade", "x"}, "unknown ai command"},
		{[]string{"ai", "explain"}, "takes one bot name"},
		{[]string{"ai", "ask", "a", "b"}, "one question"},
	}
	for _, c := range cases {
		r := mustQD(t, 2, home, "", nil, c.args...)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %s", c.args, r)
		}
	}
}
