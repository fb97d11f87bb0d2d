package engine

import (
	"context"
	"slices"
)

// PauseLiveBots pauses every live bot that signs with keyLabel, because the key was found
// unsafe while QuantDeck runs (the exchange now reports that it can withdraw, or that it can
// no longer trade). A running bot pauses as the risk guard pauses it: no new order, its open
// orders cancelled. A live bot waiting to be resumed is marked paused, so the next resume
// leaves it alone. Either way it stays paused across restarts until the user starts it again,
// which needs a key that passes the check. The alert reaches the cockpit (an ErrorEvent and a
// line in the engine log) and the log file. It returns the names of the bots it paused.
//
// The caller decides what is unsafe; the engine only acts on it (it knows nothing of vaults).
func (e *Engine) PauseLiveBots(ctx context.Context, keyLabel, reason string) []string {
	e.mu.Lock()
	var live []*bot
	for _, b := range e.bots {
		if cfg := e.currentView(b).Config; cfg.Mode == Live && cfg.KeyLabel == keyLabel {
			live = append(live, b)
		}
	}
	e.mu.Unlock()
	var paused []string
	for _, b := range live {
		var state, desired BotState
		e.do(b, func(b *bot) {
			state, desired = b.state, b.desired
			if state == BotRunning {
				e.pause(b, reason)
			}
		})
		name := b.name
		switch {
		case state == BotRunning:
		case desired == BotRunning && state != BotPaused:
			e.setStopped(ctx, b, BotPaused, reason)
		default:
			continue
		}
		paused = append(paused, name)
	}
	slices.Sort(paused)
	if len(paused) == 0 {
		e.event("", "error", "key %s: %s; no live bot was running with it", keyLabel, reason)
		return nil
	}
	e.event("", "error", "key %s: %s; live bots paused: %v", keyLabel, reason, paused)
	return paused
}
