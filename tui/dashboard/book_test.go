package dashboard

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// bookEngine is an engine that keeps order books.
type bookEngine struct {
	common.Engine
	book exchange.Book
}

func (e bookEngine) Candles(string) []exchange.Candle { return fixture.Candles(40) }

// Rules fails: the ladder shows with the generic precision.
func (e bookEngine) Rules(context.Context, string) (exchange.Rules, error) {
	return exchange.Rules{}, errors.New("no rules")
}

func (e bookEngine) OrderBook(symbol string) (exchange.Book, bool) {
	return e.book, symbol == e.book.Symbol
}

func testBook(symbol string, levels int) exchange.Book {
	b := exchange.Book{Symbol: symbol, Time: fixture.Now, NAsks: levels, NBids: levels}
	for i := 0; i < levels; i++ {
		b.Asks[i] = exchange.Level{Price: decimal.MustNew(int64(6412346+i), 2), Qty: decimal.MustNew(int64(15+i), 3)}
		b.Bids[i] = exchange.Level{Price: decimal.MustNew(int64(6412344-i), 2), Qty: decimal.MustNew(int64(20+i), 3)}
	}
	return b
}

// TestDepthLadder: on a wide terminal the selected symbol's book shows its best asks above the
// spread and its best bids below, each with the size summed from the spread outwards.
func TestDepthLadder(t *testing.T) {
	snap := fixture.Snapshot(4, 5, 30)
	c, _ := fixture.Common(&snap, bookEngine{book: testBook("BTCUSDT", 12)})
	scr, _ := New(c, common.Args{})
	d := scr.(*Screen)
	d.SetSize(160, 47)
	d.View(fixture.Now) // lay out: the book is read for the wide layout
	if cmd := d.Update(common.SnapshotMsg{}); cmd != nil {
		runAll(d, cmd())
	}
	v := d.View(fixture.Now)
	for _, want := range []string{"Book BTCUSDT", "PRICE", "TOTAL", "spread 0.02", "64,123.46", "64,123.44", "0.015", "0.031", "0.041"} {
		if !strings.Contains(v, want) {
			t.Fatalf("ladder lacks %q:\n%s", want, v)
		}
	}
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		if strings.Contains(l, "spread 0.02") {
			if i == 0 || i+1 >= len(lines) || !strings.Contains(lines[i-1], "64,123.46") || !strings.Contains(lines[i+1], "64,123.44") {
				t.Fatalf("the best ask is not right above the spread and the best bid right below:\n%s", v)
			}
		}
	}
	if strings.Contains(v, "64,123.58") { // the 13th level: only ten show
		t.Fatalf("more than ten levels a side:\n%s", v)
	}
}

// runAll delivers what a command returned, batches included.
func runAll(d *Screen, msg any) {
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			if c != nil {
				runAll(d, c())
			}
		}
	default:
		d.Update(m)
	}
}
