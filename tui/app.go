package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Options are what the cockpit needs from its host (the local command or an SSH session).
type Options struct {
	Engine   common.Engine
	Vault    common.Vault
	Checker  exchange.PermissionChecker
	Renderer *lipgloss.Renderer // per session (SSH); lipgloss.DefaultRenderer() locally
	Exchange string             // "sim", "binance", "binance-testnet"
	Version  string
	// KDFIterations is used by Create and ChangePassphrase; 0 calibrates.
	KDFIterations int
	// OnUnlock runs (in a tea.Cmd) once the vault is unlocked or created: the caller resumes
	// the engine there. Sessions attaching to an already unlocked vault skip the unlock screen.
	OnUnlock func(ctx context.Context) error
	// Clock is the session's clock; the system clock when nil.
	Clock clock.Clock
	// Context ends the session's engine subscription (an SSH session's context); Background
	// when nil. Quitting ends it too.
	Context context.Context
	// Detached says the engine outlives this session (SSH): quitting leaves bots running.
	Detached bool
	// EngineFailure, when set, says why the engine stopped on its own (nil while it runs); the
	// status line shows it once the engine's event stream ends.
	EngineFailure func() error
	// Home is the data directory (the candle history for backtests).
	Home string
	// AI is the Claude client, nil while the enrichment is off: the AI keys then only say so.
	AI common.AI
}

// The screens still drawn by the root model.
const (
	scrUnlock    = common.ScreenUnlock
	scrDashboard = common.ScreenDashboard
	scrDetail    = common.ScreenBotDetail
	scrForm      = common.ScreenBotForm
	scrTicket    = common.ScreenTicket
	scrKeys      = common.ScreenCredentials
	scrHelp      = common.ScreenHelp
	scrPortfolio = common.ScreenPortfolio
)

// Timings of the UI loop.
const (
	frameEvery  = 100 * time.Millisecond // at most ten data-driven renders a second
	statusFor   = 8 * time.Second
	errorFor    = 20 * time.Second
	callTimeout = 15 * time.Second
)

// Model is the cockpit's root model: it owns the size, the active screen, global keys, the
// status line, the engine subscription and render throttling.
type Model struct {
	opts   Options
	st     *common.Styles
	keys   common.KeyMap
	help   help.Model
	ctx    context.Context
	cancel context.CancelFunc
	clk    clock.Clock
	// tick schedules a message after a delay (tea.Tick; tests replace it to run timers by hand).
	tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	// wait reads the next engine event (waitEvent; tests replace it to feed events by hand).
	wait func(<-chan engine.Event) tea.Cmd

	w, h      int
	com       *common.Common
	factories map[common.ID]factory
	screen    common.ID
	back      common.ID     // where help and other overlays return to
	cur       common.Screen // the active screen when it is a component
	under     common.Screen // the component screen help covers

	snap   engine.Snapshot
	events <-chan engine.Event
	dash   common.Screen // the home screen, kept for the whole session

	confirm *common.Question
	status  status

	subscribed bool // the engine subscription outlives a seal and the unlock that follows

	frame        string
	dirty        bool
	framePending bool
	clockRunning bool
	quitting     bool

	spinFrame int
	spinning  bool

	footer      common.Line
	footerKey   footerKey
	statusAbove []common.Line // the first lines of a footer message too long for one line
	overlay     []common.Line
}

// New builds the cockpit model. Run it with tea.NewProgram(New(opts), tea.WithAltScreen()).
func New(opts Options) tea.Model {
	return newModel(opts)
}

func newModel(opts Options) *Model {
	opts.Clock = clock.Or(opts.Clock)
	parent := opts.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	st := common.NewStyles(opts.Renderer)
	h := help.New()
	h.Styles = st.Help
	m := &Model{
		opts: opts, st: st, keys: common.NewKeyMap(), help: h,
		ctx: ctx, cancel: cancel, clk: opts.Clock, tick: tea.Tick, wait: waitEvent,
	}
	m.snap.Health.Exchange = opts.Exchange
	m.com = &common.Common{
		Ctx: ctx, Engine: opts.Engine, Vault: opts.Vault, Checker: opts.Checker, Styles: st,
		Keys: m.keys, Host: m, Snap: &m.snap, Clock: opts.Clock, Exchange: opts.Exchange,
		Version: opts.Version, KDFIterations: opts.KDFIterations, OnUnlock: opts.OnUnlock,
		Detached: opts.Detached, Home: opts.Home, AI: opts.AI,
		Tick: func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd { return m.tick(d, fn) },
	}
	m.factories = screens()
	m.dash, _ = m.factories[common.ScreenDashboard](m.com, common.Args{})
	return m
}

// Init checks the vault: an unlocked vault (another session opened it) goes straight to the
// dashboard, otherwise the unlock screen asks for the passphrase.
func (m *Model) Init() tea.Cmd {
	return m.Open(common.ScreenUnlock, common.Args{})
}

// View returns the last rendered frame; renders happen in Update, throttled.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	return m.frame
}

// Update routes a message to the global handlers, then to the active screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd, render := m.update(msg)
	if render {
		m.render()
	}
	return m, cmd
}

