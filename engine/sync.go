package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
)

// applyOrder records what the exchange says about one of our orders: new fills (once each, by
// trade id), then the row's state, never moving it backwards. Every source of order news goes
// through here: placement answers, lookups, the order stream, the poller and reconciliation.
func (e *Engine) applyOrder(ctx context.Context, tr exchange.Trader, o exchange.Order) error {
	return e.applyOrders(ctx, tr, []exchange.Order{o})[0]
}

// applied is one order's news on its way into the journal.
type applied struct {
	rec     *orderRec
	o       exchange.Order
	fills   []exchange.Fill
	next    orderRec
	changed bool            // the row's state, execution or exchange id moves
	fresh   []FillView      // fills not recorded before
	filled  decimal.Decimal // rec.filled with the fresh fills
}

// applyOrders is applyOrder for several orders (distinct client ids) at once: their journal
// writes are queued together, so they share one commit, each under its own savepoint.
// errs[i] is the outcome of os[i].
func (e *Engine) applyOrders(ctx context.Context, tr exchange.Trader, os []exchange.Order) []error {
	p := e.prepareApply(ctx, tr, os)
	if p.fns == nil {
		return p.finish(e, nil)
	}
	return p.finish(e, e.j.WriteAll(ctx, p.fns))
}

// applyOrderLater is applyOrder for an order's answer on the order path: the update is
// staged in the journal and settled in memory once it is on disk, and then (on the journal's
// writer) hears the outcome. The caller goes on at once: nothing it sends next can leave
// before the answer is on disk, since the Write that records that request commits the staged
// answer with it (or first). So a bot's next order, or the ticket's, pays one sync for its own
// send and this answer together. The row's turn is held until the answer is settled. next is
// the row as the answer makes it once settled; ok is false when o is not about a row this
// engine can change (then has been told already).
func (e *Engine) applyOrderLater(ctx context.Context, tr exchange.Trader, o exchange.Order, then func(error)) (next OrderView, ok bool) {
	p := e.prepareApply(ctx, tr, []exchange.Order{o})
	if len(p.todo) > 0 {
		next, ok = p.todo[0].next.Order, true
	}
	if p.fns == nil {
		then(p.finish(e, nil)[0])
		return next, ok
	}
	e.j.StageAll(ctx, p.fns, func(results []error) { then(p.finish(e, results)[0]) })
	return next, ok
}

// pendingApply is an apply whose journal writes are queued: the rows' turns are held until
// finish.
type pendingApply struct {
	errs    []error
	todo    []*applied
	at      []int // todo[k] is the update at errs[at[k]]
	turns   []*orderRec
	fns     []func(*journal.Tx) error
	writing []int // fns[n] writes todo[writing[n]]
	now     time.Time
}

// prepareApply reads what each update needs, takes the rows' turns and builds their journal
// writes.
func (e *Engine) prepareApply(ctx context.Context, tr exchange.Trader, os []exchange.Order) *pendingApply {
	p := &pendingApply{errs: make([]error, len(os))}
	for i, o := range os {
		rec, known, err := e.recFor(ctx, o)
		if err != nil || rec == nil {
			p.errs[i] = err
			continue
		}
		fills, err := e.fillsOf(ctx, tr, o, known)
		if err != nil {
			p.errs[i] = err
			continue
		}
		p.todo = append(p.todo, &applied{rec: rec, o: o, fills: fills})
		p.at = append(p.at, i)
	}
	if len(p.todo) == 0 {
		return p
	}
	// One turn per row, taken in client id order (the only place that holds several).
	p.turns = make([]*orderRec, 0, len(p.todo))
	for _, a := range p.todo {
		p.turns = append(p.turns, a.rec)
	}
	sort.Slice(p.turns, func(i, j int) bool { return p.turns[i].ClientID < p.turns[j].ClientID })
	p.turns = slices.Compact(p.turns)
	for _, r := range p.turns {
		e.take(r)
	}
	p.now = e.now().UTC()
	for k, a := range p.todo {
		a.next, a.changed = nextRow(a.rec, a.o)
		if !a.changed && len(a.fills) == 0 {
			continue
		}
		a.next.Updated = p.now
		now := p.now
		p.fns = append(p.fns, func(tx *journal.Tx) error { return a.write(tx, now) })
		p.writing = append(p.writing, k)
	}
	return p
}

// finish settles in memory the updates whose writes succeeded (results[n] is fns[n]'s
// outcome) and gives the rows' turns back.
func (p *pendingApply) finish(e *Engine, results []error) []error {
	defer func() {
		for _, r := range p.turns {
			e.give(r)
		}
	}()
	e.jmu.Lock()
	defer e.jmu.Unlock()
	for n, err := range results {
		k := p.writing[n]
		a := p.todo[k]
		if err != nil {
			p.errs[p.at[k]] = fmt.Errorf("order %s: %w", a.rec.ClientID, err)
			continue
		}
		if a.changed || len(a.fresh) > 0 {
			e.settleLocked(a, p.now)
		}
	}
	return p.errs
}

