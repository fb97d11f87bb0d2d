package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/quantdeck/quantdeck/exchange"
)

// MaxWatched bounds the watchlist: every symbol costs a stream, a book and a chart.
const MaxWatched = 50

var (
	// ErrSymbolInUse: a bot that is running (or paused, to resume) trades the symbol.
	ErrSymbolInUse = errors.New("a running bot trades this symbol")
	// ErrNotWatched: the symbol is not in the watchlist.
	ErrNotWatched = errors.New("symbol is not in the watchlist")
)

// watchState is the watchlist as configured (QUANTDECK_SYMBOLS) and as edited at runtime,
// and the extra streams that carry symbols added while the engine runs. Its fields change only
// on the lifecycle loop (Watch, Unwatch, adopting Run's stream), once New has loaded them; mu
// guards added and removed for readers on other goroutines (list) and is a leaf.
type watchState struct {
	mu       sync.Mutex
	base     []string        // QUANTDECK_SYMBOLS, in order
	added    []string        // watched beyond base, in the order added
	removed  map[string]bool // base symbols not watched
	streamed map[string]bool // symbols Run's streams carry
	feeds    map[string]context.CancelFunc
	extra    chan exchange.Tick // ticks of the extra streams, for Run
}

// change applies a change to added or removed; it runs on the lifecycle loop.
func (w *watchState) change(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
}

// list is the effective watchlist: base without removed, then added.
func (w *watchState) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.listLocked()
}

func (w *watchState) listLocked() []string {
	out := make([]string, 0, len(w.base)+len(w.added))
	for _, s := range w.base {
		if !w.removed[s] {
			out = append(out, s)
		}
	}
	return append(out, w.added...)
}

// loadWatchlist applies the edits saved by earlier runs to the configured symbols.
func (e *Engine) loadWatchlist(ctx context.Context) error {
	w := &e.watch
	w.feeds = map[string]context.CancelFunc{}
	w.extra = make(chan exchange.Tick, 1024)
	base, added, removed, err := savedWatchEdits(ctx, e.cfg.DB, e.cfg.Symbols)
	if err != nil {
		return err
	}
	w.base, w.added, w.removed = base, added, removed
	return nil
}

// savedWatchEdits reads the watchlist edits saved by earlier runs and applies them to the
// configured symbols: the base list (deduplicated), the symbols added and the base symbols
// removed. A list that would end up empty keeps its base symbols: never nothing to show.
func savedWatchEdits(ctx context.Context, db *sql.DB, symbols []string) (base, added []string, removed map[string]bool, err error) {
	removed = map[string]bool{}
	for _, s := range symbols {
		if !slices.Contains(base, s) {
			base = append(base, s)
		}
	}
	var savedAdded, savedRemoved []string
	if _, err := getSetting(ctx, db, settingWatchAdded, &savedAdded); err != nil {
		return nil, nil, nil, err
	}
	if _, err := getSetting(ctx, db, settingWatchRemoved, &savedRemoved); err != nil {
		return nil, nil, nil, err
	}
	for _, s := range savedRemoved {
		if slices.Contains(base, s) {
			removed[s] = true
		}
	}
	for _, s := range savedAdded {
		if !slices.Contains(base, s) && !slices.Contains(added, s) && len(added) < MaxWatched {
			added = append(added, s)
		}
	}
	if len(removed) == len(base) && len(added) == 0 {
		clear(removed)
	}
	return base, added, removed, nil
}

// SavedWatchlist is the watchlist an engine started on db with the configured symbols would
// watch: the symbols with the edits saved at runtime applied. Commands that run without an
// engine check bots against it, as the engine would.
func SavedWatchlist(ctx context.Context, db *sql.DB, symbols []string) ([]string, error) {
	base, added, removed, err := savedWatchEdits(ctx, db, symbols)
	if err != nil {
		return nil, err
	}
	w := watchState{base: base, added: added, removed: removed}
	return w.listLocked(), nil
}

// saveWatch writes the watchlist's edits; it runs on the lifecycle loop.
func (e *Engine) saveWatch(ctx context.Context) error {
	w := &e.watch
	removed := make([]string, 0, len(w.removed))
	for _, s := range w.base {
		if w.removed[s] {
			removed = append(removed, s)
		}
	}
	return putSettings(ctx, e.cfg.DB, e.now(), map[string]any{
		settingWatchAdded:   append([]string{}, w.added...),
		settingWatchRemoved: removed,
	})
}

// Watchlist returns the watched symbols in display order: QUANTDECK_SYMBOLS without the ones
// removed at runtime, then the ones added.
func (e *Engine) Watchlist() []string { return e.watch.list() }

