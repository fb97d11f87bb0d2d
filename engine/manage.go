package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/exchange"
)

// Subscribe returns a stream of events for one consumer (a UI or an API client). Snapshots
// are coalesced and dropped, never queued, when the consumer is slow; other events are
// buffered. The channel closes when ctx ends or the engine stops.
func (e *Engine) Subscribe(ctx context.Context) <-chan Event { return e.bus.subscribe(ctx) }

// ValidateBot checks a configuration against the strategy and the symbol's rules without
// saving it; the error says what is wrong in words a user can act on.
func (e *Engine) ValidateBot(ctx context.Context, cfg BotConfig) error {
	cfg = normalize(cfg)
	if err := CheckWatched(cfg.Symbol, e.Watchlist()); err != nil {
		return err
	}
	rules, err := e.rulesFor(ctx, cfg.Symbol)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidBot, cfg.Symbol, err)
	}
	if err := ValidateConfig(cfg, rules); err != nil {
		return err
	}
	if cfg.Mode == Live {
		if e.cfg.ExchangeName == "sim" {
			return fmt.Errorf("%w: the simulated market only trades on paper; live bots need QUANTDECK_EXCHANGE=binance or binance-testnet", ErrLiveUnavailable)
		}
		if e.cfg.KeyOK == nil {
			return fmt.Errorf("%w: no credential checks configured", ErrLiveUnavailable)
		}
		if err := e.cfg.KeyOK(ctx, cfg.KeyLabel); err != nil {
			return fmt.Errorf("%w: credential %q: %w", ErrLiveUnavailable, cfg.KeyLabel, err)
		}
	}
	return nil
}

// CheckWatched refuses a bot on a symbol outside the watchlist: the engine streams only the
// watchlist, so such a bot would never see a price.
func CheckWatched(symbol string, watchlist []string) error {
	if len(watchlist) == 0 {
		return nil
	}
	for _, s := range watchlist {
		if s == symbol {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not in the watchlist (%s): add it to QUANTDECK_SYMBOLS or watch it in the cockpit so the bot gets prices", ErrInvalidBot, symbol, strings.Join(watchlist, ","))
}

// AddBot saves a new bot: the bot is saved stopped; starting it is a separate action. The
// checks ask the market and the credential checks first; the bot is added on the lifecycle
// loop.
func (e *Engine) AddBot(ctx context.Context, cfg BotConfig) error {
	cfg = normalize(cfg)
	if err := e.ValidateBot(ctx, cfg); err != nil {
		return err
	}
	rules, err := e.rulesFor(ctx, cfg.Symbol)
	if err != nil {
		return err
	}
	return e.own(ctx, func(ctx context.Context) error { return e.addBot(ctx, cfg, rules) })
}

// addBot is AddBot on the lifecycle loop, once the configuration is checked.
func (e *Engine) addBot(ctx context.Context, cfg BotConfig, rules exchange.Rules) error {
	if err := e.reg.Add(ctx, cfg, rules); err != nil {
		return err
	}
	led, err := loadLedger(ctx, e.j, cfg, rules)
	if err != nil {
		return err
	}
	b := newBot(cfg)
	b.rules, b.led = rules, led
	e.mu.Lock()
	e.bots[cfg.Name] = b
	e.mu.Unlock()
	e.jmu.Lock()
	e.initOpenRows(b)
	e.jmu.Unlock()
	e.spawn(b)
	e.event(cfg.Name, "info", "added (%s %s on %s, %s)", cfg.Mode, cfg.Strategy, cfg.Symbol, paramsText(cfg.Params))
	e.publishBot(b, BotEvent{Bot: cfg.Name, Time: e.now().UTC(), Level: "info", Message: "added"})
	return nil
}

func paramsText(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " "
		}
		s += k + "=" + p[k]
	}
	return s
}

// UpdateBot changes a bot's configuration, only while the bot is stopped. Switching a bot to live is
// this explicit action, and needs a checked credential. It runs on the lifecycle loop, so the
// bot cannot start while its configuration changes.
func (e *Engine) UpdateBot(ctx context.Context, cfg BotConfig) error {
	cfg = normalize(cfg)
	return e.own(ctx, func(ctx context.Context) error { return e.updateBot(ctx, cfg) })
}

