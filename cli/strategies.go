package cli

import (
	"fmt"
	"strings"

	"github.com/quantdeck/quantdeck/engine/strategy"
)

// strategyChoice is the strategies' names as a usage alternative ("dca|grid").
func strategyChoice(sep string) string { return strings.Join(strategy.Names(), sep) }

// strategyParamsUsage lists every strategy's parameters from their specs, for the usage
// text of the commands that take --set PARAM=VALUE.
func strategyParamsUsage() string {
	var b strings.Builder
	b.WriteString("Strategy parameters (--set, repeatable):\n")
	for _, s := range strategy.Specs() {
		fmt.Fprintf(&b, "  %s (%s):\n", s.Name, s.Summary)
		for _, p := range s.Params {
			opt := ""
			if p.Optional {
				opt = " (optional)"
			}
			fmt.Fprintf(&b, "    %-12s %s: %s%s\n", p.Key, p.Label, p.Hint, opt)
		}
	}
	return b.String()
}
