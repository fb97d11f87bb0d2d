package config

import (
	"testing"
	"time"
)

func TestKeyCheckInterval(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", DefaultKeyCheckInterval, true},
		{"30m", 30 * time.Minute, true},
		{" 6h ", 6 * time.Hour, true},
		{"10s", 0, false},
		{"400h", 0, false},
		{"often", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := map[string]string{}
			if tt.value != "" {
				env[EnvKeyCheckInterval] = tt.value
			}
			st, _, err := testSource(t, env, "", 0o600).Load()
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && st.KeyCheckInterval != tt.want {
				t.Fatalf("interval = %v, want %v", st.KeyCheckInterval, tt.want)
			}
		})
	}
}
