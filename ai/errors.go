package ai

import "errors"

// Errors callers act on, matched with errors.Is. Messages say what the user can do; none ever
// carries the API key, a request header or a request body.
var (
	// ErrDisabled: the AI enrichment is off (the default).
	ErrDisabled = errors.New("ai: AI enrichment is off: set QUANTDECK_AI=claude and store an Anthropic key with `quantdeck keys add --exchange anthropic --label claude`")
	// ErrBudgetSpent: today's token budget is used up.
	ErrBudgetSpent = errors.New("ai: today's token budget is spent (QUANTDECK_AI_DAILY_TOKENS); it resets at 00:00 UTC")
	// ErrUnreachable: the Messages API could not be reached.
	ErrUnreachable = errors.New("ai: the Claude API is unreachable")
	// ErrBusy: the service stayed overloaded or rate-limited through every retry.
	ErrBusy = errors.New("ai: the Claude API is busy (rate limited or overloaded); try again in a minute")
	// ErrKeyRefused: the service refused the API key.
	ErrKeyRefused = errors.New("ai: the Claude API refused the key: check it, or rotate it with `quantdeck keys rotate --label LABEL`")
	// ErrRejected: the service refused the request itself (a wrong model name, for example).
	ErrRejected = errors.New("ai: the Claude API refused the request")
	// ErrCancelled: the user cancelled the answer.
	ErrCancelled = errors.New("ai: cancelled")
	// ErrTimeout: the answer took longer than the timeout.
	ErrTimeout = errors.New("ai: no complete answer in time")
)
