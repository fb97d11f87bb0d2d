package engine

// The rows without a final state the engine follows (open), and the turns that keep each row's
// changes in order. jmu guards them; see take.

// rowView is rec's row as it stands.
func (e *Engine) rowView(rec *orderRec) OrderView {
	e.jmu.Lock()
	defer e.jmu.Unlock()
	return rec.Order
}

// setBusy marks a row as being placed or looked up (the poller leaves it alone), or not.
func (e *Engine) setBusy(rec *orderRec, busy bool) {
	e.jmu.Lock()
	rec.busy = busy
	e.jmu.Unlock()
}

// botNamed returns the bot of that name; nil for "" (a manual order) or one not loaded.
func (e *Engine) botNamed(name string) *bot {
	if name == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bots[name]
}

// openFor returns the open rows that match.
func (e *Engine) openFor(match func(*orderRec) bool) []*orderRec {
	e.jmu.Lock()
	defer e.jmu.Unlock()
	var out []*orderRec
	for _, r := range e.open {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// take makes the caller the one goroutine that changes rec's row until it calls give. A
// row's changes (its journal write, then the row in memory) happen one at a time and in
// order, while jmu is held only for the in-memory part: writes to different rows share the
// journal's group commits. A holder reads rec's row without jmu (nobody else writes it) and
// writes it under jmu (others read it so). Holders never wait for anything else while they
// hold a turn, except applyOrders, which takes its rows' turns in client id order.
func (e *Engine) take(rec *orderRec) {
	e.jmu.Lock()
	if rec.turn == nil {
		rec.turn = make(chan struct{}, 1)
	}
	t := rec.turn
	e.jmu.Unlock()
	t <- struct{}{}
}

// give ends the caller's turn on rec's row.
func (e *Engine) give(rec *orderRec) { <-rec.turn }

// addOpen follows a row without a final state; jmu is held.
func (e *Engine) addOpen(rec *orderRec) {
	if _, ok := e.open[rec.ClientID]; ok {
		return
	}
	e.open[rec.ClientID] = rec
	e.countOpen(rec.Bot, 1)
}

// dropOpen stops following a row that became final; jmu is held.
func (e *Engine) dropOpen(rec *orderRec) {
	if _, ok := e.open[rec.ClientID]; !ok {
		return
	}
	delete(e.open, rec.ClientID)
	e.countOpen(rec.Bot, -1)
}

// countOpen keeps a bot's count of rows without a final state, the open-order count its view
// shows while it is not running, so no reader counts rows under jmu. Before Resume loads the
// rows, the counts New read stand in. jmu is held.
func (e *Engine) countOpen(name string, delta int) {
	if name == "" {
		return
	}
	e.openBy[name] += delta
	if b := e.botNamed(name); b != nil && e.loaded {
		b.openRows.Store(int64(e.openBy[name]))
	}
}

// initOpenRows sets a new bot's open-row count; jmu is held.
func (e *Engine) initOpenRows(b *bot) {
	n := e.preOpen[b.name]
	if e.loaded {
		n = e.openBy[b.name]
	}
	b.openRows.Store(int64(n))
}
