package app

import (
	"context"
	"testing"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/ai/aifake"
	"github.com/quantdeck/quantdeck/config"
	"github.com/quantdeck/quantdeck/vault"
)

// The cockpit's Claude client exists only with QUANTDECK_AI=claude; with it, the key is read
// from the vault at the call, so a cockpit opened before the unlock works once it is open.
func TestCockpitAI(t *testing.T) {
	const apiKey = "sk-ant-cockpit-test"
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		enabled bool
	}{{"off: no client, no connection", false}, {"on: asks with the vault's key", true}} {
		t.Run(tc.name, func(t *testing.T) {
			fake := aifake.New(t, apiKey)
			st := settings(t)
			st.AI = config.AISettings{Enabled: tc.enabled, BaseURL: fake.URL}
			a := open(t, st)
			c, err := a.CockpitAI()
			if err != nil {
				t.Fatal(err)
			}
			if !tc.enabled {
				if c != nil {
					t.Fatal("AI off built a client")
				}
				if n := fake.Connections(); n != 0 {
					t.Fatalf("AI off made %d connections", n)
				}
				return
			}
			if err := a.Vault.Create(ctx, []byte(testPass), vault.MinIterations); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Vault.AddServiceKey(ctx, "claude", "anthropic", []byte(apiKey)); err != nil {
				t.Fatal(err)
			}
			req, err := c.Build(ai.Ask, ai.Input{Question: "Is BTC trending?"})
			if err != nil {
				t.Fatal(err)
			}
			fake.Push(aifake.Reply{Deltas: []string{"sideways"}, InputTokens: 10, OutputTokens: 1})
			ans, err := c.Stream(ctx, req, func(string) {})
			if err != nil || ans.Text != "sideways" {
				t.Fatalf("answer %q, %v", ans.Text, err)
			}
			if reqs := fake.Requests(); len(reqs) != 1 || reqs[0].Header.Get("x-api-key") != apiKey {
				t.Fatalf("%d requests, want one with the vault's key", len(reqs))
			}
		})
	}
}
