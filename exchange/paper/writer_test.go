package paper

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
	"github.com/quantdeck/quantdeck/store"
)

// noUpdate fails the test when ch holds an update now.
func noUpdate(t *testing.T, ch <-chan exchange.Order, when string) {
	t.Helper()
	select {
	case o := <-ch:
		t.Fatalf("%s: update %s %s reported", when, o.ClientID, o.Status)
	default:
	}
}

// storedStatus reads an order's status and fill count straight from the file.
func storedStatus(t *testing.T, q querier, clientID string) (string, int) {
	t.Helper()
	var status string
	var fills int
	err := q.QueryRowContext(context.Background(), `SELECT status, (SELECT count(*) FROM paper_fills f WHERE f.order_id = o.id)
		FROM paper_orders o WHERE client_id = ?`, clientID).Scan(&status, &fills)
	if err != nil {
		t.Fatalf("reading order %s from the file: %v", clientID, err)
	}
	return status, fills
}

// A tick that fills an order returns while another connection holds the database's write
// lock, so no commit can happen: the match is made in memory, and the fill is reported only
// once the lock is gone and the fill is in the file.
func TestTickFillDoesNotWaitForTheDisk(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	ch := r.acct.OrderUpdates()
	r.mustPlace(limit("l1", exchange.Buy, "0.01", "49000"))
	if o := next(t, ch); o.ClientID != "l1" || o.Status != exchange.StatusNew {
		t.Fatalf("update %+v, want l1 NEW", o)
	}
	ctx := context.Background()
	lock, err := r.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the file's write lock
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	r.tick("48999.00", "48999.10") // returns: it does not wait for the lock
	if open, _ := r.acct.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("open orders after the crossing tick: %+v", open)
	}
	r.wantBalance("USDT", "9510", "0") // 10000 - 490 spent, matched in memory
	// Reads from the file wait for the fill to be saved, which the lock prevents.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := r.acct.GetOrder(short, "BTCUSDT", "l1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetOrder while the fill cannot be saved: %v, want it to wait", err)
	}
	noUpdate(t, ch, "while the file is locked")
	if status, fills := storedStatus(t, lock, "l1"); status != "NEW" || fills != 0 {
		t.Fatalf("file has l1 %s with %d fills while locked", status, fills)
	}

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	o := next(t, ch)
	if o.ClientID != "l1" || o.Status != exchange.StatusFilled || len(o.Fills) != 1 || o.Fills[0].TradeID == 0 {
		t.Fatalf("update %+v, want l1 filled with its trade id", o)
	}
	if status, fills := storedStatus(t, r.db, "l1"); status != "FILLED" || fills != 1 {
		t.Fatalf("file has l1 %s with %d fills once reported", status, fills)
	}
	if got, err := r.acct.GetOrder(ctx, "BTCUSDT", "l1"); err != nil || got.Status != exchange.StatusFilled {
		t.Fatalf("GetOrder: %+v (%v)", got, err)
	}
	if err := r.acct.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
}

