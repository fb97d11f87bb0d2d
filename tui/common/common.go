package common

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// CallTimeout bounds every engine and vault call a screen makes.
const CallTimeout = 15 * time.Second

// Common is what every screen of one session shares. The root owns it and its snapshot; screens
// read them and never write.
type Common struct {
	Ctx     context.Context
	Engine  Engine
	Vault   Vault
	Checker exchange.PermissionChecker
	Styles  *Styles
	Keys    KeyMap
	Host    Host
	// Snap is the engine's latest state, replaced by the root as snapshots arrive.
	Snap *engine.Snapshot
	// Clock is the session's clock (read it with Now); Tick schedules a message after a delay
	// (tea.Tick; tests run timers by hand).
	Clock clock.Clock
	Tick  func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	// Width and Height are the terminal's size.
	Width, Height int
	Exchange      string // "sim", "binance", "binance-testnet"
	Version       string
	// KDFIterations is used to create the vault and change its passphrase; 0 calibrates.
	KDFIterations int
	// OnUnlock runs once the vault is open: the host resumes the engine there.
	OnUnlock func(ctx context.Context) error
	// Detached says the engine outlives this session (SSH).
	Detached bool
	// Home is the data directory: the candle history backtests read lives there.
	Home string
	// AI is the Claude client; nil while the enrichment is off (QUANTDECK_AI unset).
	AI AI
}

// FindBot returns the bot with that name from the latest state.
func (c *Common) FindBot(name string) (engine.BotView, bool) {
	for _, b := range c.Snap.Bots {
		if b.Config.Name == name {
			return b, true
		}
	}
	return engine.BotView{}, false
}

// PriceOf returns the latest market state of a symbol.
func (c *Common) PriceOf(symbol string) (engine.PriceView, bool) {
	for _, p := range c.Snap.Prices {
		if p.Symbol == symbol {
			return p, true
		}
	}
	return engine.PriceView{}, false
}

// BotsUsingKey counts the bots that sign with a key label.
func (c *Common) BotsUsingKey(label string) int {
	n := 0
	for _, b := range c.Snap.Bots {
		if b.Config.KeyLabel == label {
			n++
		}
	}
	return n
}

// Call runs one engine call in a command with a timeout, reporting success or failure as the
// root's status messages.
func Call(ctx context.Context, op, done string, fn func(context.Context) error) tea.Cmd {
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		if err := fn(c); err != nil {
			return ErrMsg{Op: op, Err: err}
		}
		return InfoMsg(done)
	}
}

// Messages every screen may return from its commands; the root shows them in the status line.
type (
	// ErrMsg is the one failure message: Op says what was being done, in words.
	ErrMsg struct {
		Op  string
		Err error
	}
	// InfoMsg is news for the status line.
	InfoMsg string
	// EventMsg carries one engine event to the active screen after the root applied it.
	EventMsg struct{ Event engine.Event }
	// ClockMsg is the once-a-second tick the active screen may refresh on.
	ClockMsg struct{}
	// SnapshotMsg says a fresh snapshot was applied.
	SnapshotMsg struct{}
	// UnlockedMsg says the vault is open and the engine resumed: the cockpit can start.
	UnlockedMsg struct{}
	// RefreshMsg asks the root for a fresh snapshot from the engine.
	RefreshMsg struct{}
)

// Refresh asks the root to load a fresh snapshot.
func Refresh() tea.Msg { return RefreshMsg{} }

// Now is the session clock's time.
func (c *Common) Now() time.Time { return c.Clock.Now() }