// recFor returns the open row an order update is about, reading it from the journal when this
// engine does not hold it (a final row comes back only when the exchange revives a rejected
// one); nil when it is not ours or already final. known is the base quantity of its recorded
// fills.
func (e *Engine) recFor(ctx context.Context, o exchange.Order) (rec *orderRec, known decimal.Decimal, err error) {
	e.jmu.Lock()
	rec = e.open[o.ClientID]
	if rec != nil {
		known = rec.filled
	}
	e.jmu.Unlock()
	if rec != nil {
		return rec, known, nil
	}
	row, err := e.j.Order(ctx, o.ClientID)
	if err != nil {
		if errors.Is(err, ErrNoOrder) {
			return nil, known, nil // not one of ours
		}
		e.haltDamaged(ctx, err)
		return nil, known, err
	}
	r := &orderRec{Row: *row}
	if r.State.Final() && !(r.State == OrderRejected && r.ExchangeID == 0 && o.ExchangeID != 0) {
		return nil, known, nil // already final; fills were recorded with the final state
	}
	if r.filled, err = e.j.FilledQty(ctx, r.ClientID); err != nil {
		e.haltDamaged(ctx, err)
		return nil, known, err
	}
	if r.quietAt, err = e.j.QuietAt(ctx, r.ClientID); err != nil {
		return nil, known, err
	}
	r.quietAt = onMonotonic(e.now(), r.quietAt)
	known, rec = r.filled, r
	e.jmu.Lock()
	if cur := e.open[o.ClientID]; cur != nil {
		rec = cur
	} else {
		e.addOpen(rec)
	}
	e.jmu.Unlock()
	return rec, known, nil
}

// fillsOf returns the fills of an update, all of the order's fills when the update carries
// fewer than it executed and the trader can list them.
func (e *Engine) fillsOf(ctx context.Context, tr exchange.Trader, o exchange.Order, known decimal.Decimal) ([]exchange.Fill, error) {
	fills := o.Fills
	if inMsg, err := sumQty(fills); err == nil && o.ExecutedQty.Cmp(inMsg) > 0 && o.ExecutedQty.Cmp(known) > 0 {
		if fl, ok := tr.(exchange.FillLister); ok {
			callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
			all, err := fl.OrderFills(callCtx, o.Symbol, o.ClientID)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("reading the fills of %s: %w", o.ClientID, err)
			}
			fills = all
		}
	}
	return fills, nil
}

// nextRow is rec moved forward by what o says (never backwards); changed is false when o
// says nothing new about the row itself. The row's turn is held.
func nextRow(rec *orderRec, o exchange.Order) (next orderRec, changed bool) {
	next = orderRec{Row: rec.Row} // the row alone: counted and reserved belong to the bot's loop
	st := strategy.StateOf(o.Status)
	revive := rec.State == OrderRejected && rec.ExchangeID == 0 && o.ExchangeID != 0 && st != OrderRejected
	if st.Rank() > rec.State.Rank() || revive {
		next.State, changed = st, true
		if !st.Final() || st == OrderFilled {
			next.Reason = ""
		}
		if st == OrderRejected && next.Reason == "" {
			next.Reason = "rejected by the exchange"
		}
	}
	if o.ExecutedQty.Cmp(rec.Executed) > 0 {
		next.Executed, next.QuoteExec, changed = o.ExecutedQty, o.QuoteQty, true
		next.AvgPrice = avgPrice(next.Executed, next.QuoteExec)
	}
	if o.ExchangeID != 0 && rec.ExchangeID != o.ExchangeID {
		next.ExchangeID, changed = o.ExchangeID, true
	}
	return next, changed
}

// write records a's fills and the row's new state in the journal: all on disk or none. It runs
// on the journal's writer (possibly more than once), so it starts over each time. The caller
// holds the row's turn, so a.rec does not move meanwhile.
func (a *applied) write(tx *journal.Tx, now time.Time) error {
	a.fresh, a.filled = nil, a.rec.filled
	for _, f := range a.fills {
		fv := FillView{TradeID: f.TradeID, ClientID: a.rec.ClientID, Bot: a.rec.Bot, Mode: a.rec.Mode, Symbol: a.rec.Symbol,
			Side: a.rec.Side, Price: f.Price, Qty: f.Qty, Fee: f.Fee, FeeAsset: f.FeeAsset, Time: f.Time.UTC()}
		if fv.Time.IsZero() {
			fv.Time = now
		}
		ins, err := tx.InsertFill(fv)
		if err != nil {
			return err
		}
		if ins {
			a.fresh = append(a.fresh, fv)
			var err error
			if a.filled, err = a.filled.Add(fv.Qty); err != nil {
				return err
			}
		}
	}
	if !a.changed && len(a.fresh) == 0 {
		return nil
	}
	return tx.SaveOrder(&a.next.Row)
}

