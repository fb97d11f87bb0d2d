package tui

import (
	"testing"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine"
)

// BenchmarkSnapshotApply measures taking in a fresh engine snapshot.
func BenchmarkSnapshotApply(b *testing.B) {
	snap := testSnapshot(20, 20, 500)
	m := newModel(Options{Engine: newFakeEngine(snap), Renderer: asciiRenderer(), Exchange: "sim", Clock: clock.NewFake(fixedNow)})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.handleEvent(engine.SnapshotEvent{Snapshot: snap})
	}
}
