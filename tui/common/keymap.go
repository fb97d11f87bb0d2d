package common

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the cockpit. Help (the ? screen and the help bar) is generated
// from it, so a binding cannot exist without being discoverable.
type KeyMap struct {
	Up, Down, PageUp, PageDown key.Binding
	Left, Right                key.Binding
	Tab, ShiftTab, NextField   key.Binding
	Enter, Back                key.Binding
	Start, Stop                key.Binding
	New, Edit, Remove          key.Binding
	Order, Cancel              key.Binding
	Kill, Keys, Help, Quit     key.Binding
	ForceQuit                  key.Binding
	Yes, No                    key.Binding
	Submit, Toggle             key.Binding
	AddKey, RotateKey, Passwd  key.Binding
	Timeframe, Averages        key.Binding
	Tape                       key.Binding
	Portfolio, Orders          key.Binding
	Watch, Unwatch             key.Binding
	Backtest, FormBacktest     key.Binding
	PaperBot, Sweep, Rank      key.Binding
	Explain, Review, AskAI     key.Binding
}

// NewKeyMap builds the cockpit's bindings.
func NewKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:        b("↑/k", "up", "up", "k"),
		Down:      b("↓/j", "down", "down", "j"),
		PageUp:    b("pgup", "page up", "pgup"),
		PageDown:  b("pgdn", "page down", "pgdown"),
		Left:      b("←/→", "choose", "left", "h"),
		Right:     b("→/l", "next choice", "right", "l"),
		Tab:       b("tab", "next pane", "tab"),
		ShiftTab:  b("shift+tab", "previous pane", "shift+tab"),
		NextField: b("tab/↓", "next field", "tab", "down"),
		Enter:     b("enter", "open", "enter"),
		Back:      b("esc", "back", "esc"),
		Start:     b("s", "start", "s"),
		Stop:      b("x", "stop", "x"),
		New:       b("n", "new bot", "n"),
		Edit:      b("e", "edit", "e"),
		Remove:    b("D", "remove bot", "D"),
		Order:     b("o", "order", "o"),
		Cancel:    b("c", "cancel order", "c"),
		Kill:      b("K", "kill switch", "K"),
		Keys:      b("r", "keys", "r"),
		Help:      b("?", "help", "?"),
		Quit:      b("q", "quit", "q"),
		ForceQuit: b("ctrl+c", "quit", "ctrl+c"),
		Yes:       b("y", "yes", "y", "Y"),
		No:        b("n/esc", "no", "n", "N", "esc"),
		Submit:    b("ctrl+s", "save/submit", "ctrl+s"),
		Toggle:    b("space", "toggle", " "),
		AddKey:    b("a", "add key", "a"),
		RotateKey: b("R", "rotate key", "R"),
		Passwd:    b("p", "new passphrase", "p"),
		Timeframe: b("f", "chart timeframe", "f"),
		Averages:  b("m", "moving averages", "m"),
		Tape:      b("T", "trades tape", "T"),
		Portfolio: b("P", "portfolio", "P"),
		Orders:    b("O", "open orders and history", "O"),
		Watch:     b("+", "watch a symbol", "+"),
		Unwatch:   b("-", "unwatch the symbol", "-"),
		Backtest:  b("b", "backtest the bot", "b"),
		// In a form every printable key is text, so the form's backtest key is a control key.
		FormBacktest: b("ctrl+b", "backtest the form", "ctrl+b"),
		PaperBot:     b("N", "paper bot from a backtest", "N"),
		Sweep:        b("w", "sweep parameters", "w"),
		Rank:         b("s", "rank a sweep by", "s"),
		Explain:      b("E", "AI: explain bot", "E"),
		Review:       b("V", "AI: review bot", "V"),
		AskAI:        b("A", "AI: ask on symbol", "A"),
	}
}

// HelpGroups is the full help screen: every binding, grouped by what it is for.
func (k KeyMap) HelpGroups() []HelpGroup {
	return []HelpGroup{
		{"Navigation", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Tab, k.ShiftTab, k.Enter, k.Back}},
		{"Bots", []key.Binding{k.Start, k.Stop, k.New, k.Edit, k.Remove, k.Backtest, k.Sweep, k.Rank, k.PaperBot}},
		{"Trading", []key.Binding{k.Order, k.Cancel, k.Kill, k.Portfolio, k.Orders}},
		{"Chart & watchlist", []key.Binding{k.Timeframe, k.Averages, k.Tape, k.Watch, k.Unwatch}},
		{"Keys & vault", []key.Binding{k.Keys, k.AddKey, k.RotateKey, k.Passwd}},
		{"Forms", []key.Binding{k.NextField, k.Left, k.Submit, k.FormBacktest, k.Yes, k.No}},
		{"AI (QUANTDECK_AI=claude)", []key.Binding{k.Explain, k.Review, k.AskAI}},
		{"App", []key.Binding{k.Help, k.Quit, k.ForceQuit}},
	}
}

// HelpGroup is a titled group of bindings on the help screen.
type HelpGroup struct {
	Title    string
	Bindings []key.Binding
}