// settleLocked applies a recorded update in memory: the row, the bot's ledger and risk
// accounting, the strategy, and the views. jmu is held.
func (e *Engine) settleLocked(a *applied, now time.Time) {
	rec, next, fresh := a.rec, &a.next, a.fresh
	wasFinal := rec.State.Final()
	rec.State, rec.Reason, rec.Executed, rec.QuoteExec, rec.AvgPrice = next.State, next.Reason, next.Executed, next.QuoteExec, next.AvgPrice
	rec.ExchangeID, rec.Updated, rec.filled = next.ExchangeID, next.Updated, a.filled
	if rec.State.Final() {
		e.dropOpen(rec)
	}
	if rec.Bot != "" {
		e.rowNews[rec.Bot]++
	}
	if b := e.botNamed(rec.Bot); b != nil {
		e.tellBot(b, rec, fresh, rec.State.Final() && !wasFinal, now)
	}
	v := rec.Order
	e.mu.Lock()
	e.recent.addOrder(v)
	for _, f := range fresh {
		e.recent.addFill(f)
	}
	e.mu.Unlock()
	e.mkt.markDirty()
	e.bus.publish(OrderEvent{Order: v})
	for _, f := range fresh {
		e.bus.publish(FillEvent{Fill: f})
	}
}

// tellBot queues a row's news for its bot's loop: the fresh fills for its ledger and risk
// accounting, then the row's end or the fill for the strategy. jmu is held, so the bot sees
// its rows change in the order they were settled. A fill a replayed ledger already holds
// (recorded before the replay, settled after it) is skipped: b.known lists them.
func (e *Engine) tellBot(b *bot, rec *orderRec, fresh []FillView, closed bool, now time.Time) {
	upd := OrderUpdate{Tag: rec.Tag, Side: rec.Side, State: rec.State, Price: rec.Price, Qty: rec.Quantity,
		Executed: rec.Executed, Time: now, Reason: rec.Reason}
	e.post(b, func(b *bot) {
		for _, f := range fresh {
			if k := (fillID{f.ClientID, f.TradeID}); b.known[k] {
				delete(b.known, k)
				continue
			}
			if err := b.led.apply(f); err != nil {
				e.log.Error("bot ledger", "bot", b.name, "err", err)
			}
			if f.Side == exchange.Buy && rec.counted {
				v, err := f.Qty.Mul(f.Price)
				if err == nil {
					v = v.Min(rec.reserved)
					rec.reserved, _ = rec.reserved.Sub(v)
					b.openBuy, _ = b.openBuy.Sub(v)
				}
			}
		}
		switch {
		case closed:
			e.rowClosed(b, rec, upd)
		case len(fresh) > 0 && b.strat != nil && b.state == BotRunning:
			upd.Reason = ""
			b.strat.OnOrder(upd)
		}
	})
}

func sumQty(fills []exchange.Fill) (decimal.Decimal, error) {
	s := decimal.Zero
	var err error
	for _, f := range fills {
		if s, err = s.Add(f.Qty); err != nil {
			return s, err
		}
	}
	return s, nil
}

// account is one trader and the open rows that belong to it.
type account struct {
	mode  Mode
	label string
}

