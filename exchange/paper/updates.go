package paper

import (
	"sync"

	"github.com/quantdeck/quantdeck/exchange"
)

// updatesBuffer is the channel's own buffer; the queue behind it has no bound.
const updatesBuffer = 64

// updates delivers order changes without ever blocking the caller and without dropping any:
// push appends to a queue that one goroutine drains into the channel. The goroutine starts
// with the first subscriber and stops on stop.
type updates struct {
	mu      sync.Mutex
	queue   []exchange.Order
	out     chan exchange.Order
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	started bool
	stopped bool
}

func newUpdates() *updates {
	return &updates{
		out:  make(chan exchange.Order, updatesBuffer),
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
}

func (u *updates) subscribe() <-chan exchange.Order {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.started && !u.stopped {
		u.started = true
		go u.pump()
	}
	return u.out
}

// push queues o for the subscriber, if there is one.
func (u *updates) push(o exchange.Order) {
	u.mu.Lock()
	if !u.started || u.stopped {
		u.mu.Unlock()
		return
	}
	u.queue = append(u.queue, o)
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *updates) pump() {
	defer close(u.done)
	defer close(u.out)
	for {
		u.mu.Lock()
		batch := u.queue
		u.queue = nil
		u.mu.Unlock()
		for _, o := range batch {
			select {
			case u.out <- o:
			case <-u.quit:
				return
			}
		}
		select {
		case <-u.wake:
		case <-u.quit:
			return
		}
	}
}

// stop ends delivery and closes the channel.
func (u *updates) stop() {
	u.mu.Lock()
	if u.stopped {
		u.mu.Unlock()
		return
	}
	u.stopped = true
	started := u.started
	u.mu.Unlock()
	close(u.quit)
	if started {
		<-u.done
	} else {
		close(u.out)
	}
}