// Watch adds a symbol to the watchlist after checking with the market that it exists, saves
// the change for the next start and, while Run runs, starts streaming it without touching
// the streams of the other symbols. Watching a watched symbol does nothing. The market is asked
// about the symbol first; the edit is made on the lifecycle loop.
func (e *Engine) Watch(ctx context.Context, symbol string) error {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	if symbol == "" {
		return errors.New("engine: watch: no symbol given")
	}
	if e.mkt.watched(symbol) {
		return nil
	}
	if _, err := e.rulesFor(ctx, symbol); err != nil {
		return fmt.Errorf("engine: watch %s: %w", symbol, err)
	}
	return e.own(ctx, func(ctx context.Context) error { return e.watchSymbol(ctx, symbol) })
}

// watchSymbol is Watch on the lifecycle loop, once the market knows the symbol.
func (e *Engine) watchSymbol(ctx context.Context, symbol string) error {
	w := &e.watch
	if slices.Contains(w.listLocked(), symbol) {
		return nil
	}
	if n := len(w.listLocked()); n >= MaxWatched {
		return fmt.Errorf("engine: watch %s: the watchlist holds %d symbols at most; remove one first", symbol, MaxWatched)
	}
	inBase := slices.Contains(w.base, symbol)
	w.change(func() {
		if inBase {
			delete(w.removed, symbol)
		} else {
			w.added = append(w.added, symbol)
		}
	})
	if err := e.saveWatch(ctx); err != nil {
		w.change(func() {
			if inBase {
				w.removed[symbol] = true
			} else {
				w.added = w.added[:len(w.added)-1]
			}
		})
		return err
	}
	e.mkt.add(symbol)
	e.books.watch(symbol)
	e.streamNew(symbol)
	e.log.Info("watchlist: added", "symbol", symbol)
	return nil
}

// streamNew streams a newly watched symbol and loads its history, once Run's stream is up
// (before, Run streams and loads it with the others; after Close, nothing starts). It runs on
// the lifecycle loop.
func (e *Engine) streamNew(symbol string) {
	e.mu.Lock()
	bg := e.bg
	e.mu.Unlock()
	if bg == nil {
		return
	}
	e.startFeed(bg, symbol)
	if e.join(1) {
		go func() {
			defer e.wg.Done()
			e.loadSymbolHistory(bg, symbol) // the sparkline and the 24-hour change
		}()
	}
}

// Unwatch removes a symbol from the watchlist and saves the change for the next start. It is
// refused with ErrSymbolInUse while a bot that trades the symbol runs (or is paused, since it
// resumes), and for the last symbol; ErrNotWatched when the symbol is not watched. It runs
// on the lifecycle loop, where bots start too: no bot can start on the symbol while it goes.
func (e *Engine) Unwatch(ctx context.Context, symbol string) error {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	return e.own(ctx, func(ctx context.Context) error { return e.unwatchSymbol(ctx, symbol) })
}

// unwatchSymbol is Unwatch on the lifecycle loop.
func (e *Engine) unwatchSymbol(ctx context.Context, symbol string) error {
	if !e.mkt.watched(symbol) {
		return fmt.Errorf("engine: unwatch %s: %w", symbol, ErrNotWatched)
	}
	var users []string
	for _, b := range e.allBots() {
		uses := false
		e.do(b, func(b *bot) { uses = b.cfg.Symbol == symbol && (b.state == BotRunning || b.state == BotPaused) })
		if uses {
			users = append(users, b.name)
		}
	}
	if len(users) > 0 {
		slices.Sort(users)
		return fmt.Errorf("engine: unwatch %s: %w (%s); stop it first", symbol, ErrSymbolInUse, strings.Join(users, ", "))
	}
	w := &e.watch
	if len(w.listLocked()) <= 1 {
		return fmt.Errorf("engine: unwatch %s: the watchlist needs at least one symbol", symbol)
	}
	i := slices.Index(w.added, symbol)
	w.change(func() {
		if i >= 0 {
			w.added = slices.Delete(w.added, i, i+1)
		} else {
			w.removed[symbol] = true
		}
	})
	if err := e.saveWatch(ctx); err != nil {
		w.change(func() {
			if i >= 0 {
				w.added = slices.Insert(w.added, i, symbol)
			} else {
				delete(w.removed, symbol)
			}
		})
		return err
	}
	if cancel := w.feeds[symbol]; cancel != nil {
		cancel()
		delete(w.feeds, symbol)
	}
	if ed, ok := e.cfg.Market.(exchange.StreamEditor); ok && w.streamed[symbol] {
		// Without an editor the first stream keeps carrying the symbol; its ticks are ignored.
		if err := ed.EditStreams(ctx, nil, []string{symbol}); err == nil {
			delete(w.streamed, symbol)
		} else {
			e.log.Warn("watchlist: removing a symbol from the running streams", "symbol", symbol, "err", err)
		}
	}
	e.mkt.remove(symbol)
	e.books.unwatch(symbol)
	e.hist.forget(symbol)
	e.log.Info("watchlist: removed", "symbol", symbol)
	return nil
}

