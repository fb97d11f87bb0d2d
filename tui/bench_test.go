package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/govalues/decimal"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/engine"
)

// BenchmarkDashboardFrame measures one dashboard frame with 20 symbols, 20 bots and 500 log
// lines, the prices changing every frame (the worst steady case: every visible row is
// re-formatted). Target: under 1 ms and under 100 allocations per frame.
func BenchmarkDashboardFrame(b *testing.B) {
	for _, bc := range []struct {
		name    string
		w, h    int
		profile termenv.Profile
	}{
		{"80x24", 80, 24, termenv.Ascii},
		{"160x48", 160, 48, termenv.Ascii},
		{"160x48-truecolor", 160, 48, termenv.TrueColor},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := lipgloss.NewRenderer(nil)
			r.SetColorProfile(bc.profile)
			snap := testSnapshot(20, 20, 500)
			m := newModel(Options{Engine: newFakeEngine(snap), Renderer: r, Exchange: "sim", Now: func() time.Time { return fixedNow }})
			m.screen = scrDashboard
			m.applySnapshot(snap)
			m.Update(tea.WindowSizeMsg{Width: bc.w, Height: bc.h})
			m.dash.focus = paneLog
			tick := decimal.MustNew(1, 2)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range m.snap.Prices {
					p := &m.snap.Prices[j]
					p.Last, _ = p.Last.Add(tick)
				}
				m.render()
			}
		})
	}
}

// BenchmarkSnapshotApply measures taking in a fresh engine snapshot.
func BenchmarkSnapshotApply(b *testing.B) {
	snap := testSnapshot(20, 20, 500)
	m := newModel(Options{Engine: newFakeEngine(snap), Renderer: asciiRenderer(), Exchange: "sim", Now: func() time.Time { return fixedNow }})
	m.screen = scrDashboard
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.handleEvent(engine.SnapshotEvent{Snapshot: snap})
	}
}
