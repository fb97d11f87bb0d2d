package dashboard

import (
	"context"
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// tapeEngine keeps order books and trades, and serves BTCUSDT's rules.
type tapeEngine struct {
	bookEngine
	trades []exchange.Trade
	reads  *int
}

func (e tapeEngine) Trades(symbol string, dst []exchange.Trade) []exchange.Trade {
	*e.reads++
	dst = dst[:0]
	for _, t := range e.trades {
		if t.Symbol == symbol {
			dst = append(dst, t)
		}
	}
	return dst
}

func (e tapeEngine) Rules(_ context.Context, symbol string) (exchange.Rules, error) {
	return exchange.Rules{Symbol: symbol, TickSize: decimal.MustNew(1, 2), StepSize: decimal.MustNew(1, 5)}, nil
}

func tapeScreen(t *testing.T, w, h int) (*Screen, *int) {
	t.Helper()
	snap := fixture.Snapshot(4, 5, 30)
	reads := 0
	eng := tapeEngine{bookEngine: bookEngine{book: testBook("BTCUSDT", 5)}, trades: fixture.Trades("BTCUSDT", 30), reads: &reads}
	c, _ := fixture.Common(&snap, eng)
	scr, _ := New(c, common.Args{})
	d := scr.(*Screen)
	d.SetSize(w, h)
	d.View(fixture.Now)
	if cmd := d.Update(common.SnapshotMsg{}); cmd != nil {
		runAll(d, cmd())
	}
	return d, &reads
}

// TestTapeNewestFirst: from 120 columns the selected symbol's trades show under the book,
// newest first, each side as an arrow and a word, prices to the symbol's tick and quantities
// to its step.
func TestTapeNewestFirst(t *testing.T) {
	d, _ := tapeScreen(t, 160, 47)
	v := d.View(fixture.Now)
	if !strings.Contains(v, "Trades BTCUSDT") || !strings.Contains(v, "Book BTCUSDT") {
		t.Fatalf("no book and tape:\n%s", v)
	}
	lines := strings.Split(v, "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "Trades BTCUSDT") {
			at = i + 2 // the title, then the header
		}
	}
	want := fixture.Trades("BTCUSDT", tapeRows+1)
	n := 0
	for ; at+n < len(lines) && n < len(want); n++ {
		l := lines[at+n]
		tape := l[strings.LastIndex(l, "│"):]
		if !strings.Contains(tape, "▲") && !strings.Contains(tape, "▼") {
			break
		}
		tr := want[n]
		word := "▲ buy"
		if tr.Taker == exchange.Sell {
			word = "▼ sell"
		}
		for _, s := range []string{tr.Time.UTC().Format("15:04:05"), word, common.FmtDec(tr.Price.Pad(2)), tr.Qty.Pad(5).String()} {
			if !strings.Contains(tape, s) {
				t.Fatalf("tape line %d lacks %q (trades must be newest first): %q", n, s, tape)
			}
		}
	}
	if n < 6 || n > tapeRows {
		t.Fatalf("%d trades listed, want 6..%d:\n%s", n, tapeRows, v)
	}
}

// TestTapeNarrow: under 120 columns the tape is not read and the book shows; T puts the tape
// in the book's place, and T again brings the book back.
func TestTapeNarrow(t *testing.T) {
	d, reads := tapeScreen(t, 110, 40)
	if v := d.View(fixture.Now); strings.Contains(v, "Trades BTCUSDT") || !strings.Contains(v, "Book BTCUSDT") || *reads != 0 {
		t.Fatalf("tape at 110 columns (%d reads):\n%s", *reads, v)
	}
	cmd := d.Update(fixture.Key("T"))
	if cmd == nil {
		t.Fatal("T read no trades")
	}
	runAll(d, cmd())
	v := d.View(fixture.Now)
	if !strings.Contains(v, "Trades BTCUSDT") || strings.Contains(v, "Book BTCUSDT") || !strings.Contains(v, "▲ buy") {
		t.Fatalf("T did not put the tape in the book's place:\n%s", v)
	}
	d.Update(fixture.Key("T"))
	if v := d.View(fixture.Now); strings.Contains(v, "Trades BTCUSDT") || !strings.Contains(v, "Book BTCUSDT") {
		t.Fatalf("T again did not bring the book back:\n%s", v)
	}
}

// TestTapeBuffersReused: reading the tape on every snapshot hands the two buffers back and
// forth; neither grows nor is replaced.
func TestTapeBuffersReused(t *testing.T) {
	d, reads := tapeScreen(t, 160, 47)
	first := &d.tape.shown[:1][0]
	for i := 0; i < 4; i++ {
		runAll(d, d.Update(common.SnapshotMsg{})())
	}
	if *reads != 5 {
		t.Fatalf("%d reads after five snapshots", *reads)
	}
	if cap(d.tape.shown) != common.TapeCap {
		t.Fatalf("tape buffer cap %d", cap(d.tape.shown))
	}
	if again := &d.tape.shown[:1][0]; again != first {
		t.Fatalf("after an even number of reads the first buffer should show again")
	}
}
