package common

import (
	"context"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// Engine is what the cockpit's screens use of a running engine (*engine.Engine implements it).
// The cockpit is the engine's full front end, so the list is long; it is still the cockpit's
// own: the engine's other methods (Resume, Seal, Run, Close) belong to the application host.
type Engine interface {
	// Subscribe streams events for one session until ctx ends or the engine stops.
	Subscribe(ctx context.Context) <-chan engine.Event
	// Snapshot returns the current state in one piece.
	Snapshot() engine.Snapshot

	AddBot(ctx context.Context, cfg engine.BotConfig) error
	UpdateBot(ctx context.Context, cfg engine.BotConfig) error
	RemoveBot(ctx context.Context, name string) error
	StartBot(ctx context.Context, name string) error
	StopBot(ctx context.Context, name string) error
	ValidateBot(ctx context.Context, cfg engine.BotConfig) error

	Orders(ctx context.Context, f engine.OrderFilter) ([]engine.OrderView, error)
	Fills(ctx context.Context, bot string, limit int) ([]engine.FillView, error)
	BotEvents(ctx context.Context, bot string, limit int) ([]engine.BotEvent, error)
	Candles(symbol string) []exchange.Candle
	Rules(ctx context.Context, symbol string) (exchange.Rules, error)

	PlaceManual(ctx context.Context, o engine.ManualOrder) (engine.OrderView, error)
	Cancel(ctx context.Context, clientID string) error

	EngageKillSwitch(ctx context.Context, reason string) error
	ReleaseKillSwitch(ctx context.Context) error
}
