package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quantdeck/quantdeck/store"
)

// ErrClosed: the journal was closed, so the write was not made.
var ErrClosed = errors.New("journal: closed")

// Group commit. Every order-path write (an intent, an attempt, a signed send, an answer with its
// fills) goes to one writer goroutine. It takes what is queued, runs each caller's rows under a
// savepoint of one transaction, commits once (one WAL sync for the lot) and only then answers
// each caller. So a caller returns only when its rows are on disk, and twenty bots writing at
// once pay for one sync, not twenty. A caller whose rows fail gets its own error (its savepoint
// is rolled back, the others' rows are committed); if the transaction itself fails, each caller
// is tried again alone, so one caller's bad row cannot fail the rest.
//
// A caller that waits is never held back: while one batch syncs, the next queues behind it,
// so batches grow with load and a lone caller waits for nobody. A staged write (Stage) has no
// caller waiting: the rows only have to be on disk before a request that depends on them
// leaves, and the write that records that request (a Write) commits them, since batches
// commit in queue order. So a batch of staged writes alone waits up to stageWindow for such a
// Write to join it: an intent, its attempt and its signed send then share one sync.

// maxBatch bounds one transaction: a huge batch would hold the write lock long enough to stall
// the readers' checkpoints and the other writers (the registry, settings).
const maxBatch = 256

// stageWindow is how long staged writes wait for a Write to share their commit. A Write that
// follows them later than this finds them committed already; nothing else depends on it.
const stageWindow = 2 * time.Millisecond

// request is one caller's rows.
type request struct {
	ctx    context.Context
	fn     func(*Tx) error
	done   chan error
	staged bool        // nobody waits on done
	failed func(error) // told of a staged write's failure; may be nil
	then   func(error) // told of the outcome, whatever it is; may be nil
}

// answer gives r its outcome.
func (r *request) answer(err error) {
	r.done <- err
	if err != nil && r.failed != nil {
		r.failed(err)
	}
	if r.then != nil {
		r.then(err)
	}
}

// writer owns the queue and the goroutine that drains it.
type writer struct {
	db *sql.DB
	j  *Journal

	mu      sync.RWMutex // guards closed and sends on queue (a send after close would panic)
	closed  bool
	started bool
	queue   chan *request
	exited  chan struct{}
	commits atomic.Int64 // transactions committed, for the tests that check the grouping
}

// Tx is the transaction a Write runs in. Its methods run on the writer's goroutine, inside the
// caller's savepoint, under the writer's context: a caller's cancellation must not interrupt
// a statement of a transaction that carries other callers' rows too.
type Tx struct {
	ctx   context.Context
	tx    *sql.Tx
	j     *Journal
	stmts map[string]*sql.Stmt // the journal's statements bound to tx, bound once per transaction
}

// stmt is the journal's prepared statement for query, bound to the transaction.
func (t *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.j.stmt(t.ctx, query)
	if err != nil {
		return nil, err
	}
	bound := t.tx.StmtContext(t.ctx, st)
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[query] = bound
	return bound, nil
}

// exec runs a prepared statement of the journal in the transaction.
func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

// queryRow runs a prepared query of the journal in the transaction.
func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.stmt(query)
	if err != nil {
		// database/sql has no way to build a *sql.Row that carries an error, so the
		// unprepared query reports it (it fails the same way).
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// SaveOrder writes the mutable columns of r.
func (t *Tx) SaveOrder(r *Row) error { return saveOrder(t.exec, r) }

// InsertFill records a fill once; inserted is false when its trade id was already recorded.
func (t *Tx) InsertFill(f Fill) (inserted bool, err error) { return insertFill(t.exec, f) }

// InsertSend records a request that carries a client id.
func (t *Tx) InsertSend(s Send) error { return insertSend(t.exec, s) }

// Write runs fn in the writer's next transaction and returns once that transaction is durable
// (nil), or with the error that kept fn's rows out of it. fn runs on the writer's goroutine
// while the caller waits, so it may read and set the caller's variables; it may run more than
// once (when a batch is retried caller by caller), so it must set, never accumulate, what it
// reports. It must not call the journal's write methods (it would wait for itself).
//
// ctx ends the wait only while the rows are still queued: once the writer has taken them, the
// caller learns whether they were committed, so no caller returns while its rows may still
// reach the disk.
func (j *Journal) Write(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	if err := j.w.submit(r); err != nil {
		return err
	}
	return <-r.done
}

// Stage queues fn for the writer and returns at once, without waiting for the commit. Use it
// for rows that must be on disk only before something that depends on them happens, when that
// something is recorded by a later Write: the writer commits in queue order, so that Write
// returns only once fn's rows are committed too (or have failed). A failure is reported to
// failed (when not nil), on the writer's goroutine; the Write that depends on the rows must
// check that they are there (as InsertSend does), since savepoints keep one caller's failure
// from failing another's. ctx's end does not drop a staged write: its caller already acts on
// the rows (an order the engine holds by its new id) and nobody waits to be told otherwise.
// After Close, fn is not run and failed gets ErrClosed.
func (j *Journal) Stage(ctx context.Context, fn func(*Tx) error, failed func(error)) {
	ctx = context.WithoutCancel(ctx)
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1), staged: true, failed: failed}
	if err := j.w.submit(r); err != nil && failed != nil {
		failed(err)
	}
}