// snapshot copies what the file holds now (what a crash at this moment would leave) into a new
// data directory and opens the account there.
func snapshot(t *testing.T, db *sql.DB) *Account {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	if _, err := db.Exec(`VACUUM INTO ?`, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), openDB(t, dir), Options{Rules: sim.New(sim.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Without Close, the file always has every fill the update stream reported: a copy of the file
// taken at any moment (a crash) holds each reported fill with its trade id.
func TestReportedFillsSurviveACrash(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	ch := r.acct.OrderUpdates()
	const n = 40
	for i := range n {
		r.mustPlace(limit(fmt.Sprint("o", i), exchange.Buy, "0.001", fmt.Sprint(49000-i*10)))
		next(t, ch) // NEW
	}
	var reported []exchange.Order
	for round := range 4 {
		for i := range n / 4 { // ticks that fill one order each, saved while the next arrive
			p := 49000 - (round*n/4+i)*10
			r.tick(fmt.Sprint(p-1), fmt.Sprint(p))
		}
		// Take what has been reported so far, then copy the file: the copy must hold all of it.
		for drained := false; !drained; {
			select {
			case o := <-ch:
				reported = append(reported, o)
			default:
				drained = true
			}
		}
		crashed := snapshot(t, r.db)
		for _, o := range reported {
			fills, err := crashed.OrderFills(context.Background(), "BTCUSDT", o.ClientID)
			if err != nil || len(fills) != 1 || fills[0].TradeID != o.Fills[0].TradeID {
				t.Fatalf("round %d: %s was reported filled (trade %d) but the file has %+v (%v)",
					round, o.ClientID, o.Fills[0].TradeID, fills, err)
			}
		}
	}
	for len(reported) < n {
		reported = append(reported, next(t, ch))
	}
}

// Close saves every queued fill before it returns; the account reopened from the same file has
// them all, with the balances the closed account showed.
func TestCloseSavesEveryFill(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	const n = 60
	for i := range n {
		r.mustPlace(limit(fmt.Sprint("o", i), exchange.Buy, "0.001", fmt.Sprint(49000-i)))
	}
	for i := range n {
		r.tick(fmt.Sprint(48999-i), fmt.Sprint(49000-i))
	}
	want := r.balances()
	if err := r.acct.Close(); err != nil {
		t.Fatal(err)
	}
	r.acct = r.open(nil)
	if got := r.balances(); got["USDT"] != want["USDT"] || got["BTC"] != want["BTC"] {
		t.Fatalf("balances after reopen %v, want %v", got, want)
	}
	for i := range n {
		fills, err := r.acct.OrderFills(context.Background(), "BTCUSDT", fmt.Sprint("o", i))
		if err != nil || len(fills) != 1 {
			t.Fatalf("o%d after reopen: %+v (%v)", i, fills, err)
		}
	}
	if open, _ := r.acct.OpenOrders(context.Background(), ""); len(open) != 0 {
		t.Fatalf("%d orders open after reopen", len(open))
	}
}

// failSaves makes every insert into table fail until the returned function is called.
func failSaves(t *testing.T, db *sql.DB, table string) func() {
	t.Helper()
	name := "fail_" + table
	if _, err := db.Exec(`CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table +
		` BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.Exec(`DROP TRIGGER ` + name); err != nil {
			t.Fatal(err)
		}
	}
}

// A fill made on a tick that cannot be saved is never reported: the account logs it, keeps the
// error for Err, reloads what the file holds (the order rests again, its funds locked) and
// fills it on a later tick once saving works again.
func TestFailedTickSaveRestsTheOrderAgain(t *testing.T) {
	r := newRig(t, start)
	var logged bytes.Buffer
	r.acct.log = slog.New(slog.NewTextHandler(&logged, nil))
	r.tick("50000.00", "50000.10")
	ch := r.acct.OrderUpdates()
	r.mustPlace(limit("l1", exchange.Buy, "0.01", "49000"))
	next(t, ch) // NEW
	restore := failSaves(t, r.db, "paper_fills")

	r.tick("48999", "48999.10")
	ctx := context.Background()
	if o, err := r.acct.GetOrder(ctx, "BTCUSDT", "l1"); err != nil || o.Status != exchange.StatusNew {
		t.Fatalf("l1 after a failed save: %+v (%v), want it resting", o, err)
	}
	if err := r.acct.Err(); err == nil || !strings.Contains(err.Error(), "the disk is full") {
		t.Fatalf("Err: %v", err)
	}
	if !strings.Contains(logged.String(), "the disk is full") {
		t.Fatalf("log %q, want the failure", logged.String())
	}
	r.wantBalance("USDT", "9510", "490")
	noUpdate(t, ch, "after a failed save")

	restore()
	r.tick("48998", "48999.10")
	if o := next(t, ch); o.ClientID != "l1" || o.Status != exchange.StatusFilled {
		t.Fatalf("update %+v, want l1 filled", o)
	}
	r.wantBalance("USDT", "9510", "0")
}

// A placement or cancellation that cannot be saved returns the failure and leaves no trace.
func TestFailedOrderSaveLeavesNoTrace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table string
		act   func(r *rig) error
		id    string
		want  exchange.OrderStatus // "" for an unknown order
	}{
		{"market order", "paper_fills", func(r *rig) error { _, err := r.place(market("m", exchange.Buy, "0.01")); return err }, "m", ""},
		{"resting order", "paper_orders", func(r *rig) error {
			_, err := r.place(limit("l", exchange.Buy, "0.01", "40000"))
			return err
		}, "l", ""},
		{"cancellation", "paper_balances", func(r *rig) error {
			_, err := r.acct.CancelOrder(context.Background(), "BTCUSDT", "old")
			return err
		}, "old", exchange.StatusNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, start)
			r.tick("50000.00", "50000.10")
			r.mustPlace(limit("old", exchange.Buy, "0.01", "30000"))
			before := r.balances()
			if tc.table == "paper_balances" { // balances are upserted: fail the update
				if _, err := r.db.Exec(`CREATE TRIGGER fail_upd BEFORE UPDATE ON paper_balances BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`); err != nil {
					t.Fatal(err)
				}
			} else {
				defer failSaves(t, r.db, tc.table)()
			}
			if err := tc.act(r); err == nil || !strings.Contains(err.Error(), "the disk is full") {
				t.Fatalf("error %v, want the failed save", err)
			}
			if after := r.balances(); after["USDT"] != before["USDT"] || after["BTC"] != before["BTC"] {
				t.Fatalf("balances moved from %v to %v", before, after)
			}
			o, err := r.acct.GetOrder(context.Background(), "BTCUSDT", tc.id)
			if tc.want == "" {
				if !isErr(err, exchange.ErrUnknownOrder) {
					t.Fatalf("%s after a failed placement: %+v (%v)", tc.id, o, err)
				}
			} else if err != nil || o.Status != tc.want {
				t.Fatalf("%s after a failed cancellation: %+v (%v)", tc.id, o, err)
			}
		})
	}
}

