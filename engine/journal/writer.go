package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
// No timed window: while one batch syncs, the next queues behind it, so batches grow with load
// and a lone caller waits for nobody.

// maxBatch bounds one transaction: a huge batch would hold the write lock long enough to stall
// the readers' checkpoints and the other writers (the registry, settings).
const maxBatch = 256

// request is one caller's rows.
type request struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
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
	ctx context.Context
	tx  *sql.Tx
	j   *Journal
}

// exec runs a prepared statement of the journal in the transaction.
func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.j.stmt(t.ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
}

// queryRow runs a prepared query of the journal in the transaction.
func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.j.stmt(t.ctx, query)
	if err != nil {
		// database/sql has no way to build a *sql.Row that carries an error, so the
		// unprepared query reports it (it fails the same way).
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
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
	for first := range w.queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.commit(batch)
		clear(batch)
	}
}

// commit writes one batch and answers its callers.
func (w *writer) commit(batch []*request) {
	live := make([]*request, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // still queued when its caller gave up: nothing was written
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
			r.done <- errs[i]
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- err
		return
	}
	// The transaction failed as a whole (a deferred constraint at commit, a full disk): try
	// each caller alone, so each gets the answer its own rows earn.
	for _, r := range live {
		errs, err := w.runTx([]*request{r})
		if err == nil {
			err = errs[0]
		}
		r.done <- err
	}
}

// runTx runs reqs in one transaction, each under its own savepoint (none for a lone caller,
// whose failure rolls the whole transaction back). errs holds each caller's own error; err is
// set when the transaction as a whole failed and nothing was committed.
func (w *writer) runTx(reqs []*request) (errs []error, err error) {
	ctx := context.Background() // see Tx: no caller may interrupt a shared transaction
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("journal: beginning a write: %w", err)
	}
	defer tx.Rollback()
	t := &Tx{ctx: ctx, tx: tx, j: w.j}
	errs = make([]error, len(reqs))
	if len(reqs) == 1 {
		if errs[0] = reqs[0].fn(t); errs[0] != nil {
			return errs, nil // rolled back by the deferred Rollback
		}
	} else {
		for i, r := range reqs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT caller`); err != nil {
				return nil, fmt.Errorf("journal: %w", err)
			}
			errs[i] = r.fn(t)
			if errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO caller`); err != nil {
					return nil, fmt.Errorf("journal: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE caller`); err != nil {
				return nil, fmt.Errorf("journal: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("journal: committing: %w", err)
	}
	w.commits.Add(1)
	return errs, nil
}
