package engine

import (
	"context"
	"sync"
)

// maxQueued bounds one subscriber's backlog of non-snapshot events; beyond it the oldest are
// dropped (a consumer that far behind reloads with Snapshot anyway).
const maxQueued = 4096

// bus fans events out to subscribers without ever blocking the publisher: each subscriber has
// its own queue and a slot for the latest snapshot, emptied by its own forwarding goroutine.
type bus struct {
	// mu guards subs and closed; publishing holds it while taking each subscriber's mu (a
	// leaf), so every subscriber sees events in one order. Nothing else is taken under it.
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	done   chan struct{}
	closed bool
	wg     sync.WaitGroup
}

type subscriber struct {
	mu      sync.Mutex
	queue   []Event
	snap    *SnapshotEvent
	dropped int
	wake    chan struct{} // capacity 1: "something is waiting"
}

func newBus() *bus { return &bus{subs: map[*subscriber]struct{}{}, done: make(chan struct{})} }

// subscribe returns a channel that receives events until ctx ends or the bus closes.
func (b *bus) subscribe(ctx context.Context) <-chan Event {
	out := make(chan Event)
	s := &subscriber{wake: make(chan struct{}, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(out)
		return out
	}
	b.subs[s] = struct{}{}
	b.wg.Add(1)
	b.mu.Unlock()
	go b.forward(ctx, s, out)
	return out
}

func (b *bus) forward(ctx context.Context, s *subscriber, out chan<- Event) {
	defer b.wg.Done()
	defer close(out)
	defer func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.done:
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			var ev Event
			switch {
			case len(s.queue) > 0:
				ev = s.queue[0]
				s.queue[0] = nil
				s.queue = s.queue[1:]
			case s.snap != nil:
				ev = *s.snap
				s.snap = nil
			}
			s.mu.Unlock()
			if ev == nil {
				break
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			case <-b.done:
				return
			}
		}
	}
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// publish queues ev for every subscriber.
func (b *bus) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		if len(s.queue) >= maxQueued {
			s.queue = s.queue[1:]
			s.dropped++
		}
		s.queue = append(s.queue, ev)
		s.mu.Unlock()
		s.signal()
	}
}

// publishSnapshot replaces every subscriber's pending snapshot: a slow consumer gets the
// latest one, never a backlog.
func (b *bus) publishSnapshot(snap Snapshot) {
	ev := &SnapshotEvent{Snapshot: snap}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		s.snap = ev
		s.mu.Unlock()
		s.signal()
	}
}

// subscribers reports how many consumers are attached.
func (b *bus) subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// close ends every subscription and waits for the forwarders.
func (b *bus) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// recent keeps the latest orders, fills and history lines for snapshots.
type recent struct {
	orders []OrderView // newest last
	fills  []FillView
	log    []BotEvent
}

const recentMax = 50

func (r *recent) addOrder(o OrderView) {
	for i := range r.orders {
		if r.orders[i].ClientID == o.ClientID {
			r.orders = append(r.orders[:i], r.orders[i+1:]...)
			break
		}
	}
	r.orders = append(r.orders, o)
	if len(r.orders) > recentMax {
		r.orders = r.orders[len(r.orders)-recentMax:]
	}
}

func (r *recent) addFill(f FillView) {
	r.fills = append(r.fills, f)
	if len(r.fills) > recentMax {
		r.fills = r.fills[len(r.fills)-recentMax:]
	}
}

func (r *recent) addLog(ev BotEvent) {
	r.log = append(r.log, ev)
	if len(r.log) > 2*recentMax {
		r.log = r.log[len(r.log)-2*recentMax:]
	}
}

// newestFirst returns a reversed copy.
func newestFirst[T any](in []T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}