// walFrames returns how many pages commits have appended to the write-ahead log since it was
// last emptied.
func walFrames(t *testing.T, db *sql.DB) int {
	t.Helper()
	var busy, frames, done int
	if err := db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		t.Fatal(err)
	}
	return frames
}

// Fills that queue while a commit is under way are saved together in the next one: forty
// fills take two commits, not forty, as the pages they add to the write-ahead log show.
func TestFillsShareACommit(t *testing.T) {
	r := newRig(t, map[string]decimal.Decimal{"USDT": d("1000000")})
	r.tick("50000.00", "50000.10")
	const n = 40
	for i := range n {
		r.mustPlace(limit(fmt.Sprint("o", i), exchange.Buy, "0.001", fmt.Sprint(49000-i)))
	}
	ch := r.acct.OrderUpdates()
	if _, err := r.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	r.tick("48999", "49000") // one fill, one commit: what a commit adds to the log
	next(t, ch)
	one := walFrames(t, r.db)
	if one == 0 {
		t.Fatal("a saved fill added nothing to the write-ahead log")
	}

	lock, err := r.db.BeginTx(context.Background(), nil) // holds the writer at its next commit
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		r.tick(fmt.Sprint(48999-i), fmt.Sprint(49000-i))
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range n - 1 {
		if o := next(t, ch); o.Status != exchange.StatusFilled {
			t.Fatalf("update %+v, want a fill", o)
		}
	}
	// The first queued fill may go alone; every other waits for the next commit.
	if got := walFrames(t, r.db) - one; got > 4*one {
		t.Fatalf("%d fills added %d pages to the log, %d for one fill alone: they were not saved together", n-1, got, one)
	}
}

// An order is on the book from the moment it is placed: a tick that crosses it while its
// placement is still being saved fills it, and both changes reach the file and the stream in
// order, with the order's id.
func TestTickFillsAnOrderBeingSaved(t *testing.T) {
	r := newRig(t, start)
	r.tick("50000.00", "50000.10")
	ch := r.acct.OrderUpdates()
	ctx := context.Background()
	lock, err := r.db.BeginTx(ctx, nil) // the placement cannot be saved yet
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	placed := make(chan exchange.Order, 1)
	go func() {
		o, err := r.place(limit("l1", exchange.Buy, "0.01", "49000"))
		if err != nil {
			t.Errorf("placing: %v", err)
		}
		placed <- o
	}()
	for deadline := time.Now().Add(10 * time.Second); r.balances()["USDT"][1] != "490"; {
		if time.Now().After(deadline) {
			t.Fatal("the placement never locked its funds")
		}
		runtime.Gosched()
	}
	r.tick("48999.00", "48999.10") // crosses l1 before its placement is saved
	r.wantBalance("USDT", "9510", "0")
	if open, _ := r.acct.OpenOrders(ctx, ""); len(open) != 0 {
		t.Fatalf("open orders %+v", open)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	o := <-placed
	if o.Status != exchange.StatusNew || o.ExchangeID == 0 {
		t.Fatalf("PlaceOrder answered %+v, want l1 NEW with its id", o)
	}
	newU, filled := next(t, ch), next(t, ch)
	if newU.Status != exchange.StatusNew || filled.Status != exchange.StatusFilled || filled.ExchangeID != o.ExchangeID ||
		len(filled.Fills) != 1 || !filled.Fills[0].Price.Equal(d("49000")) {
		t.Fatalf("updates %+v then %+v, want l1 NEW then FILLED at 49000 with id %d", newU, filled, o.ExchangeID)
	}
	if status, fills := storedStatus(t, r.db, "l1"); status != "FILLED" || fills != 1 {
		t.Fatalf("file has l1 %s with %d fills", status, fills)
	}
}
