package paper

import (
	"context"
	"fmt"
	"sync"

	"github.com/quantdeck/quantdeck/exchange"
)

// maxBatch bounds how many changes one commit carries, so a burst of fills is saved in a few
// large transactions rather than one that holds the database's write lock for long.
const maxBatch = 256

// job is one change already made to the account in memory and waiting to be saved: the
// balances it moved, the orders it inserted or updated with their fills, and a placed order
// already on the book that learns its exchange id once saved. A job with no changes is a barrier: it is done once
// everything queued before it is.
type job struct {
	l    ledger
	cs   []change
	rest *order
	// done is closed once the job is saved (out holds the changes as reported) or dropped
	// (err says why).
	done chan struct{}
	out  []exchange.Order
	err  error
}

// writer is the queue between the account and its one goroutine that saves changes. Changes are
// queued in the order they were made in memory (under the account's lock) and saved in that
// order, many to a commit, so a tick never waits on a disk sync and the file always holds a
// prefix of the account's history.
type writer struct {
	mu       sync.Mutex
	queue    []*job
	busy     bool // a batch is being saved
	stopping bool
	stopped  bool
	wake     chan struct{}
	done     chan struct{}
}

func newWriter() *writer {
	return &writer{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// enqueue makes a change to a saved account in memory and queues it to be saved. The caller
// holds a.mu, so changes are queued in the order they are made.
func (a *Account) enqueue(l ledger, rest *order, cs []change) *job {
	l.apply(a)
	for i, c := range cs {
		if c.insert {
			a.placing[c.o.ClientID] = struct{}{}
		}
		if c.o == rest { // the writer numbers a copy; the book's order learns its id in finish
			cp := *rest
			cs[i].o = &cp
		}
	}
	if rest != nil {
		// On the book at once, as a placement made under the lock: a tick that comes before it
		// is saved fills it (its fill is queued after the insert).
		a.rest(rest)
	}
	j := &job{l: l, cs: cs, rest: rest, done: make(chan struct{})}
	if !a.w.add(j) { // not while open: Close stops the writer after closing the account
		j.err = errClosed
		close(j.done)
	}
	return j
}

// add queues j; false once the writer has stopped.
func (w *writer) add(j *job) bool {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return false
	}
	w.queue = append(w.queue, j)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns the next batch, nil when the queue is empty, and false once stopping with
// nothing left: the writer then exits and later adds are refused.
func (w *writer) take() ([]*job, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy = false
	if len(w.queue) == 0 {
		if w.stopping {
			w.stopped = true
			return nil, false
		}
		return nil, true
	}
	n := min(len(w.queue), maxBatch)
	batch := w.queue[:n:n]
	if w.queue = w.queue[n:]; len(w.queue) == 0 {
		w.queue = nil
	}
	w.busy = true
	return batch, true
}

// takeAll empties the queue and returns what was in it.
func (w *writer) takeAll() []*job {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue = nil
	return q
}

// idle reports whether nothing is queued or being saved.
func (w *writer) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.busy && len(w.queue) == 0
}

// stop saves everything queued, then ends the writer's goroutine.
func (w *writer) stop() {
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
}

// writeLoop is the writer's goroutine: it saves batches until stopped.
func (a *Account) writeLoop() {
	defer close(a.w.done)
	for {
		batch, ok := a.w.take()
		if !ok {
			return
		}
		if batch == nil {
			<-a.w.wake
			continue
		}
		a.write(batch)
	}
}

// write saves a batch in one transaction. Should that fail, it saves the jobs one by one so
// those before the one at fault still count; that job and every later one (each built on the
// state it left in memory) are dropped, and the account reloads its state from the file.
func (a *Account) write(batch []*job) {
	saved, failed := batch, batch[:0]
	err := a.saveJobs(batch)
	if err != nil {
		saved, failed = batch[:0], batch
		if len(batch) > 1 {
			err = nil
			for i := range batch {
				if err = a.saveJobs(batch[i : i+1]); err != nil {
					break
				}
				saved, failed = batch[:i+1], batch[i+1:]
			}
		}
	}
	a.finish(saved)
	if err != nil {
		a.drop(failed, err)
	}
}

// finish gives saved placements on the book their exchange ids and reports the saved changes on
// the update stream (only now: the engine must never record a fill the file could still lose).
func (a *Account) finish(saved []*job) {
	if len(saved) == 0 {
		return
	}
	a.mu.Lock()
	for _, j := range saved {
		for _, c := range j.cs {
			if c.insert && j.rest != nil && c.o.ClientID == j.rest.ClientID {
				j.rest.ExchangeID = c.o.ExchangeID
			}
			if c.insert {
				delete(a.placing, c.o.ClientID)
			}
			s := c.o.Order
			s.Fills = nil
			if c.fill != nil {
				s.Fills = []exchange.Fill{*c.fill}
			}
			a.upd.push(s)
			j.out = append(j.out, s)
		}
	}
	a.mu.Unlock()
	for _, j := range saved {
		close(j.done)
	}
}

// drop handles a failed save. Memory is ahead of the file by the failed jobs and everything
// queued after them, none of it reported yet; the account throws that away and reloads its
// balances and open orders from the file, so what it shows is again what is saved: an order
// a tick had filled rests again and fills on a later tick, a placement or cancellation fails
// with err. The failure is logged and kept for Err. Should the reload fail too, the account
// refuses further calls (exchange.ErrUnavailable) until it is reopened.
func (a *Account) drop(failed []*job, err error) {
	a.log.Error("paper: saving the account failed; unsaved changes are dropped and the account reloaded from the database",
		"account", a.name, "changes", len(failed), "err", err)
	a.mu.Lock()
	a.saveErr = err
	failed = append(failed, a.w.takeAll()...)
	for _, j := range failed {
		for _, c := range j.cs {
			if c.insert {
				delete(a.placing, c.o.ClientID)
			}
		}
		if len(j.cs) > 0 {
			j.err = fmt.Errorf("paper: saving the account: %w", err)
		}
	}
	if rerr := a.reload(); rerr != nil {
		a.log.Error("paper: reloading the account failed; it is closed until reopened", "account", a.name, "err", rerr)
		a.saveErr = fmt.Errorf("%w; reloading: %w", err, rerr)
		a.closed = true
	}
	a.mu.Unlock()
	for _, j := range failed {
		close(j.done)
	}
}

// wait returns the order j placed or cancelled once it is saved, with the ids the file gave
// it, or why it could not be saved.
func (j *job) wait() (exchange.Order, error) {
	<-j.done
	if j.err != nil {
		return exchange.Order{}, j.err
	}
	return j.out[0], nil
}

// flushed waits until every change made before the call is saved or dropped, so a read from
// the file that follows sees them. A memory account has nothing to wait for.
func (a *Account) flushed(ctx context.Context) error {
	if a.w == nil || a.w.idle() {
		return nil
	}
	j := &job{done: make(chan struct{})}
	if !a.w.add(j) {
		return nil // stopped: everything is saved
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