// pollOnce brings every open row up to date for traders without an order stream (and every
// row left 'unknown' or 'intent', which no stream reports). Rows being placed are skipped.
func (e *Engine) pollOnce(ctx context.Context, skipStreamed bool) {
	type polled struct {
		rec      *orderRec
		state    OrderState
		executed decimal.Decimal
	}
	groups := map[account][]polled{}
	e.jmu.Lock()
	for _, r := range e.open {
		if !r.busy {
			acc := account{r.Mode, r.KeyLabel}
			groups[acc] = append(groups[acc], polled{r, r.State, r.Executed})
		}
	}
	e.jmu.Unlock()
	for acc, recs := range groups {
		tr, err := e.trader(acc.mode, acc.label)
		if err != nil {
			continue
		}
		// Paper accounts push every change; a live stream can break silently, so live
		// orders are polled all the same.
		_, streamed := tr.(exchange.OrderStream)
		streamed = streamed && skipStreamed && acc.mode == Paper
		// One open-orders request per symbol: Binance weighs a request for all symbols 80,
		// one for a symbol 6.
		onBook := map[string]map[string]exchange.Order{}
		for _, p := range recs {
			if ctx.Err() != nil {
				return
			}
			onBookState := p.state == OrderAcked || p.state == OrderPartial
			if streamed && onBookState {
				continue
			}
			book, listed := onBook[p.rec.Symbol]
			if !listed && onBookState {
				if err := e.limiter.wait(ctx, tr); err != nil {
					return
				}
				callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
				list, err := tr.OpenOrders(callCtx, p.rec.Symbol)
				cancel()
				if err != nil {
					e.log.Warn("polling open orders", "mode", acc.mode, "symbol", p.rec.Symbol, "err", err)
					continue
				}
				book = make(map[string]exchange.Order, len(list))
				for _, o := range list {
					book[o.ClientID] = o
				}
				onBook[p.rec.Symbol] = book
			}
			if o, ok := book[p.rec.ClientID]; ok {
				if e.killed.Load() || e.unwanted(p.rec) {
					// The kill switch is engaged, or the bot was stopped or paused, and this
					// order is still on the book: its outcome was unknown when the stop's
					// cancels went out.
					if err := e.cancelRec(ctx, tr, p.rec); err != nil {
						e.log.Warn("cancelling an order nothing wants", "client_id", p.rec.ClientID, "err", err)
					}
					continue
				}
				if strategy.StateOf(o.Status) != p.state || !o.ExecutedQty.Equal(p.executed) {
					if err := e.applyOrder(ctx, tr, o); err != nil {
						e.log.Warn("polling an order", "client_id", p.rec.ClientID, "err", err)
					}
				}
				continue
			}
			if err := e.lookup(ctx, tr, p.rec, false); err != nil && ctx.Err() == nil {
				e.log.Warn("looking up an order", "client_id", p.rec.ClientID, "err", err)
			}
		}
	}
}

// unwanted reports whether rec belongs to a bot the user stopped, or one the risk guard
// paused: both cancel their orders. A bot stopped with the intent to run again (the vault
// was sealed, its orders wait to be reconciled) keeps them.
func (e *Engine) unwanted(rec *orderRec) bool {
	b := e.botNamed(rec.Bot)
	if b == nil {
		return false
	}
	unwanted := false
	e.do(b, func(b *bot) { unwanted = b.state == BotPaused || (b.state != BotRunning && b.desired == BotStopped) })
	return unwanted
}

// lookup asks the exchange for one row's state. When the exchange does not know the order:
// a row that was never acknowledged is finalised as never placed once no delayed request can
// arrive (waiting for that when wait is set); an acknowledged row the exchange has forgotten
// is finalised as cancelled.
func (e *Engine) lookup(ctx context.Context, tr exchange.Trader, rec *orderRec, wait bool) error {
	if err := e.limiter.wait(ctx, tr); err != nil {
		return err
	}
	asked := e.now()
	callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
	o, err := tr.GetOrder(callCtx, rec.Symbol, rec.ClientID)
	cancel()
	if err == nil {
		if o.ClientID == "" {
			o.ClientID = rec.ClientID
		}
		return e.applyOrder(ctx, tr, o)
	}
	if !errors.Is(err, exchange.ErrUnknownOrder) {
		return err
	}
	e.jmu.Lock()
	state, busy := rec.State, rec.busy
	e.jmu.Unlock()
	if busy {
		return nil
	}
	if state == OrderAcked || state == OrderPartial {
		e.finalize(rec, OrderCancelled, "the exchange no longer knows this order")
		return nil
	}
	// Never reached the exchange only once no request that carried the id can still arrive
	// (the rule is on unknownFinalAt).
	if left := e.untilUnknownFinal(rec, asked); left > 0 {
		left -= e.now().Sub(asked)
		if !wait {
			return nil
		}
		if err := e.sleep(ctx, left); err != nil {
			return err
		}
		return e.lookup(ctx, tr, rec, false)
	}
	e.finalize(rec, OrderRejected, "never reached the exchange")
	return nil
}

// pollLoop polls until ctx ends.
func (e *Engine) pollLoop(ctx context.Context) {
	defer e.wg.Done()
	for e.waitFor(ctx, e.lim.PollInterval) {
		if e.resumed.Load() {
			e.pollOnce(ctx, true)
			e.resumeNewDay(ctx)
		}
	}
}

// streamLoop applies pushed order updates until ctx ends or the stream closes.
func (e *Engine) streamLoop(ctx context.Context, tr exchange.Trader, updates <-chan exchange.Order) {
	defer e.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case o, ok := <-updates:
			if !ok {
				return
			}
			if err := e.applyOrder(ctx, tr, o); err != nil && ctx.Err() == nil {
				e.log.Warn("applying an order update", "client_id", o.ClientID, "err", err)
			}
		}
	}
}