// StageAll stages every fn at once, as Stage does, and returns without waiting; then is called
// once with each fn's outcome (errs[i] is fn[i]'s, as WriteAll would give it) after the last of
// them is answered: after their commit, or their failure. It suits a caller that acts on rows
// only once they are durable but need not wait for that itself: an order's answer is settled
// in memory once it is on disk, while the order path goes on to the next order, whose signed
// send's Write commits the answer with it. then runs on the writer's goroutine (or the
// caller's, when the journal is closed), so it must be quick and must not wait on the journal.
func (j *Journal) StageAll(ctx context.Context, fns []func(*Tx) error, then func(errs []error)) {
	errs := make([]error, len(fns))
	if len(fns) == 0 {
		then(errs)
		return
	}
	ctx = context.WithoutCancel(ctx)
	var left atomic.Int64
	left.Store(int64(len(fns)))
	for i, fn := range fns {
		r := &request{ctx: ctx, fn: fn, done: make(chan error, 1), staged: true}
		r.then = func(err error) {
			errs[i] = err
			if left.Add(-1) == 0 {
				then(errs)
			}
		}
		if err := j.w.submit(r); err != nil {
			r.then(err)
		}
	}
}

// Sync returns once every write queued before it (staged ones too) is committed, or has
// failed, and the callbacks of those staged with StageAll have run: a reader that calls it
// first reads its own writes. Nothing queued, it costs a transaction without changes (no sync).
func (j *Journal) Sync(ctx context.Context) error {
	return j.Write(ctx, func(*Tx) error { return nil })
}

// WriteAll queues every fn at once, so they share transactions (each under its own savepoint),
// and returns when all are answered: errs[i] is fn[i]'s own outcome, as Write would give it.
func (j *Journal) WriteAll(ctx context.Context, fns []func(*Tx) error) []error {
	errs := make([]error, len(fns))
	reqs := make([]*request, len(fns))
	for i, fn := range fns {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
		if err := j.w.submit(r); err != nil {
			errs[i] = err
			continue
		}
		reqs[i] = r
	}
	for i, r := range reqs {
		if r != nil {
			errs[i] = <-r.done
		}
	}
	return errs
}

// Commits returns how many transactions the writer has committed: with the number of writes,
// how well they were grouped.
func (j *Journal) Commits() int64 { return j.w.commits.Load() }

// Close stops taking writes, commits what is queued and waits for the writer to finish. Reads
// keep working. Calling it again does nothing.
func (j *Journal) Close() error {
	j.w.close()
	j.closeStmts()
	return nil
}

func newWriter(j *Journal) *writer {
	return &writer{db: j.db, j: j, queue: make(chan *request, 4*maxBatch), exited: make(chan struct{})}
}

// submit queues r, starting the writer on first use (journals that only read never start one).
func (w *writer) submit(r *request) error {
	w.mu.RLock()
	if !w.started && !w.closed {
		w.mu.RUnlock()
		w.mu.Lock()
		if !w.started && !w.closed {
			w.started = true
			go w.run()
		}
		w.mu.Unlock()
		w.mu.RLock()
	}
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	w.queue <- r
	return nil
}

func (w *writer) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		if w.started {
			<-w.exited
		}
		return
	}
	w.closed = true
	started := w.started
	close(w.queue)
	w.mu.Unlock()
	if started {
		<-w.exited
	}
}

