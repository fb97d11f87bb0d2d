package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Settings of the optional Claude enrichment.
const (
	EnvAI            = "QUANTDECK_AI"              // "claude" turns it on; unset or "off": off
	EnvAIModel       = "QUANTDECK_AI_MODEL"        // the model id
	EnvAIBaseURL     = "QUANTDECK_AI_BASE_URL"     // a proxy or gateway in front of the Messages API
	EnvAIDailyTokens = "QUANTDECK_AI_DAILY_TOKENS" // input plus output tokens per UTC day
	EnvAIKey         = "QUANTDECK_AI_KEY"          // the vault label of the Anthropic key
)

// AISettings are the optional Claude enrichment's settings. The API key is not here: it is in
// the vault.
type AISettings struct {
	Enabled     bool
	Model       string // empty: the ai package's default
	BaseURL     string // empty: Anthropic's own
	DailyTokens int64  // 0: the ai package's default
	KeyLabel    string // empty: the only anthropic key in the vault
}

func (s *Source) loadAI() (AISettings, error) {
	var a AISettings
	switch v := strings.ToLower(strings.TrimSpace(s.get(EnvAI))); v {
	case "", "off", "none", "false":
	case "claude":
		a.Enabled = true
	default:
		return a, fmt.Errorf("config: %s=%q: use claude to turn the AI enrichment on, or leave it unset", EnvAI, v)
	}
	a.Model = strings.TrimSpace(s.get(EnvAIModel))
	a.BaseURL = strings.TrimSpace(s.get(EnvAIBaseURL))
	a.KeyLabel = strings.TrimSpace(s.get(EnvAIKey))
	if v := strings.TrimSpace(s.get(EnvAIDailyTokens)); v != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
		if err != nil || n <= 0 {
			return a, fmt.Errorf("config: %s=%q must be a positive whole number of tokens", EnvAIDailyTokens, v)
		}
		a.DailyTokens = n
	}
	return a, nil
}
