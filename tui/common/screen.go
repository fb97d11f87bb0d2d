package common

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/engine"
)

// Screen is one screen of the cockpit. The root sends it the window size, the keys the global
// bindings left, the results of its own commands and the engine's events; it asks it for its
// body (the width and height it was last given, the footer excluded) and its help bar.
type Screen interface {
	Update(msg tea.Msg) tea.Cmd
	View(now time.Time) string
	ShortHelp() []key.Binding
	SetSize(w, h int)
	// TakesText reports whether printable keys are input (a form, a passphrase): the global
	// single-letter bindings then stay off.
	TakesText() bool
}

// Framer is a screen that draws the whole frame itself (the dashboard, into one reused buffer):
// the footer and the overlay lines go at the bottom of what it returns.
type Framer interface {
	Frame(now time.Time, footer Line, overlay []Line) string
}

// Busy is a screen that waits for something the user sees a spinner for.
type Busy interface {
	Busy() bool
}

// Wiper is a screen that holds secrets it must zero when it is closed or the vault is sealed.
type Wiper interface {
	Wipe()
}

// HelpKeyer is a screen whose help bar changes within the screen: the key changes with it, so
// the root knows when to rebuild the footer.
type HelpKeyer interface {
	HelpKey() string
}

// Line is a pre-rendered line (a help bar, a dialog) with its width in cells.
type Line struct {
	S string
	W int
}

// ID names a screen; the root builds one from the factory registered for it.
type ID int

// The cockpit's screens.
const (
	ScreenUnlock ID = iota
	ScreenDashboard
	ScreenBotDetail
	ScreenBotForm
	ScreenTicket
	ScreenCredentials
	ScreenHelp
	ScreenPortfolio
	ScreenOrders
	ScreenBook
	ScreenBacktest
	ScreenAI
)

// Args are what a screen opens on; each screen reads the fields it needs.
type Args struct {
	Bot    string            // the bot a detail opens on
	Symbol string            // the symbol a ticket, form or book opens on
	Edit   *engine.BotConfig // the bot a form edits; nil creates one
	// Held is the edited bot's position: its symbol and strategy cannot change while it holds.
	Held decimal.Decimal
	// Draft is a bot's settings not yet saved: a backtest runs them, and the form opens a new
	// bot pre-filled with them (always in paper mode).
	Draft *engine.BotConfig
	// AIKind is the request the AI panel opens on (explain, review, ask).
	AIKind ai.Kind
	// Backtest is the result the AI panel summarises (AIKind ai.Backtest).
	Backtest *ai.BacktestMetrics
}

// Question is a y/N confirmation the root shows over the screen. Destructive and live-money
// actions always go through one.
type Question struct {
	Prompt, Detail string
	Danger         bool
	OnYes          func() tea.Cmd
	CtrlCYes       bool // ctrl+c answers yes (the quit question: pressing it twice quits)
}

// Host is what a screen may ask of the root: move to another screen, say something in the
// status line, ask a question, animate the spinner, quit. The root implements it.
type Host interface {
	Open(id ID, args Args) tea.Cmd
	// Back leaves the screen for the one it came from (the dashboard for most).
	Back()
	Info(text string)
	Error(op string, err error)
	Ask(q Question)
	Quit() tea.Cmd
	// Spin keeps the spinner turning while a Busy screen is busy; SpinView is its frame.
	Spin() tea.Cmd
	SpinView() string
}
