package engine

import (
	"fmt"

	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// The strategy types the engine drives, under the names the engine has always used.
type (
	// Strategy turns ticks into order intents; see strategy.Strategy.
	Strategy = strategy.Strategy
	// Position is what a bot holds; see strategy.Position.
	Position = strategy.Position
	// Intent is an order a strategy wants placed; see strategy.Intent.
	Intent = strategy.Intent
	// OrderRef is a journal order as a strategy sees it on restore.
	OrderRef = strategy.OrderRef
	// OrderUpdate reports a change to a strategy's order.
	OrderUpdate = strategy.OrderUpdate
	// OrderState is the journal's state of an order.
	OrderState = strategy.OrderState
)

// Journal states.
const (
	OrderIntent    = strategy.OrderIntent
	OrderSent      = strategy.OrderSent
	OrderAcked     = strategy.OrderAcked
	OrderPartial   = strategy.OrderPartial
	OrderFilled    = strategy.OrderFilled
	OrderCancelled = strategy.OrderCancelled
	OrderRejected  = strategy.OrderRejected
	OrderUnknown   = strategy.OrderUnknown
)

const maxBotName = 32

// validName reports whether a bot name is 1-32 letters, digits, '-' or '_'. The name goes into
// client order ids, which Binance limits to [a-zA-Z0-9-_].
func validName(s string) bool {
	if len(s) == 0 || len(s) > maxBotName {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ValidateConfig checks a bot configuration against its strategy and the symbol's rules,
// without touching any store. The error wraps ErrInvalidBot and says what to fix.
func ValidateConfig(cfg BotConfig, rules exchange.Rules) error {
	_, err := newStrategy(cfg, rules)
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidBot, fmt.Sprintf(format, args...))
}

// newStrategy validates cfg (name, symbol, mode, budget, risk limits here; the strategy's own
// parameters in package strategy) and builds its strategy.
func newStrategy(cfg BotConfig, rules exchange.Rules) (Strategy, error) {
	if !validName(cfg.Name) {
		return nil, invalid("name %q must be 1-%d letters, digits, '-' or '_'", cfg.Name, maxBotName)
	}
	if cfg.Symbol == "" {
		return nil, invalid("bot %s needs a symbol (like BTCUSDT)", cfg.Name)
	}
	if rules.Symbol != "" && rules.Symbol != cfg.Symbol {
		return nil, invalid("rules for %s were given for bot on %s", rules.Symbol, cfg.Symbol)
	}
	if rules.Status != "" && rules.Status != "TRADING" {
		return nil, invalid("%s is not trading on the exchange (status %s)", cfg.Symbol, rules.Status)
	}
	switch cfg.Mode {
	case Paper:
	case Live:
		if cfg.KeyLabel == "" {
			return nil, invalid("a live bot needs --key LABEL: the vault credential it trades with")
		}
		if !cfg.Budget.IsPos() {
			return nil, invalid("a live bot needs a budget above zero (--budget)")
		}
	default:
		return nil, invalid("mode %q must be paper or live", cfg.Mode)
	}
	if cfg.Budget.IsNeg() {
		return nil, invalid("budget %s must not be negative", cfg.Budget)
	}
	if cfg.MaxOrderNotional.IsNeg() || cfg.DailyLossLimit.IsNeg() || cfg.MaxOpenOrders < 0 {
		return nil, invalid("risk limits must not be negative")
	}
	return strategy.New(cfg.Strategy, cfg.Params, rules, cfg.Budget)
}
