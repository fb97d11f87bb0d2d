package dashboard

import (
	"context"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// watchEngine records watchlist edits.
type watchEngine struct {
	common.Engine
	watched, unwatched *[]string
}

func (e watchEngine) Watch(_ context.Context, s string) error {
	*e.watched = append(*e.watched, s)
	return nil
}

func (e watchEngine) Unwatch(_ context.Context, s string) error {
	*e.unwatched = append(*e.unwatched, s)
	return nil
}

// TestWatchlistEdit: + opens a symbol prompt on the footer's line (the dashboard then takes
// text), enter adds the typed symbol through the engine, esc closes it; - asks before removing
// the selected symbol.
func TestWatchlistEdit(t *testing.T) {
	var watched, unwatched []string
	snap := fixture.Snapshot(4, 5, 30)
	c, host := fixture.Common(&snap, watchEngine{watched: &watched, unwatched: &unwatched})
	scr, _ := New(c, common.Args{})
	d := scr.(*Screen)
	d.SetSize(100, 29)
	d.Update(fixture.Key("+"))
	if !d.TakesText() {
		t.Fatal("the prompt is open but the dashboard does not take text")
	}
	d.Update(fixture.Key("xrpusdt"))
	if f := d.Frame(fixture.Now, common.Line{}, nil); !strings.Contains(f, "watch symbol: XRPUSDT") {
		t.Fatalf("the prompt does not show what is typed:\n%s", f)
	}
	cmd := d.Update(fixture.Key("enter"))
	if d.TakesText() {
		t.Fatal("enter left the prompt open")
	}
	if msg := cmd(); msg != common.InfoMsg("XRPUSDT added to the watchlist") || len(watched) != 1 || watched[0] != "XRPUSDT" {
		t.Fatalf("watch: message %v, engine asked for %q; want XRPUSDT added", msg, watched)
	}

	d.Update(fixture.Key("+"))
	d.Update(fixture.Key("x"))
	d.Update(fixture.Key("esc"))
	if d.TakesText() || len(watched) != 1 {
		t.Fatal("esc did not close the prompt without adding")
	}

	d.Update(fixture.Key("-"))
	if len(host.Asked) != 1 || host.Asked[0].Prompt != "Remove BTCUSDT from the watchlist?" {
		t.Fatalf("- asked %+v, want the removal of the selected symbol", host.Asked)
	}
	if msg := host.Asked[0].OnYes()(); msg != common.InfoMsg("BTCUSDT removed from the watchlist") || len(unwatched) != 1 {
		t.Fatalf("unwatch: message %v, engine asked for %q", msg, unwatched)
	}
}
