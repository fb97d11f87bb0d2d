package journal

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// holdWriter keeps the writer busy with one caller until the returned release is called, so
// what is queued meanwhile goes into the next transaction together.
func holdWriter(t *testing.T, j *Journal) (release func()) {
	t.Helper()
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- j.Write(context.Background(), func(*Tx) error { close(held); <-hold; return nil })
	}()
	<-held
	return func() {
		close(hold)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
	}
}

// A staged intent and attempt are on disk once the Write that records the request returns,
// and they share its commit.
func TestStagedRowsCommitWithTheNextWrite(t *testing.T) {
	j, dir := openJournal(t)
	reader := freshReader(t, dir)
	ctx := context.Background()
	// One staged intent first, so the block of sequence numbers is reserved already.
	if err := j.StageIntent(ctx, intentRow("g"), nil); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, j)
	before := j.Commits()
	r := intentRow("g")
	if err := j.StageIntent(ctx, r, func(err error) { t.Errorf("staged intent failed: %v", err) }); err != nil {
		t.Fatal(err)
	}
	attempt := *r
	attempt.State, attempt.Attempts = "sent", 1
	j.Stage(ctx, func(tx *Tx) error { return tx.SaveOrder(&attempt) }, func(err error) { t.Errorf("staged attempt failed: %v", err) })
	// The send's Write, queued behind them (as Write queues it) while the writer is held.
	send := Send{ClientID: r.ClientID, Attempt: 1, Source: SendSigned, Recorded: r.Created, Expires: r.Created}
	req := &request{ctx: ctx, fn: func(tx *Tx) error { return tx.InsertSend(send) }, done: make(chan error, 1)}
	if err := j.w.submit(req); err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-req.done; err != nil {
		t.Fatal(err)
	}
	var state string
	var attempts, sends int
	if err := reader.QueryRow(`SELECT state, attempts FROM orders WHERE client_id = ?`, r.ClientID).Scan(&state, &attempts); err != nil {
		t.Fatalf("the staged intent is not on disk when the send's write returned: %v", err)
	}
	if err := reader.QueryRow(`SELECT count(*) FROM order_sends WHERE client_id = ?`, r.ClientID).Scan(&sends); err != nil {
		t.Fatal(err)
	}
	if state != "sent" || attempts != 1 || sends != 1 {
		t.Fatalf("on disk: state %s, %d attempts, %d sends; want sent, 1, 1", state, attempts, sends)
	}
	// The held caller's commit, then one for the three writes.
	if got := j.Commits() - before; got != 2 {
		t.Fatalf("%d commits after the held one's began, want 2", got)
	}
}

// A send is never recorded on top of a staged row that failed, nor for an attempt the
// journal does not hold: so the request never leaves.
func TestSendNeedsItsStagedRows(t *testing.T) {
	j, _ := openJournal(t)
	ctx := context.Background()
	bad := intentRow("g")
	bad.Mode = "bogus" // breaks the mode check: the staged insert fails
	var mu sync.Mutex
	var failures []error
	failed := func(err error) { mu.Lock(); failures = append(failures, err); mu.Unlock() }
	if err := j.StageIntent(ctx, bad, failed); err != nil {
		t.Fatal(err)
	}
	err := j.InsertSend(ctx, Send{ClientID: bad.ClientID, Attempt: 0, Source: SendSigned, Recorded: bad.Created, Expires: bad.Created})
	if !errors.Is(err, ErrNoOrder) {
		t.Fatalf("send on a failed staged intent: %v, want ErrNoOrder", err)
	}
	mu.Lock()
	n := len(failures)
	mu.Unlock()
	if n != 1 {
		t.Fatalf("the staged intent's failure was reported %d times, want once", n)
	}
	good := intentRow("g")
	if err := j.InsertIntent(ctx, good); err != nil {
		t.Fatal(err)
	}
	// Attempt 1 was never written (the row has 0 attempts).
	if err := j.InsertSend(ctx, Send{ClientID: good.ClientID, Attempt: 1, Source: SendSigned, Recorded: good.Created, Expires: good.Created}); !errors.Is(err, ErrNoOrder) {
		t.Fatalf("send for an attempt not in the journal: %v, want ErrNoOrder", err)
	}
	// Nor is a missing row's attempt saved as if it were there.
	missing := intentRow("g")
	missing.ClientID = "qd-none-g-1"
	if err := j.SaveOrder(ctx, missing); !errors.Is(err, ErrNoOrder) {
		t.Fatalf("saving a row that is not there: %v, want ErrNoOrder", err)
	}
}

// Two journals on one database (two processes) reserve their own blocks of sequence numbers:
// their staged intents never share a client id, and all reach the disk.
func TestStagedIntentIDsUniqueAcrossJournals(t *testing.T) {
	j1, dir := openJournal(t)
	j2, err := Open(context.Background(), j1.db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seen := map[string]bool{}
	var rows []*Row
	for i := range 3 * seqBlock {
		j := j1
		if i%3 == 1 {
			j = j2
		}
		r := intentRow("g")
		if err := j.StageIntent(ctx, r, func(err error) { t.Errorf("staged: %v", err) }); err != nil {
			t.Fatal(err)
		}
		if seen[r.ClientID] {
			t.Fatalf("client id %s given twice", r.ClientID)
		}
		seen[r.ClientID] = true
		rows = append(rows, r)
	}
	j1.Close()
	j2.Close()
	reader := freshReader(t, dir)
	for _, r := range rows {
		if n := countOrders(t, reader, r.ClientID); n != 1 {
			t.Fatalf("order %s: %d rows after Close, want 1", r.ClientID, n)
		}
	}
}

// A staged intent whose caller's context has ended is still written: the caller already holds
// the order by its new id, and a later update of it must find the row.
func TestStagedWriteOutlivesItsContext(t *testing.T) {
	j, dir := openJournal(t)
	if err := j.StageIntent(context.Background(), intentRow("g"), nil); err != nil { // reserves the block
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := intentRow("g")
	if err := j.StageIntent(ctx, r, func(err error) { t.Errorf("staged intent failed: %v", err) }); err != nil {
		t.Fatal(err)
	}
	cancel()
	r.State = "rejected"
	if err := j.SaveOrder(context.Background(), r); err != nil {
		t.Fatalf("finalising the staged row after its context ended: %v", err)
	}
	if n := countOrders(t, freshReader(t, dir), r.ClientID); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}
