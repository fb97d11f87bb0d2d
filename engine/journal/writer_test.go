package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

func openJournal(t *testing.T) (*Journal, string) {
	t.Helper()
	dir := t.TempDir()
	db := openStore(t, dir)
	j, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

// freshReader opens a connection of its own to the database file: what it reads was committed,
// not merely visible to the writer's connection.
func freshReader(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, store.FileName)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func intentRow(bot string) *Row {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	return &Row{Order: Order{Bot: bot, Mode: Live, Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Price: decimal.MustParse("50000"), Quantity: decimal.MustParse("0.001"), Created: now, Updated: now}, KeyLabel: "k"}
}

func countOrders(t *testing.T, db *sql.DB, clientID string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM orders WHERE client_id = ?`, clientID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Many callers at once: each returns only when its rows are committed (a separate connection
// to the file reads them the moment the call returns), and each gets the answer its own rows
// earn: a caller whose row breaks a constraint fails alone, the others' rows are kept.
func TestWriteConcurrentCallersDurableWithOwnErrors(t *testing.T) {
	j, dir := openJournal(t)
	reader := freshReader(t, dir)
	const callers = 40
	type result struct {
		id  string
		bad bool
		err error
	}
	results := make(chan result, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bad := i%7 == 3
			r := intentRow(fmt.Sprintf("b%d", i%5))
			if bad {
				// Its own bot name: the sequence number it gave back is taken by the next
				// caller, whose client id must not look like this one's.
				r.Bot = fmt.Sprintf("bad%d", i)
			}
			err := j.Write(context.Background(), func(tx *Tx) error {
				if err := j.insertIntent(tx, r); err != nil {
					return err
				}
				if bad {
					// A second row under the same client id breaks the primary key:
					// this caller's intent must go with it.
					return j.insertIntentAs(tx, r)
				}
				return nil
			})
			if err == nil {
				// Committed means on disk for any connection, before anything else happens.
				if n := countOrders(t, reader, r.ClientID); n != 1 {
					t.Errorf("order %s: %d rows visible to a fresh connection when Write returned, want 1", r.ClientID, n)
				}
			}
			results <- result{r.ClientID, bad, err}
		}()
	}
	wg.Wait()
	close(results)
	for res := range results {
		switch {
		case res.bad && res.err == nil:
			t.Errorf("order %s: the caller whose row broke a constraint got no error", res.id)
		case !res.bad && res.err != nil:
			t.Errorf("order %s: a good caller failed with another's error: %v", res.id, res.err)
		case res.bad && countOrders(t, reader, res.id) != 0:
			t.Errorf("order %s: the failed caller's first row was committed", res.id)
		}
	}
	if c := j.w.commits.Load(); c >= callers {
		t.Logf("%d commits for %d callers (no grouping happened this run)", c, callers)
	}
}

// insertIntentAs writes r's row again under its existing client id.
func (j *Journal) insertIntentAs(tx *Tx, r *Row) error {
	_, err := tx.exec(`INSERT INTO orders(client_id, bot, tag, mode, key_label, symbol, side, type,
		price, quantity, quote_qty, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ClientID, r.Bot, r.Tag, string(r.Mode), r.KeyLabel, r.Symbol, string(r.Side), string(r.Type),
		r.Price.String(), r.Quantity.String(), r.QuoteQty.String(), string(r.State), FormatTime(r.Created), FormatTime(r.Updated))
	return err
}

// Callers queued while a transaction is being written share the next one: one commit for
// all of them, each still answered on its own.
func TestWriteGroupsQueuedCallers(t *testing.T) {
	j, dir := openJournal(t)
	reader := freshReader(t, dir)
	ctx := context.Background()
	release := holdWriter(t, j) // the writer is busy with one caller while the others queue
	before := j.w.commits.Load()
	const queued = 10
	reqs := make([]*request, queued)
	rows := make([]*Row, queued)
	for i := range reqs {
		r := intentRow("g")
		rows[i] = r
		reqs[i] = &request{ctx: ctx, fn: func(tx *Tx) error { return j.insertIntent(tx, r) }, done: make(chan error, 1)}
		if err := j.w.submit(reqs[i]); err != nil {
			t.Fatal(err)
		}
	}
	release()
	for i, req := range reqs {
		if err := <-req.done; err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if n := countOrders(t, reader, rows[i].ClientID); n != 1 {
			t.Fatalf("caller %d: %d rows on disk, want 1", i, n)
		}
	}
	if got := j.w.commits.Load() - before; got != 2 {
		t.Fatalf("%d commits for the held caller and %d queued ones, want 2 (one for the queue)", got, queued)
	}
}

// A batch whose commit fails (here a deferred constraint that only COMMIT checks) is written
// again caller by caller: only the caller whose rows broke it fails.
func TestWriteCommitFailureIsolatesTheCaller(t *testing.T) {
	j, dir := openJournal(t)
	ctx := context.Background()
	if _, err := j.db.ExecContext(ctx, `CREATE TABLE wparent (id INTEGER PRIMARY KEY);
		CREATE TABLE wchild (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES wparent(id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, j)
	var reqs []*request
	var good []*Row
	for i := range 5 {
		var fn func(*Tx) error
		if i == 2 {
			fn = func(tx *Tx) error { _, err := tx.exec(`INSERT INTO wchild(parent) VALUES (999)`); return err }
		} else {
			r := intentRow("g")
			good = append(good, r)
			fn = func(tx *Tx) error { return j.insertIntent(tx, r) }
		}
		req := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
		reqs = append(reqs, req)
		if err := j.w.submit(req); err != nil {
			t.Fatal(err)
		}
	}
	release()
	for i, req := range reqs {
		err := <-req.done
		if (i == 2) != (err != nil) {
			t.Errorf("caller %d: error %v", i, err)
		}
	}
	reader := freshReader(t, dir)
	for _, r := range good {
		if n := countOrders(t, reader, r.ClientID); n != 1 {
			t.Errorf("order %s: %d rows, want 1", r.ClientID, n)
		}
	}
	var orphans int
	if err := reader.QueryRow(`SELECT count(*) FROM wchild`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d orphan rows committed (%v), want 0", orphans, err)
	}
}

// A caller that gives up while its rows are still queued gets its context's error and nothing
// of it is written; Close commits what is queued, answers every caller, and refuses writes after.
func TestWriteCancelAndCloseDrain(t *testing.T) {
	j, dir := openJournal(t)
	ctx := context.Background()
	release := holdWriter(t, j)
	cctx, cancel := context.WithCancel(ctx)
	gone := intentRow("g")
	cancelled := &request{ctx: cctx, fn: func(tx *Tx) error { return j.insertIntent(tx, gone) }, done: make(chan error, 1)}
	if err := j.w.submit(cancelled); err != nil {
		t.Fatal(err)
	}
	cancel()
	kept := intentRow("g")
	queued := &request{ctx: ctx, fn: func(tx *Tx) error { return j.insertIntent(tx, kept) }, done: make(chan error, 1)}
	if err := j.w.submit(queued); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { j.Close(); close(closed) }()
	release()
	<-closed
	if err := <-cancelled.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v, want context.Canceled", err)
	}
	if err := <-queued.done; err != nil {
		t.Fatalf("queued caller: %v", err)
	}
	reader := freshReader(t, dir)
	if gone.ClientID != "" {
		t.Fatalf("the cancelled caller's rows were written (client id %s)", gone.ClientID)
	}
	if n := countOrders(t, reader, kept.ClientID); n != 1 {
		t.Fatalf("queued caller's row: %d on disk after Close, want 1", n)
	}
	if err := j.InsertIntent(ctx, intentRow("g")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v, want ErrClosed", err)
	}
	if _, err := j.Order(ctx, kept.ClientID); err != nil {
		t.Fatalf("read after Close: %v", err)
	}
}

// A grouped batch runs without savepoints until a caller's rows fail; then it is run again
// with one savepoint per caller, in the same single commit: the failing caller's rows (the
// statement that failed and those it wrote before) are gone, the others' are all kept.
func TestWriteBatchFailingCallerRetriedUnderSavepoints(t *testing.T) {
	j, dir := openJournal(t)
	ctx := context.Background()
	release := holdWriter(t, j)
	before := j.w.commits.Load()
	var reqs []*request
	rows := make([]*Row, 6)
	runs := make([]int, 6)
	for i := range rows {
		r := intentRow("s")
		if i == 3 {
			// Its own bot name: the sequence number its rollback gives back is taken by
			// the next caller, whose client id must not look like this one's.
			r.Bot = "bad"
		}
		rows[i] = r
		req := &request{ctx: ctx, done: make(chan error, 1), fn: func(tx *Tx) error {
			runs[i]++ // on the writer's goroutine; read after every caller is answered
			if err := j.insertIntent(tx, r); err != nil {
				return err
			}
			if i == 3 {
				return j.insertIntentAs(tx, r) // breaks the primary key after its first row
			}
			return nil
		}}
		reqs = append(reqs, req)
		if err := j.w.submit(req); err != nil {
			t.Fatal(err)
		}
	}
	release()
	for i, req := range reqs {
		if err := <-req.done; (i == 3) != (err != nil) {
			t.Errorf("caller %d: error %v", i, err)
		}
	}
	reader := freshReader(t, dir)
	for i, r := range rows {
		want := 1
		if i == 3 {
			want = 0
		}
		if n := countOrders(t, reader, r.ClientID); n != want {
			t.Errorf("caller %d: %d rows on disk, want %d", i, n, want)
		}
	}
	// Callers 0-3 ran bare, then all six under savepoints; 4 and 5 only under savepoints.
	if want := []int{2, 2, 2, 2, 1, 1}; !slices.Equal(runs, want) {
		t.Errorf("runs per caller %v, want %v", runs, want)
	}
	if got := j.w.commits.Load() - before; got != 2 {
		t.Errorf("%d commits for the held caller and the batch, want 2", got)
	}
}

// StageAll returns at once; its callback hears each write's own outcome only once the rows are
// committed (a connection of its own reads them from inside the callback), and the next Write
// shares their commit.
func TestStageAllTellsAfterTheCommit(t *testing.T) {
	j, dir := openJournal(t)
	reader := freshReader(t, dir)
	ctx := context.Background()
	good, bad := intentRow("a"), intentRow("b")
	type told struct {
		errs    []error
		visible []int
	}
	got := make(chan told, 1)
	before := j.w.commits.Load()
	j.StageAll(ctx, []func(*Tx) error{
		func(tx *Tx) error { return j.insertIntent(tx, good) },
		func(tx *Tx) error {
			if err := j.insertIntent(tx, bad); err != nil {
				return err
			}
			return j.insertIntentAs(tx, bad)
		},
	}, func(errs []error) {
		got <- told{errs, []int{countOrders(t, reader, good.ClientID), countOrders(t, reader, bad.ClientID)}}
	})
	select {
	case <-got:
		t.Fatal("told before anything could commit the staged rows")
	default:
	}
	if err := j.Write(ctx, func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var tl told
	select {
	case tl = <-got:
	default:
		t.Fatal("not told by the time the Write that commits the staged rows returned")
	}
	if tl.errs[0] != nil || tl.errs[1] == nil {
		t.Fatalf("outcomes %v, want the first write kept and the second failed", tl.errs)
	}
	if !slices.Equal(tl.visible, []int{1, 0}) {
		t.Fatalf("rows on disk when told: %v, want [1 0]", tl.visible)
	}
	if n := j.w.commits.Load() - before; n != 1 {
		t.Fatalf("%d commits for the staged writes and the Write, want 1", n)
	}
	j.Close()
	closed := make(chan []error, 1)
	j.StageAll(ctx, []func(*Tx) error{func(*Tx) error { return nil }}, func(errs []error) { closed <- errs })
	if errs := <-closed; !errors.Is(errs[0], ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", errs)
	}
}
