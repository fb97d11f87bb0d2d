package cli

import (
	"context"
	"errors"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/api"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/instance"
)

// startStopViaRunningEngine asks the QuantDeck process that holds the data directory to start
// or stop a bot, through its control socket.
func startStopViaRunningEngine(ctx context.Context, home, name string, start bool) error {
	c, err := runningEngine(home)
	if err != nil {
		return err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if start {
		return c.StartBot(cctx, name)
	}
	return c.StopBot(cctx, name)
}

// runningEngine dials the QuantDeck process that holds the data directory.
func runningEngine(home string) (*instance.Client, error) {
	c, err := instance.Dial(home)
	if errors.Is(err, instance.ErrNotRunning) {
		return nil, errors.New("another QuantDeck process holds this data directory but offers no control socket: use its cockpit, or quit it and try again")
	}
	return c, err
}

// addViaRunningEngine adds a bot through the control socket of the running QuantDeck.
func addViaRunningEngine(ctx context.Context, home string, cfg engine.BotConfig) error {
	c, err := runningEngine(home)
	if err != nil {
		return err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.AddBot(cctx, botRequest(cfg))
}

// removeViaRunningEngine removes a bot through the control socket of the running QuantDeck.
func removeViaRunningEngine(ctx context.Context, home, name string) error {
	c, err := runningEngine(home)
	if err != nil {
		return err
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.RemoveBot(cctx, name)
}

// botRequest is cfg as the control socket's POST /v1/bots takes it.
func botRequest(cfg engine.BotConfig) api.BotRequest {
	amount := func(d decimal.Decimal) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	return api.BotRequest{
		Name: cfg.Name, Symbol: cfg.Symbol, Strategy: cfg.Strategy, Params: cfg.Params,
		Mode: string(cfg.Mode), Key: cfg.KeyLabel, Budget: amount(cfg.Budget),
		MaxOrderValue: amount(cfg.MaxOrderNotional), MaxOpenOrders: cfg.MaxOpenOrders,
		DailyLossLimit: amount(cfg.DailyLossLimit),
	}
}
