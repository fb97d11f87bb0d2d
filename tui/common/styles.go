package common

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Paint is a style reduced to the escape sequences around its text, so the dashboard can style
// cells by appending bytes instead of calling lipgloss for every cell of every frame.
type Paint struct{ On, Off string }

// NewPaint reduces a style to the sequences around its text.
func NewPaint(s lipgloss.Style) Paint {
	out := s.Render("X")
	i := strings.IndexByte(out, 'X')
	if i < 0 {
		return Paint{}
	}
	return Paint{On: out[:i], Off: out[i+1:]}
}

// Badge is a word in a box: coloured background when the terminal has colours, brackets
// otherwise, so its meaning never rests on colour alone.
type Badge struct {
	P           Paint
	Open, Close string
}

// Styles holds every style of the cockpit, built from one renderer so each SSH session gets its
// own colour profile. Screens never build styles of their own.
type Styles struct {
	ASCII bool

	// lipgloss styles for the screens that are not on the hot path.
	Title, Text, Muted, Heading, Up, Down, Warn, Danger, OK, Accent lipgloss.Style
	Selected, FocusedInput, BlurredInput, Label, ErrorText          lipgloss.Style
	Dialog, DangerDialog, Box                                       lipgloss.Style
	Help                                                            help.Styles

	// paints for the dashboard canvas.
	PTitle, PText, PMuted, PHeading, PUp, PDown, PWarn, PDanger, POK, PAccent Paint
	PSelected, PPaneTitle, PPaneTitleFocused, PRule                           Paint

	// badges for the header: market, money and the kill switch.
	BSim, BPaper, BLive, BTestnet, BKill Badge
}

// NewStyles builds the cockpit's styles for one renderer (lipgloss.DefaultRenderer() locally,
// one per session over SSH).
func NewStyles(r *lipgloss.Renderer) *Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	// The palette is adaptive so light and dark terminals both read well.
	colAccent := lipgloss.AdaptiveColor{Light: "#4B47C9", Dark: "#8E8AF8"}
	colUp := lipgloss.AdaptiveColor{Light: "#1E7F3E", Dark: "#3FD37A"}
	colDown := lipgloss.AdaptiveColor{Light: "#B42318", Dark: "#FF6B6B"}
	colWarn := lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#F2C14E"}
	colMuted := lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
	colText := lipgloss.AdaptiveColor{Light: "#1C1C1C", Dark: "#DDDDDD"}
	colRule := lipgloss.AdaptiveColor{Light: "#BBBBBB", Dark: "#444444"}
	colOnBg := lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#101010"}
	colSimBg := lipgloss.AdaptiveColor{Light: "#2F6FD6", Dark: "#6CA6FF"}
	colPapBg := lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#F2C14E"}
	colLiveBg := lipgloss.AdaptiveColor{Light: "#B42318", Dark: "#FF5C5C"}
	colTestBg := lipgloss.AdaptiveColor{Light: "#6B3FA0", Dark: "#C49BFF"}

	n := r.NewStyle
	s := &Styles{ASCII: r.ColorProfile() == termenv.Ascii}
	s.Title = n().Bold(true).Foreground(colAccent)
	s.Text = n().Foreground(colText)
	s.Muted = n().Foreground(colMuted)
	s.Heading = n().Bold(true)
	s.Up = n().Foreground(colUp)
	s.Down = n().Foreground(colDown)
	s.Warn = n().Foreground(colWarn)
	s.Danger = n().Foreground(colDown).Bold(true)
	s.OK = n().Foreground(colUp)
	s.Accent = n().Foreground(colAccent)
	s.Selected = n().Reverse(true)
	s.Label = n().Foreground(colMuted)
	s.ErrorText = n().Foreground(colDown)
	s.FocusedInput = n().Foreground(colAccent).Bold(true)
	s.BlurredInput = n().Foreground(colText)
	s.Box = n().Border(lipgloss.RoundedBorder()).BorderForeground(colRule).Padding(0, 1)
	s.Dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 1)
	s.DangerDialog = n().Border(lipgloss.ThickBorder()).BorderForeground(colDown).Padding(0, 1)
	s.Help = help.Styles{
		ShortKey:       n().Foreground(colAccent),
		ShortDesc:      n().Foreground(colMuted),
		ShortSeparator: n().Foreground(colRule),
		Ellipsis:       n().Foreground(colRule),
		FullKey:        n().Foreground(colAccent),
		FullDesc:       n().Foreground(colMuted),
		FullSeparator:  n().Foreground(colRule),
	}

	s.PTitle = NewPaint(s.Title)
	s.PText = NewPaint(s.Text)
	s.PMuted = NewPaint(s.Muted)
	s.PHeading = NewPaint(n().Bold(true).Foreground(colMuted))
	s.PUp = NewPaint(s.Up)
	s.PDown = NewPaint(s.Down)
	s.PWarn = NewPaint(s.Warn)
	s.PDanger = NewPaint(s.Danger)
	s.POK = NewPaint(s.OK)
	s.PAccent = NewPaint(s.Accent)
	s.PSelected = NewPaint(s.Selected)
	s.PPaneTitle = NewPaint(n().Foreground(colMuted))
	s.PPaneTitleFocused = NewPaint(n().Bold(true).Foreground(colAccent))
	s.PRule = NewPaint(n().Foreground(colRule))

	mk := func(bg lipgloss.AdaptiveColor) Badge {
		b := Badge{P: NewPaint(n().Bold(true).Foreground(colOnBg).Background(bg)), Open: " ", Close: " "}
		if s.ASCII {
			b.Open, b.Close = "[", "]"
		}
		return b
	}
	s.BSim = mk(colSimBg)
	s.BPaper = mk(colPapBg)
	s.BLive = mk(colLiveBg)
	s.BTestnet = mk(colTestBg)
	s.BKill = mk(colLiveBg)
	return s
}
