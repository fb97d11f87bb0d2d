package ai

import (
	"strings"
)

// Suggestion is a parameter change proposed in a review answer. It is data only: the cockpit
// may pre-fill the bot form with it, and the user confirms as for any change.
type Suggestion struct {
	Params map[string]string
}

// ParseSuggestion reads the last "SUGGEST name=value ..." line of an answer for a bot of
// strategy. Only that strategy's parameter names with well-formed values are kept; ok is false
// when nothing usable was suggested. The answer is outside input: anything else is ignored.
func ParseSuggestion(strategy, answer string) (Suggestion, bool) {
	allowed := StrategyParams[strategy]
	if len(allowed) == 0 {
		return Suggestion{}, false
	}
	var line string
	for _, l := range strings.Split(answer, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "SUGGEST "); ok {
			line = rest
		}
	}
	if line == "" {
		return Suggestion{}, false
	}
	out := map[string]string{}
	for _, f := range strings.Fields(line) {
		name, val, ok := strings.Cut(f, "=")
		if !ok || !isParamValue(val) {
			continue
		}
		for _, a := range allowed {
			if a == name {
				out[name] = val
			}
		}
	}
	if len(out) == 0 {
		return Suggestion{}, false
	}
	return Suggestion{Params: out}, true
}
