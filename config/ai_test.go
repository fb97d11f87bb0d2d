package config

import "testing"

func TestAISettings(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    AISettings
		wantErr bool
	}{
		{"off by default", map[string]string{}, AISettings{}, false},
		{"off spelled out", map[string]string{EnvAI: "off"}, AISettings{}, false},
		{"on", map[string]string{EnvAI: "Claude", EnvAIModel: "claude-haiku-5-5", EnvAIBaseURL: "https://gw.local", EnvAIDailyTokens: "50_000", EnvAIKey: "claude"},
			AISettings{Enabled: true, Model: "claude-haiku-5-5", BaseURL: "https://gw.local", DailyTokens: 50000, KeyLabel: "claude"}, false},
		{"unknown provider", map[string]string{EnvAI: "gpt"}, AISettings{}, true},
		{"budget not a number", map[string]string{EnvAI: "claude", EnvAIDailyTokens: "lots"}, AISettings{}, true},
		{"budget zero", map[string]string{EnvAI: "claude", EnvAIDailyTokens: "0"}, AISettings{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.env["HOME"] = "/home/u"
			st, warnings, err := testSource(t, c.env, "", 0).Load()
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && (st.AI != c.want || len(warnings) != 0) {
				t.Fatalf("AI = %+v (warnings %v), want %+v", st.AI, warnings, c.want)
			}
		})
	}
}