// startFeed streams a newly watched symbol on its own, unless Run's first stream already
// carries it (a symbol removed and watched again). It runs on the lifecycle loop, once Run's
// stream is up.
func (e *Engine) startFeed(bg context.Context, symbol string) {
	w := &e.watch
	if w.streamed[symbol] || w.feeds[symbol] != nil {
		return
	}
	if ed, ok := e.cfg.Market.(exchange.StreamEditor); ok {
		// The running streams take the symbol in place.
		err := ed.EditStreams(bg, []string{symbol}, nil)
		if err == nil {
			w.streamed[symbol] = true
			return
		}
		e.log.Warn("watchlist: adding a symbol to the running streams; streaming it on its own", "symbol", symbol, "err", err)
	}
	bd, books := e.cfg.Market.(exchange.BookData)
	n := 1
	if books {
		n++
	}
	if !e.join(n) {
		return // closed meanwhile
	}
	ctx, cancel := context.WithCancel(bg)
	ticks, conns, err := e.cfg.Market.Stream(ctx, []string{symbol})
	if err != nil {
		cancel()
		e.wg.Add(-n)
		e.log.Warn("watchlist: streaming a new symbol", "symbol", symbol, "err", err)
		return
	}
	w.feeds[symbol] = cancel
	go e.forwardFeed(ctx, ticks, conns)
	if books {
		go e.bookLoop(ctx, bd, []string{symbol})
	}
}

// adoptStreams takes over Run's connected market stream, on the lifecycle loop: from now on
// Watch and Unwatch edit the running streams. Symbols watched after Run read the watchlist
// get their own stream; symbols unwatched meanwhile leave the stream (or are ignored when the
// market cannot edit it). The accounts' order streams start being read.
func (e *Engine) adoptStreams(up streamsUp) {
	w := &e.watch
	w.streamed = make(map[string]bool, len(up.symbols))
	for _, s := range up.symbols {
		w.streamed[s] = true
	}
	e.mu.Lock()
	e.bg = up.bg
	traders := []exchange.Trader{}
	for _, t := range e.live {
		traders = append(traders, t)
	}
	e.mu.Unlock()
	now := w.listLocked()
	var gone []string
	for _, s := range up.symbols {
		if !slices.Contains(now, s) {
			gone = append(gone, s)
		}
	}
	if ed, ok := e.cfg.Market.(exchange.StreamEditor); ok && len(gone) > 0 {
		if err := ed.EditStreams(up.bg, nil, gone); err == nil {
			for _, s := range gone {
				delete(w.streamed, s)
			}
		} else {
			e.log.Warn("watchlist: removing symbols from the running streams", "symbols", gone, "err", err)
		}
	}
	for _, s := range now {
		if !w.streamed[s] {
			e.streamNew(s)
		}
	}
	if e.cfg.Paper != nil {
		traders = append(traders, e.cfg.Paper)
	}
	for _, t := range traders {
		e.watchStream(t)
	}
}

// forwardFeed hands an extra stream's ticks to Run, so every tick is still handled on Run's
// goroutine, in order.
func (e *Engine) forwardFeed(ctx context.Context, ticks <-chan exchange.Tick, conns <-chan exchange.ConnEvent) {
	defer e.wg.Done()
	for ticks != nil || conns != nil {
		select {
		case t, ok := <-ticks:
			if !ok {
				ticks = nil
				continue
			}
			select {
			case e.watch.extra <- t:
			case <-ctx.Done():
			}
		case c, ok := <-conns:
			if !ok {
				conns = nil
				continue
			}
			if c.Err != nil {
				e.log.Debug("watchlist: extra stream", "state", c.State, "err", c.Err)
			}
		}
	}
}

// allBots lists the bots.
func (e *Engine) allBots() []*bot {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*bot, 0, len(e.bots))
	for _, b := range e.bots {
		out = append(out, b)
	}
	return out
}

// forget drops a symbol's cached candle history.
func (h *history) forget(symbol string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.entries {
		if k.symbol == symbol {
			delete(h.entries, k)
		}
	}
}
