package engine

import "context"

// Which bots exist, which of them run and which symbols are watched belong to one goroutine,
// the engine's lifecycle loop (lifeLoop), as a bot's fields belong to the bot's loop. Resume,
// AddBot, UpdateBot, RemoveBot, StartBot, StopBot, Seal's stops, Watch and Unwatch each run
// there, one at a time, to the end: a resume retried in the background beside the user's, two
// starts of one bot, an Unwatch beside a start on the same symbol, all queue up instead of
// interleaving, and no lock has to be held across them. The tick routes are rebuilt there
// only (after every operation, and when asked), so the last routes stored are always computed
// from the latest states.
//
// What runs on the loop may wait for a bot's loop, an order worker, the journal or the
// exchange, but nothing it waits for ever waits for the lifecycle loop: bots' loops, order
// workers, the order streams and the poller only ask for a route rebuild (reroute), which never
// waits. Functions that run on the loop call the unexported forms (startBot, not StartBot);
// calling an exported lifecycle method from the loop would wait for itself.
//
// The kill switch and PauseLiveBots do not queue: they must act at once, even while a long
// Resume runs, and they stop bots only (a bot's own loop keeps its state consistent).

// lifeOp is one lifecycle operation; its result goes to done (buffered, so the loop never
// waits for the caller).
type lifeOp struct {
	fn   func() error
	done chan error
}

// streamsUp is what Run tells the lifecycle loop once its market stream is connected.
type streamsUp struct {
	bg      context.Context // Run's background context
	symbols []string        // the symbols Run's stream carries
}

// lifeLoop runs lifecycle operations one at a time until the engine stops.
func (e *Engine) lifeLoop() {
	defer e.wg.Done()
	for {
		select {
		case op := <-e.ops:
			err := op.fn()
			e.rebuildRoutes() // before the caller hears back: what it stopped gets no tick
			op.done <- err
		case up := <-e.streams:
			e.adoptStreams(up)
		case <-e.rerouteReq:
			e.rebuildRoutes()
		case <-e.life.Done():
			return
		}
	}
}

// own runs fn on the lifecycle loop and returns its error. A caller still waiting for its turn
// gives up when ctx ends or the engine stops; once fn has begun, it runs to the end and the
// caller gets its result. Never call it from the lifecycle loop.
func (e *Engine) own(ctx context.Context, fn func() error) error {
	op := lifeOp{fn: fn, done: make(chan error, 1)}
	select {
	case e.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.life.Done():
		return ErrStopping
	}
	return <-op.done
}

// reroute asks the lifecycle loop to rebuild the tick routes, without waiting: a bot's loop,
// an order worker or the kill switch calls it after a bot stopped running. Requests made while
// one is pending fold into it.
func (e *Engine) reroute() {
	select {
	case e.rerouteReq <- struct{}{}:
	default:
	}
}

// rebuildRoutes recomputes the running bots per symbol for the tick path, from what each
// bot's loop last published. It runs on the lifecycle loop only, so rebuilds never race.
func (e *Engine) rebuildRoutes() {
	m := map[string][]*bot{}
	for _, b := range e.allBots() {
		if v := b.view.Load(); v != nil && b.running.Load() {
			m[v.Config.Symbol] = append(m[v.Config.Symbol], b)
		}
	}
	e.routes.Store(&m)
}
