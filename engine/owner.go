package engine

import "context"

// Which bots exist, which of them run and which symbols are watched belong to one goroutine,
// the engine's lifecycle loop (lifeLoop), as a bot's fields belong to the bot's loop. AddBot,
// UpdateBot, RemoveBot, StartBot, StopBot, Seal's stops, Watch, Unwatch and the starts of a
// Resume each run there, one at a time, to the end: a resume retried in the background beside
// the user's, two starts of one bot, an Unwatch beside a start on the same symbol, all queue up
// instead of interleaving, and no lock is held across them. The tick routes are rebuilt there
// only (after every operation, and when asked), so the routes stored last are always computed
// from the latest states.
//
// A resume first reconciles the journal with the exchange, which can wait long and changes no
// bot: that runs on a second loop, the reconciler (reconLoop), one resume at a time, and
// leaves the lifecycle loop free meanwhile. Neither loop ever waits for the other.
//
// What runs on the lifecycle loop may wait for a bot's loop, an order worker, the journal or
// the exchange, but nothing it waits for ever waits for it: bots' loops, order workers, the
// order streams and the poller only ask for a route rebuild (reroute), which never waits.
// Functions that run on the loop call the unexported forms (startBot, not StartBot); calling
// an exported lifecycle method from the loop would wait for itself.
//
// The kill switch and PauseLiveBots do not queue: they must act at once, even while a start
// runs, and they only stop bots (each bot's loop keeps its own state consistent; a start under
// way checks the kill switch on the bot's loop before the bot runs).

// lifeOp is one operation for a loop; its result goes to done (buffered, so the loop never
// waits for the caller).
type lifeOp struct {
	ctx  context.Context
	fn   func(context.Context) error
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
			err := e.runOp(op)
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

// reconLoop runs resumes' reconciliations one at a time until the engine stops. It never
// waits for the lifecycle loop, nor the lifecycle loop for it.
func (e *Engine) reconLoop() {
	defer e.wg.Done()
	for {
		select {
		case op := <-e.reconOps:
			op.done <- e.runOp(op)
		case <-e.life.Done():
			return
		}
	}
}

// runOp runs an operation with its caller's context, ended early when the engine stops, so
// Close never waits for an exchange that does not answer.
func (e *Engine) runOp(op lifeOp) error {
	ctx, cancel := context.WithCancel(op.ctx)
	defer cancel()
	defer context.AfterFunc(e.life, cancel)()
	return op.fn(ctx)
}

// own runs fn on the lifecycle loop and returns its error. Never call it from the lifecycle
// loop (it would wait for itself).
func (e *Engine) own(ctx context.Context, fn func(context.Context) error) error {
	return e.submit(ctx, e.ops, fn)
}

// submit hands fn to the loop reading ops and returns its error. A caller still waiting for
// its turn gives up when ctx ends or the engine stops; once fn has begun, it runs to the end
// and the caller gets its result.
func (e *Engine) submit(ctx context.Context, ops chan<- lifeOp, fn func(context.Context) error) error {
	op := lifeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case ops <- op:
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
