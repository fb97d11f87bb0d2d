package engine

import (
	"context"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// marksInterval is how often the watchlist's last prices are saved while Run runs.
const marksInterval = time.Minute

// priceResumer is a market that can continue from given prices (the simulated market).
type priceResumer interface {
	ContinueFrom(prices map[string]decimal.Decimal)
}

// resumeMarket hands the market the last prices an earlier run saved.
func (e *Engine) resumeMarket(ctx context.Context) {
	r, ok := e.cfg.Market.(priceResumer)
	if !ok {
		return
	}
	var saved map[string]string
	found, err := getSetting(ctx, e.cfg.DB, settingLastPrices, &saved)
	if err != nil {
		e.log.Warn("reading the last prices", "err", err)
		return
	}
	if !found {
		return
	}
	prices := make(map[string]decimal.Decimal, len(saved))
	for sym, v := range saved {
		if p, err := decimal.Parse(v); err == nil && p.IsPos() {
			prices[sym] = p
		}
	}
	r.ContinueFrom(prices)
	e.log.Info("market continues from the last prices seen", "symbols", len(prices))
}

// marksLoop saves the last prices every marksInterval until ctx ends.
func (e *Engine) marksLoop(ctx context.Context) {
	defer e.wg.Done()
	for e.waitFor(ctx, marksInterval) {
		e.saveMarks()
	}
}

// saveMarks records the watchlist's last prices, merged into what earlier runs saved so a
// symbol watched then keeps its price.
func (e *Engine) saveMarks() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := e.mkt.lastPrices()
	if len(now) == 0 {
		return
	}
	saved := map[string]string{}
	if _, err := getSetting(ctx, e.cfg.DB, settingLastPrices, &saved); err != nil {
		e.log.Warn("reading the last prices", "err", err)
	}
	if saved == nil {
		saved = map[string]string{}
	}
	for s, p := range now {
		saved[s] = p.String()
	}
	if err := putSettings(ctx, e.cfg.DB, e.now(), map[string]any{settingLastPrices: saved}); err != nil {
		e.log.Warn("saving the last prices", "err", err)
	}
}

// bookLoop stores the books of symbols until ctx ends. It runs beside Run's tick loop, so
// books never delay a tick.
func (e *Engine) bookLoop(ctx context.Context, bd exchange.BookData, symbols []string) {
	defer e.wg.Done()
	books, events, err := bd.StreamBooks(ctx, symbols)
	if err != nil {
		e.log.Warn("order books are unavailable", "err", err)
		return
	}
	for books != nil || events != nil {
		select {
		case b, ok := <-books:
			if !ok {
				books = nil
				continue
			}
			if e.books.put(&b) {
				e.booksDirty.Store(true)
			}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Err != nil {
				e.log.Debug("order book stream", "state", ev.State, "err", ev.Err)
			}
		}
	}
}
