package api

import (
	"context"

	"github.com/quantdeck/quantdeck/engine"
)

// Engine is what the control API uses of a running engine (*engine.Engine implements it).
type Engine interface {
	// Subscribe streams events (the metrics follow them) until ctx ends or the engine stops.
	Subscribe(ctx context.Context) <-chan engine.Event
	// Snapshot returns the current state in one piece.
	Snapshot() engine.Snapshot

	AddBot(ctx context.Context, cfg engine.BotConfig) error
	RemoveBot(ctx context.Context, name string) error
	StartBot(ctx context.Context, name string) error
	StopBot(ctx context.Context, name string) error
	Orders(ctx context.Context, f engine.OrderFilter) ([]engine.OrderView, error)

	EngageKillSwitch(ctx context.Context, reason string) error
	ReleaseKillSwitch(ctx context.Context) error
}
