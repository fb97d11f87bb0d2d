package dashboard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/tui/common"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
)

// driver runs a dashboard on its own, the way the root does: keys through Update, fresh state
// replaced in place and announced with a SnapshotMsg.
type driver struct {
	t    *testing.T
	d    *Screen
	snap *engine.Snapshot
	host *fixture.Host
}

func newDriver(t *testing.T, snap engine.Snapshot, w, h int) *driver {
	t.Helper()
	x := &driver{t: t, snap: &snap}
	c, host := fixture.Common(x.snap, nil)
	scr, _ := New(c, common.Args{})
	x.d, x.host = scr.(*Screen), host
	x.d.SetSize(w, h-1)
	return x
}

func (x *driver) keys(keys ...string) {
	for _, k := range keys {
		x.d.Update(fixture.Key(k))
	}
}

func (x *driver) setSnapshot(s engine.Snapshot) {
	*x.snap = s
	x.d.Update(common.SnapshotMsg{})
}

func (x *driver) view() string { return x.d.View(fixture.Now) }

func (x *driver) wantView(parts ...string) {
	x.t.Helper()
	v := x.view()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			x.t.Fatalf("view lacks %q:\n%s", p, v)
		}
	}
}

func TestDashboardNavigation(t *testing.T) {
	x := newDriver(t, fixture.Snapshot(4, 5, 30), 80, 24)
	d := x.d
	if d.focus != paneWatch {
		t.Fatalf("focus = %v, want the watchlist first", d.focus)
	}
	x.keys("down", "j")
	if got := d.panes[paneWatch].sel; got != 2 {
		t.Fatalf("watchlist selection = %d after two downs, want 2", got)
	}
	x.keys("k")
	if got := d.panes[paneWatch].sel; got != 1 {
		t.Fatalf("watchlist selection = %d after up, want 1", got)
	}
	x.keys("tab")
	if d.focus != paneBots {
		t.Fatalf("focus = %v after tab, want bots", d.focus)
	}
	x.keys("down", "down")
	x.wantView("▸ Bots")
	// A snapshot that reorders bots keeps the selection on the same bot.
	snap := fixture.Snapshot(4, 5, 30)
	extra := snap.Bots[0]
	extra.Config.Name = "aaa-first"
	snap.Bots = append([]engine.BotView{extra}, snap.Bots...)
	x.setSnapshot(snap)
	if b, _ := d.selectedBot(); b.Config.Name != "bot-02" {
		t.Fatalf("selected bot = %q after a reorder, want bot-02", b.Config.Name)
	}
	// Tab through the lower panes: the narrow layout's bottom slot follows the focus.
	for _, want := range []paneKind{paneOrders, paneFills, paneBalances, paneLog, paneWatch} {
		x.keys("tab")
		if d.focus != want {
			t.Fatalf("focus = %v, want %v", d.focus, want)
		}
	}
	if d.lower != paneLog {
		t.Fatalf("bottom slot shows %v, want the log (last lower pane focused)", d.lower)
	}
	x.keys("shift+tab")
	x.wantView("▸ ", "Log", "placed limit buy")
	// Page down moves the log selection by a page and scrolls.
	x.keys("pgdown")
	if sel := d.panes[paneLog].sel; sel == 0 {
		t.Fatal("page down did not move the log selection")
	}
}

// TestWideTabFollowsTheColumns: in the two-column layout tab goes down the left column, then
// down the right one, where balances sit above fills.
func TestWideTabFollowsTheColumns(t *testing.T) {
	x := newDriver(t, fixture.Snapshot(4, 5, 30), 160, 48)
	x.view() // lay out once, as a frame does
	want := []paneKind{paneBots, paneOrders, paneBalances, paneFills, paneLog, paneWatch}
	for _, w := range want {
		x.keys("tab")
		if x.d.focus != w {
			t.Fatalf("focus = %v, want %v", x.d.focus, w)
		}
	}
	for i := len(want) - 2; i >= 0; i-- {
		x.keys("shift+tab")
		if x.d.focus != want[i] {
			t.Fatalf("focus = %v after shift+tab, want %v", x.d.focus, want[i])
		}
	}
}

// TestOrdersSelectionFollowsTheNewestAtTheTop: with the selection on the newest order, new
// orders keep it at the top (they stay in sight); an order picked lower down stays picked.
func TestOrdersSelectionFollowsTheNewestAtTheTop(t *testing.T) {
	snap := fixture.Snapshot(4, 5, 30)
	x := newDriver(t, snap, 80, 24)
	for i := 0; i < 12; i++ {
		o := snap.Orders[0]
		o.ClientID = fmt.Sprintf("new-%02d", i)
		o.Symbol = fmt.Sprintf("NEW%02dUSDT", i)
		snap.Orders = append([]engine.OrderView{o}, snap.Orders...)
		x.setSnapshot(snap)
	}
	if o, _ := x.d.selectedOrder(); o.ClientID != "new-11" {
		t.Fatalf("selected %q, want the newest order new-11", o.ClientID)
	}
	x.wantView("NEW11US")

	x.keys("tab", "tab", "down", "down") // pick an older order
	picked, _ := x.d.selectedOrder()
	o := snap.Orders[0]
	o.ClientID = "newer"
	snap.Orders = append([]engine.OrderView{o}, snap.Orders...)
	x.setSnapshot(snap)
	if got, _ := x.d.selectedOrder(); got.ClientID != picked.ClientID {
		t.Fatalf("selected %q after a new order, want the picked %q", got.ClientID, picked.ClientID)
	}
}