// updateBot is UpdateBot on the lifecycle loop.
func (e *Engine) updateBot(ctx context.Context, cfg BotConfig) error {
	b := e.botNamed(cfg.Name)
	if b == nil {
		return fmt.Errorf("%w: %q", ErrNoBot, cfg.Name)
	}
	running := false
	e.do(b, func(b *bot) { running = b.state == BotRunning })
	if running {
		return fmt.Errorf("updating bot %s: %w: stop it first", cfg.Name, ErrBotRunning)
	}
	if err := e.ValidateBot(ctx, cfg); err != nil {
		return err
	}
	rules, err := e.rulesFor(ctx, cfg.Symbol)
	if err != nil {
		return err
	}
	if err := e.reg.Update(ctx, cfg, rules); err != nil {
		return err
	}
	// Fills of its remaining orders are settled under jmu: none slips between.
	rp, err := e.replayLocked(ctx, cfg, rules, false)
	led, known := rp.led, rp.known
	if err != nil {
		e.jmu.Unlock()
		return err
	}
	wait := e.queue(b, func(b *bot) {
		led.keepDay(b.led)
		b.cfg, b.rules, b.led, b.known = cfg, rules, led, known
	})
	e.jmu.Unlock()
	wait()
	e.event(cfg.Name, "info", "updated (%s %s on %s, %s)", cfg.Mode, cfg.Strategy, cfg.Symbol, paramsText(cfg.Params))
	e.publishBot(b, BotEvent{Bot: cfg.Name, Time: e.now().UTC(), Level: "info", Message: "updated"})
	return nil
}

// RemoveBot deletes a bot, only while stopped and without open orders. It runs on the
// lifecycle loop, so the bot cannot start while it goes.
func (e *Engine) RemoveBot(ctx context.Context, name string) error {
	return e.own(ctx, func(ctx context.Context) error { return e.removeBot(ctx, name) })
}

// removeBot is RemoveBot on the lifecycle loop.
func (e *Engine) removeBot(ctx context.Context, name string) error {
	b := e.botNamed(name)
	if b == nil {
		return fmt.Errorf("%w: %q", ErrNoBot, name)
	}
	running := false
	e.do(b, func(b *bot) { running = b.state == BotRunning })
	if running {
		return fmt.Errorf("removing bot %s: %w: stop it first", name, ErrBotRunning)
	}
	if err := e.reg.Remove(ctx, name); err != nil {
		return err
	}
	e.mu.Lock()
	delete(e.bots, name)
	e.mu.Unlock()
	e.post(b, func(b *bot) { b.removed = true })
	e.event(name, "info", "removed")
	return nil
}

// Orders returns journal rows. An answer PlaceManual has returned is among them: what is
// queued for the journal is committed first.
func (e *Engine) Orders(ctx context.Context, f OrderFilter) ([]OrderView, error) {
	if err := e.readOwnWrites(ctx); err != nil {
		return nil, err
	}
	return e.j.Orders(ctx, f)
}

// Fills returns recorded fills, newest first, those of an answer PlaceManual has returned
// among them (see Orders).
func (e *Engine) Fills(ctx context.Context, bot string, limit int) ([]FillView, error) {
	if limit <= 0 {
		limit = 200
	}
	if err := e.readOwnWrites(ctx); err != nil {
		return nil, err
	}
	return e.j.Fills(ctx, bot, limit, false)
}

// readOwnWrites commits what is queued for the journal before a read, so a caller reads what
// it was told (an answer is staged when PlaceManual returns). A closed journal has nothing
// queued; its reads still work.
func (e *Engine) readOwnWrites(ctx context.Context) error {
	if err := e.j.Sync(ctx); err != nil && !errors.Is(err, journal.ErrClosed) {
		return err
	}
	return nil
}

// BotEvents returns history lines.
func (e *Engine) BotEvents(ctx context.Context, bot string, limit int) ([]BotEvent, error) {
	return e.j.Events(ctx, bot, limit)
}

// Candles returns one-minute candles, oldest first.
func (e *Engine) Candles(symbol string) []exchange.Candle { return e.mkt.candles(symbol) }

// Rules returns a symbol's trading rules.
func (e *Engine) Rules(ctx context.Context, symbol string) (exchange.Rules, error) {
	return e.rulesFor(ctx, symbol)
}

// Snapshot returns the current state in one piece (used on attach and by the API).
func (e *Engine) Snapshot() Snapshot {
	prices, health := e.mkt.view()
	if rr, ok := e.cfg.Market.(exchange.RateReporter); ok {
		health.Rate = rr.RateState()
	}
	if co, ok := e.cfg.Market.(interface{ ClockOffset() time.Duration }); ok {
		health.ClockOffset = co.ClockOffset()
	}
	e.mu.Lock()
	bots := make([]*bot, 0, len(e.bots))
	for _, b := range e.bots {
		bots = append(bots, b)
	}
	s := Snapshot{
		Time: e.now().UTC(), Health: health, Prices: prices,
		Balances:   append([]BalanceView(nil), e.balances...),
		Orders:     newestFirst(e.recent.orders),
		Fills:      newestFirst(e.recent.fills),
		Log:        newestFirst(e.recent.log),
		KillSwitch: e.killed.Load(), KillReason: e.killReason, Started: e.started,
	}
	e.mu.Unlock()
	for _, b := range bots {
		s.Bots = append(s.Bots, e.botView(b))
	}
	sort.Slice(s.Bots, func(i, j int) bool { return s.Bots[i].Config.Name < s.Bots[j].Config.Name })
	return s
}
