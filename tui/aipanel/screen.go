package aipanel

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
)

// Screen is the panel as a cockpit screen: it gathers the request's input from the engine (the
// bot, its trades, the symbol's candles), asks for the question first when the request is a
// free one, and turns a suggestion into the bot form pre-filled. It holds the engine only to
// read: no path through it places or cancels an order.
type Screen struct {
	c     *common.Common
	panel *Model
	kind  ai.Kind
	// backtest is the result a summary is about; the panel goes back to the backtest screen.
	backtest *ai.BacktestMetrics
	bot      string
	sym      string

	asking   bool // the question is being typed
	question common.TextField
	w, h     int
}

// inputMsg carries the gathered input to the panel.
type inputMsg struct{ in ai.Input }

// NewScreen opens the panel on args.AIKind about args.Bot or args.Symbol.
func NewScreen(c *common.Common, args common.Args) (common.Screen, tea.Cmd) {
	s := &Screen{c: c, panel: New(c.Styles, asker(c.AI)), kind: args.AIKind, bot: args.Bot, sym: args.Symbol, backtest: args.Backtest}
	// r is the cockpit's keys screen everywhere, so the request is shown with w here.
	s.panel.keys.ShowRequest = key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "show request"))
	if s.bot != "" && s.sym == "" {
		if b, ok := c.FindBot(s.bot); ok {
			s.sym = b.Config.Symbol
		}
	}
	if c.AI == nil {
		return s, nil
	}
	if s.kind == ai.Ask {
		s.asking = true
		s.question.Limit = ai.MaxQuestionLen
		s.question.Placeholder = "your question about " + s.subject()
		return s, s.question.Focus()
	}
	return s, s.gather("")
}

// asker keeps a nil client a nil Asker, so the panel shows that AI is off.
func asker(a common.AI) Asker {
	if a == nil {
		return nil
	}
	return a
}

func (s *Screen) subject() string {
	if s.bot != "" {
		return s.bot
	}
	if s.sym != "" {
		return s.sym
	}
	return "the market"
}

// gather reads the request's context from the engine in a command, bounded by CallTimeout.
func (s *Screen) gather(question string) tea.Cmd {
	c, bot, sym, result := s.c, s.bot, s.sym, s.backtest
	var view *engine.BotView
	if b, ok := c.FindBot(bot); ok {
		view = &b
	}
	return func() tea.Msg {
		in := ai.Input{Question: question, Backtest: result}
		if view != nil {
			in.Bot = ai.FromBotView(*view)
			ctx, cancel := context.WithTimeout(c.Ctx, common.CallTimeout)
			fills, err := c.Engine.Fills(ctx, bot, ai.MaxTrades)
			cancel()
			if err != nil {
				return common.ErrMsg{Op: "reading " + bot + "'s trades for the AI request", Err: err}
			}
			in.Trades = ai.FromFills(fills)
		}
		if sym != "" {
			in.Market = &ai.Market{Symbol: sym, Interval: "1m", Candles: ai.FromCandles(c.Engine.Candles(sym))}
		}
		return inputMsg{in: in}
	}
}

// Update handles the question, the gathered input, the panel's answer and a suggestion.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case inputMsg:
		return s.panel.Ask(s.kind, msg.in)
	case FormPrefillMsg:
		return s.prefill(msg)
	case tea.KeyMsg:
		return s.key(msg)
	}
	return s.panel.Update(msg)
}

func (s *Screen) key(k tea.KeyMsg) tea.Cmd {
	if s.asking {
		switch {
		case key.Matches(k, s.c.Keys.Back):
			return s.leave()
		case k.Type == tea.KeyEnter:
			q := strings.TrimSpace(s.question.Value())
			if q == "" {
				return nil
			}
			s.asking = false
			s.question.Blur()
			return s.gather(q)
		default:
			s.question.Key(k)
		}
		return nil
	}
	// esc cancels what the panel is doing; with nothing to cancel it leaves.
	if key.Matches(k, s.c.Keys.Back) && (s.panel.phase == idle || s.panel.phase == done) {
		return s.leave()
	}
	return s.panel.Update(k)
}

// leave goes back to the bot's detail the panel was opened from, or to the dashboard.
func (s *Screen) leave() tea.Cmd {
	if s.backtest != nil {
		s.c.Host.Back()
		return nil
	}
	if _, ok := s.c.FindBot(s.bot); ok {
		return s.c.Host.Open(common.ScreenBotDetail, common.Args{Bot: s.bot})
	}
	s.c.Host.Back()
	return nil
}

// Wipe stops an answer still streaming when the screen is left: nothing is asked for a screen
// no one sees.
func (s *Screen) Wipe() {
	if s.panel.cancel != nil {
		s.panel.cancel()
	}
}

// prefill opens the bot form with the suggestion applied: the bot's own form when it exists
// (it keeps its mode, so a paper bot stays paper and a live one is edited as live, confirmed as
// any live change), otherwise a new paper bot. Nothing changes until the user saves the form.
func (s *Screen) prefill(msg FormPrefillMsg) tea.Cmd {
	b, ok := s.c.FindBot(msg.Bot)
	if !ok {
		cfg := engine.BotConfig{Symbol: s.sym, Mode: engine.Paper, Params: maps.Clone(msg.Params)}
		return s.c.Host.Open(common.ScreenBotForm, common.Args{Draft: &cfg})
	}
	cfg := b.Config
	cfg.Params = maps.Clone(cfg.Params)
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	maps.Copy(cfg.Params, msg.Params)
	return s.c.Host.Open(common.ScreenBotForm, common.Args{Edit: &cfg, Held: b.Position})
}

// View renders the question prompt or the panel.
func (s *Screen) View(time.Time) string {
	st := s.c.Styles
	title := st.Heading.Render("Claude · " + string(s.kind) + " · " + s.subject())
	if s.asking {
		return title + "\n\n" + st.Text.Render("Question:") + " " + s.question.View(st) + "\n\n" +
			st.Muted.Render("Sent with "+s.subject()+"'s recent market; enter shows the exact request first.")
	}
	return title + "\n\n" + s.panel.View()
}

// ShortHelp lists the keys that do something now.
func (s *Screen) ShortHelp() []key.Binding {
	if s.asking {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ask")), s.c.Keys.Back}
	}
	if s.panel.phase == confirming || s.panel.phase == streaming {
		return s.panel.ShortHelp() // esc cancels there
	}
	return append(s.panel.ShortHelp(), s.c.Keys.Back)
}

// HelpKey changes with the panel's phase, so the help bar follows it.
func (s *Screen) HelpKey() string {
	return string(rune('0'+s.panel.phase)) + map[bool]string{true: "q", false: ""}[s.asking] +
		map[bool]string{true: "s", false: ""}[s.panel.suggested != nil]
}

// Busy is true while an answer streams: the spinner turns.
func (s *Screen) Busy() bool { return s.panel.Busy() }

// SetSize gives the panel the body less its title.
func (s *Screen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.panel.SetSize(w, max(h-2, 3))
}

// TakesText is true while the question is typed.
func (s *Screen) TakesText() bool { return s.asking }