// update handles msg and reports whether the frame must be redrawn now (user input does,
// data marks the frame dirty for the next throttled render).
func (m *Model) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.com.Width, m.com.Height = msg.Width, msg.Height
		m.help.Width = msg.Width - 1 // the footer starts with a space
		for _, s := range []common.Screen{m.cur, m.under} {
			if s != nil {
				s.SetSize(m.w, max(m.h-1, 0))
			}
		}
		if m.cur != m.dash {
			m.dash.SetSize(m.w, max(m.h-1, 0))
		}
		return m.toScreen(msg), true
	case frameMsg:
		m.framePending = false
		return nil, m.dirty
	case clockMsg:
		m.clockRunning = false
		if m.screen == scrUnlock || m.quitting {
			return nil, false
		}
		return tea.Batch(m.markDirty(), m.clockTick(), sealCheckCmd(m.opts.Vault), m.toScreen(common.ClockMsg{})), false
	case vaultSealedMsg:
		if m.screen == scrUnlock || m.quitting {
			return nil, false
		}
		// Sealed from elsewhere (`quantdeck seal`, another session): nothing here may go on
		// without the passphrase.
		m.confirm, m.overlay = nil, nil
		cmd := m.Open(common.ScreenUnlock, common.Args{})
		m.setInfo("the vault was sealed: unlock it to go on")
		return cmd, true
	case eventMsg:
		return tea.Batch(m.handleEvent(msg.ev), m.toScreen(common.EventMsg{Event: msg.ev}), m.wait(m.events)), false
	case eventsClosedMsg:
		m.events = nil
		if m.quitting {
			return nil, false
		}
		why := "the engine stopped"
		if m.opts.EngineFailure != nil {
			if err := m.opts.EngineFailure(); err != nil {
				why += " (" + err.Error() + ")"
			}
		}
		m.setError(why+": no prices, no orders; quit and start QuantDeck again", nil)
		return nil, true
	case common.UnlockedMsg:
		if m.screen != scrUnlock {
			return nil, false // another check found it open after our own unlock
		}
		return m.enterCockpit(), true
	case subscribedMsg:
		m.events = msg.ch
		return m.wait(msg.ch), false
	case snapshotLoadedMsg:
		return tea.Batch(m.markDirty(), m.applySnapshot(msg.snap)), false
	case common.RefreshMsg:
		return loadSnapshotCmd(m.opts.Engine), false
	case common.BotRemovedMsg:
		return m.botRemoved(msg), true
	case common.ErrMsg:
		m.setError(msg.Op, msg.Err)
		return nil, true
	case common.InfoMsg:
		m.setInfo(string(msg))
		return nil, true
	case errMsg:
		m.setError(msg.op, msg.err)
		return nil, true
	case infoMsg:
		m.setInfo(string(msg))
		return nil, true
	case tea.KeyMsg:
		return m.handleKey(msg), true
	case spinMsg:
		m.spinning = false
		if !m.busy() {
			return nil, false
		}
		m.spinFrame++
		return m.spin(), true
	}
	return m.toScreen(msg), true
}

// toScreen hands a message to the active component screen.
func (m *Model) toScreen(msg tea.Msg) tea.Cmd {
	if _, home := msg.(common.HomeMsg); home && m.dash != nil && m.cur != m.dash {
		// The home screen's own results reach it under any screen.
		cmd := m.dash.Update(msg)
		if m.cur != nil {
			cmd = tea.Batch(cmd, m.cur.Update(msg))
		}
		return cmd
	}
	if m.cur == nil {
		return nil
	}
	return m.cur.Update(msg)
}

// markDirty asks for a render at the next frame tick instead of now.
func (m *Model) markDirty() tea.Cmd {
	m.dirty = true
	if m.framePending {
		return nil
	}
	m.framePending = true
	return m.tick(frameEvery, func(time.Time) tea.Msg { return frameMsg{} })
}

func (m *Model) clockTick() tea.Cmd {
	if m.clockRunning {
		return nil
	}
	m.clockRunning = true
	return m.tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} })
}

// enterCockpit shows the dashboard and starts the engine subscription.
func (m *Model) enterCockpit() tea.Cmd {
	cmds := []tea.Cmd{m.Open(common.ScreenDashboard, common.Args{}), loadSnapshotCmd(m.opts.Engine), m.clockTick()}
	if !m.subscribed {
		m.subscribed = true
		cmds = append(cmds, subscribeCmd(m.ctx, m.opts.Engine))
	}
	return tea.Batch(cmds...)
}

// runningBots counts the bots that are running.
func (m *Model) runningBots() int {
	n := 0
	for i := range m.snap.Bots {
		if m.snap.Bots[i].State == engine.BotRunning {
			n++
		}
	}
	return n
}

func (m *Model) requestQuit() tea.Cmd {
	n := m.runningBots()
	if n == 0 || m.screen == scrUnlock {
		return m.quit()
	}
	detail := "They stop placing orders now and resume at the next start."
	if m.com.Detached {
		detail = "They keep running in the engine; only this session closes."
	}
	if n == 1 {
		detail = "It stops placing orders now and resumes at the next start."
		if m.com.Detached {
			detail = "It keeps running in the engine; only this session closes."
		}
	}
	m.ask(common.Plural(n, "bot is", "bots are")+" running. Quit the cockpit?", detail, false, m.quit)
	m.confirm.CtrlCYes = true
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.cancel()
	return tea.Quit
}

type spinMsg struct{}

// spinnerFrames animate work in progress (key derivation, permission checks).
const spinnerFrames = "⣾⣽⣻⢿⡿⣟⣯⣷"

// busy reports whether something the user waits for is running.
func (m *Model) busy() bool {
	if b, ok := m.cur.(common.Busy); ok && b.Busy() {
		return true
	}
	return false
}

// spin keeps the spinner turning while busy.
func (m *Model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.tick(120*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} })
}

func (m *Model) spinView() string {
	i := (m.spinFrame % 8) * 3
	return m.st.Accent.Render(spinnerFrames[i : i+3])
}
