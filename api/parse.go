package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/engine"
)

// Input limits for the few endpoints that take input.
const (
	maxNameLen      = 64
	maxReasonLen    = 200
	defaultOrderLim = 100
	maxOrderLimit   = 1000
)

var errBadInput = errors.New("bad request")

// parseName checks a bot name taken from a path segment or a query parameter.
func parseName(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: bot name is empty", errBadInput)
	}
	if len(s) > maxNameLen {
		return "", fmt.Errorf("%w: bot name is longer than %d bytes", errBadInput, maxNameLen)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: bot name is not valid UTF-8", errBadInput)
	}
	for _, r := range s {
		if r == '/' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", fmt.Errorf("%w: bot name may not contain spaces, slashes or control characters", errBadInput)
		}
	}
	return s, nil
}

// parseOrderQuery turns GET /v1/orders parameters (bot, open, limit) into a filter. Unknown or
// repeated parameters are refused so a typo never silently widens the answer.
func parseOrderQuery(q url.Values) (engine.OrderFilter, error) {
	f := engine.OrderFilter{Limit: defaultOrderLim}
	for k, vs := range q {
		if len(vs) != 1 {
			return f, fmt.Errorf("%w: parameter %q given %d times", errBadInput, clip(k), len(vs))
		}
		v := vs[0]
		switch k {
		case "bot":
			name, err := parseName(v)
			if err != nil {
				return f, err
			}
			f.Bot = name
		case "open":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return f, fmt.Errorf("%w: open must be true or false", errBadInput)
			}
			f.OpenOnly = b
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxOrderLimit {
				return f, fmt.Errorf("%w: limit must be a whole number from 1 to %d", errBadInput, maxOrderLimit)
			}
			f.Limit = n
		default:
			return f, fmt.Errorf("%w: unknown parameter %q (use bot, open, limit)", errBadInput, clip(k))
		}
	}
	return f, nil
}

// parseKillBody reads the optional body of POST /v1/killswitch: empty, or {"reason": "..."}.
func parseKillBody(body []byte) (string, error) {
	const fallback = "engaged through the control API"
	if len(bytes.TrimSpace(body)) == 0 {
		return fallback, nil
	}
	var in struct {
		Reason *string `json:"reason"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return "", fmt.Errorf("%w: body must be empty or {\"reason\": \"...\"}", errBadInput)
	}
	if dec.More() {
		return "", fmt.Errorf("%w: body must hold one JSON object", errBadInput)
	}
	if in.Reason == nil || *in.Reason == "" {
		return fallback, nil
	}
	reason := *in.Reason
	if utf8.RuneCountInString(reason) > maxReasonLen {
		return "", fmt.Errorf("%w: reason is longer than %d characters", errBadInput, maxReasonLen)
	}
	for _, r := range reason {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", fmt.Errorf("%w: reason may not contain control characters", errBadInput)
		}
	}
	return reason, nil
}

// clip shortens user input echoed in an error message.
func clip(s string) string {
	const n = 32
	if len(s) <= n && utf8.ValidString(s) {
		return s
	}
	b := []byte(s)
	if len(b) > n {
		b = b[:n]
	}
	return string(bytes.ToValidUTF8(b, []byte("?"))) + "..."
}
