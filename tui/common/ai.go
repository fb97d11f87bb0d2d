package common

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/ai"
)

// AI is what the cockpit needs of the optional Claude client (*ai.Client implements it). It is
// nil in Common while the enrichment is off: then nothing in the cockpit can connect anywhere
// but the exchange.
type AI interface {
	Build(kind ai.Kind, in ai.Input) (ai.Request, error)
	Stream(ctx context.Context, req ai.Request, onDelta func(string)) (ai.Answer, error)
}

// AIOff is the status line's answer to an AI key while the enrichment is off.
const AIOff = "AI is off: set QUANTDECK_AI=claude"

// OpenAI opens the AI panel on a request of kind about bot or symbol, or says in the status
// line that the enrichment is off.
func OpenAI(c *Common, kind ai.Kind, bot, symbol string) tea.Cmd {
	if c.AI == nil {
		c.Host.Info(AIOff)
		return nil
	}
	return OpenAIWith(c, Args{AIKind: kind, Bot: bot, Symbol: symbol})
}

// OpenAIWith opens the AI panel on args (a backtest summary carries its result in
// args.Backtest), or says in the status line that the enrichment is off.
func OpenAIWith(c *Common, args Args) tea.Cmd {
	if c.AI == nil {
		c.Host.Info(AIOff)
		return nil
	}
	return c.Host.Open(ScreenAI, args)
}