func (w *writer) run() {
	defer close(w.exited)
	batch := make([]*request, 0, maxBatch)
	var window *time.Timer
	for first := range w.queue {
		batch = append(batch[:0], first)
		batch = w.drain(batch)
		if onlyStaged(batch) && len(batch) < maxBatch {
			if window == nil {
				window = time.NewTimer(stageWindow)
			} else {
				window.Reset(stageWindow)
			}
		wait:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-w.queue:
					if !ok {
						break wait
					}
					batch = append(batch, r)
					if !r.staged {
						batch = w.drain(batch)
						break wait
					}
				case <-window.C:
					break wait
				}
			}
			window.Stop()
		}
		w.commit(batch)
		clear(batch)
	}
}

// drain adds what is queued now to batch, up to maxBatch.
func (w *writer) drain(batch []*request) []*request {
	for len(batch) < maxBatch {
		select {
		case r, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func onlyStaged(batch []*request) bool {
	for _, r := range batch {
		if !r.staged {
			return false
		}
	}
	return true
}

// commit writes one batch and answers its callers.
func (w *writer) commit(batch []*request) {
	live := make([]*request, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.answer(err) // still queued when its caller gave up: nothing was written
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	errs, err := w.runTx(live)
	if err == nil {
		for i, r := range live {
			r.answer(errs[i])
		}
		return
	}
	if len(live) == 1 {
		live[0].answer(err)
		return
	}
	// The transaction failed as a whole (a deferred constraint at commit, a full disk): try
	// each caller alone, so each gets the answer its own rows earn.
	for _, r := range live {
		errs, err := w.runTx([]*request{r})
		if err == nil {
			err = errs[0]
		}
		r.answer(err)
	}
}

// runTx runs reqs in one transaction and commits it. errs holds each caller's own error; err is
// set when the transaction as a whole failed and nothing was committed. Callers' rows almost
// never fail, so the batch first runs bare: should one caller's rows fail, the transaction is
// rolled back and run again with each caller under its own savepoint, so the others' rows are
// still committed. A lone caller needs no savepoint: its failure rolls the whole back.
func (w *writer) runTx(reqs []*request) (errs []error, err error) {
	errs, err = w.tryTx(reqs, len(reqs) == 1)
	if err == errRetrySaved {
		errs, err = w.tryTx(reqs, true)
	}
	return errs, err
}

// errRetrySaved: a caller's rows failed in a batch run without savepoints.
var errRetrySaved = errors.New("journal: a caller's rows failed; run the batch with savepoints")

// errLoneCallerFailed: the only caller of a transaction failed, which rolls it back whole.
var errLoneCallerFailed = errors.New("journal: the caller's rows failed")

// tryTx runs reqs in one transaction, each under its own savepoint when saved (a batch run
// bare fails with errRetrySaved at the first caller whose rows fail).
func (w *writer) tryTx(reqs []*request, saved bool) (errs []error, err error) {
	ctx := context.Background() // see Tx: no caller may interrupt a shared transaction
	// The paper accounts write this file too: store.WriteTx waits for them in Go.
	errs = make([]error, len(reqs))
	err = store.WriteTx(ctx, w.db, func(tx *sql.Tx) error {
		t := &Tx{ctx: ctx, tx: tx, j: w.j}
		switch {
		case len(reqs) == 1:
			if errs[0] = reqs[0].fn(t); errs[0] != nil {
				return errLoneCallerFailed
			}
		case !saved:
			for i, r := range reqs {
				if errs[i] = r.fn(t); errs[i] != nil {
					return errRetrySaved
				}
			}
		default:
			for i, r := range reqs {
				if _, err := tx.ExecContext(ctx, `SAVEPOINT caller`); err != nil {
					return err
				}
				if errs[i] = r.fn(t); errs[i] != nil {
					if _, err := tx.ExecContext(ctx, `ROLLBACK TO caller`); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `RELEASE caller`); err != nil {
					return err
				}
			}
		}
		return nil
	})
	switch {
	case err == errLoneCallerFailed:
		return errs, nil // rolled back: the caller hears its own error
	case err == errRetrySaved:
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("journal: %w", err)
	}
	w.commits.Add(1)
	return errs, nil
}
