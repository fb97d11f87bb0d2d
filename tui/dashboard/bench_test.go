package dashboard

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/govalues/decimal"
	"github.com/muesli/termenv"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
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
		{"160x48-book", 160, 48, termenv.Ascii}, // with the tape
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := lipgloss.NewRenderer(nil)
			r.SetColorProfile(bc.profile)
			snap := fixture.Snapshot(20, 20, 500)
			c, _ := fixture.Common(&snap, nil)
			c.Styles = common.NewStyles(r)
			scr, _ := New(c, common.Args{})
			d := scr.(*Screen)
			d.SetSize(bc.w, bc.h-1)
			d.Update(common.SnapshotMsg{})
			d.focus = paneLog
			if bc.name == "160x48-book" {
				// The order book on: twenty levels a side arrive with the snapshots.
				// And the tape: a full history of trades.
				d.bookLoaded(bookLoadedMsg{book: testBook("BTCUSDT", 20), ok: true})
				d.tapeLoaded(tapeLoadedMsg{symbol: "BTCUSDT", trades: fixture.TradesInto("BTCUSDT", common.TapeCap, <-d.tape.spare)})
				if f := d.Frame(fixture.Now, common.Line{}, nil); !strings.Contains(f, "Book BTCUSDT") || !strings.Contains(f, "Trades BTCUSDT") {
					b.Fatalf("the book and tape are not drawn:\n%s", f)
				}
			}
			footer := common.Line{S: " ? help", W: 7}
			tick := decimal.MustNew(1, 2)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range snap.Prices {
					p := &snap.Prices[j]
					p.Last, _ = p.Last.Add(tick)
				}
				if bc.name == "160x48-book" {
					d.book.Bids[0].Qty, _ = d.book.Bids[0].Qty.Add(tick)
					d.tape.shown[0].Price, _ = d.tape.shown[0].Price.Add(tick)
				}
				d.Frame(fixture.Now, footer, nil)
			}
		})
	}
}
