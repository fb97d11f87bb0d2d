package engine

import (
	"sync"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// A bot's state belongs to one goroutine, its loop. Nothing else reads or writes a bot's
// fields: other goroutines post it a function to run (post, without waiting; do, waiting for
// it) or read the view it publishes. Two mailboxes feed the loop:
//
//   - ticks: one slot that keeps only the latest tick. The tick goroutine never waits for a
//     bot: when a bot is still busy with an earlier tick, the newer one replaces it (a
//     strategy needs the latest price, not every price it missed).
//   - everything else (order news, fills, commands): a FIFO queue that never drops and never
//     blocks the sender, so the order workers, the order streams and the poller never wait
//     for a bot either.
//
// The loop takes one queued function, then the latest tick, in turn, so neither starves.

// tickIn is a tick handed to the bots of its symbol; one is shared by all of them.
type tickIn struct {
	t   exchange.Tick
	now time.Time // the engine's time when the tick arrived
	seq uint64    // the engine's tick count, for the bot's seen
	at  time.Time // wall time of the hand-over, set only when a hook measures latency
}

// msg is one queued function; done, when set, is closed once it has run and the bot's view
// is published.
type msg struct {
	fn   func(*bot)
	done chan struct{}
}

// mailbox is a bot's FIFO queue. mu guards q alone and is held only to append or take.
type mailbox struct {
	mu sync.Mutex
	q  []msg
}

func (m *mailbox) put(x msg) {
	m.mu.Lock()
	m.q = append(m.q, x)
	m.mu.Unlock()
}

func (m *mailbox) take() (msg, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.q) == 0 {
		return msg{}, false
	}
	x := m.q[0]
	m.q[0] = msg{}
	m.q = m.q[1:]
	if len(m.q) == 0 {
		m.q = nil // let the backing array go once drained
	}
	return x, true
}

// newBot returns a bot that is not running; spawn starts its loop.
func newBot(cfg BotConfig) *bot {
	return &bot{name: cfg.Name, cfg: cfg, desired: BotStopped, state: BotStopped,
		wake: make(chan struct{}, 1), exited: make(chan struct{})}
}

// spawn publishes a new bot's first view and starts its loop; once Close has begun the loop
// never starts and the bot answers no request (do reports false).
func (e *Engine) spawn(b *bot) {
	e.settle(b)
	if !e.join(1) {
		close(b.exited)
		return
	}
	go e.loop(b)
}

// loop runs a bot's functions and ticks until the engine stops or the bot is removed.
func (e *Engine) loop(b *bot) {
	defer e.wg.Done()
	defer close(b.exited)
	for {
		select {
		case <-b.wake:
		case <-e.life.Done():
			e.drain(b)
			return
		}
		for {
			x, ok := b.box.take()
			if ok {
				e.run(b, x)
				if b.removed {
					e.drain(b)
					return
				}
			}
			in := b.in.Swap(nil)
			if in != nil {
				e.tickBot(b, in)
			}
			if !ok && in == nil {
				break
			}
		}
	}
}

// run runs one queued function on the loop and publishes what it changed.
func (e *Engine) run(b *bot, x msg) {
	x.fn(b)
	e.settle(b)
	if x.done != nil {
		close(x.done)
	}
}

// drain runs what is queued as the loop ends, so a caller waiting in do gets its answer.
func (e *Engine) drain(b *bot) {
	for {
		x, ok := b.box.take()
		if !ok {
			return
		}
		e.run(b, x)
	}
}

// settle publishes a bot's state for readers outside its loop: whether it runs (for the
// tick routes) and its view. Only the loop calls it, and spawn before the loop starts.
func (e *Engine) settle(b *bot) {
	b.running.Store(b.state == BotRunning)
	e.viewOf(b)
}

// post queues fn for the bot's loop without waiting. Once the loop has ended (the engine is
// closed, or the bot removed) fn never runs.
func (e *Engine) post(b *bot, fn func(*bot)) {
	b.box.put(msg{fn: fn})
	wake(b.wake)
}

// do runs fn on the bot's loop and waits for it; false when the loop has ended and fn did
// not run. Never call it from a bot's loop (the loop would wait for itself).
func (e *Engine) do(b *bot, fn func(*bot)) bool { return e.queue(b, fn)() }

// queue queues fn for the bot's loop now and returns the wait for it, which reports what do
// would. It lets a caller that holds jmu queue fn in order with the row news it settles, and
// wait only once it has let jmu go: jmu is never held across a wait.
func (e *Engine) queue(b *bot, fn func(*bot)) (wait func() bool) {
	done := make(chan struct{})
	b.box.put(msg{fn: fn, done: done})
	wake(b.wake)
	return func() bool {
		select {
		case <-done:
			return true
		case <-b.exited:
			select {
			case <-done:
				return true
			default:
				return false
			}
		}
	}
}

// wake signals a loop that something waits, without blocking.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// setState changes a bot's state and what the tick routes read of it. The loop calls it.
func (b *bot) setState(s BotState, reason string) {
	b.state, b.reason = s, reason
	b.running.Store(s == BotRunning)
}

// handTick gives a tick to the bots of its symbol: it replaces any tick a bot has not
// handled yet and never waits.
func (e *Engine) handTick(bots []*bot, t exchange.Tick, now time.Time) {
	if len(bots) == 0 {
		return
	}
	in := &tickIn{t: t, now: now, seq: e.tickSeq.Add(1)}
	if e.hooks.tickHandled != nil {
		in.at = time.Now()
		for _, b := range bots {
			b.pendingAt.CompareAndSwap(0, in.at.UnixNano()) // before the store: see handedAt
		}
	}
	for _, b := range bots {
		b.in.Store(in)
		wake(b.wake)
	}
}

// handedAt is, while a hook measures latency, when the oldest tick the loop had not handled
// was handed over: a tick that a newer one replaced before the loop took it counts from its own
// hand-over, so coalescing hides no wait. handTick marks a bot's first pending tick before it
// stores the tick, and the loop clears the mark right after taking one: a mark older than in
// is a replaced tick's, and a mark newer than in is a tick's stored after in was taken (it is
// then handled as the latest, from its own hand-over).
func (e *Engine) handedAt(b *bot, in *tickIn) time.Time {
	if first := b.pendingAt.Swap(0); first != 0 && first < in.at.UnixNano() {
		return time.Unix(0, first)
	}
	return in.at
}
