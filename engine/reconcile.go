package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/quantdeck/quantdeck/exchange"
)

// allSymbolsAt is the number of symbols from which one open-orders listing for every symbol
// costs less than one per symbol: Binance weighs the first 80 and each of the others 6 (a
// lookup by client id weighs 4).
const allSymbolsAt = 80/6 + 1

// reconcile settles every open row not being placed with the exchange, as Resume needs before
// any bot runs. One open-orders listing per account and symbol settles every row it shows (the
// order is on the book: acknowledged or partly filled); only the rows it does not show (filled,
// cancelled, never placed, or a request still in flight) are looked up one by one, by lookup,
// which keeps the in-flight rule (unknownFinalAt). An account whose listing or lookups fail is
// blocked: its rows wait for the next Resume, and the error says why.
func (e *Engine) reconcile(ctx context.Context) (blocked map[account]error, errs []error, err error) {
	bySymbol := map[account]map[string][]*orderRec{}
	for _, rec := range e.openFor(func(r *orderRec) bool { return !r.busy }) {
		acc := account{rec.Mode, rec.KeyLabel}
		if bySymbol[acc] == nil {
			bySymbol[acc] = map[string][]*orderRec{}
		}
		bySymbol[acc][rec.Symbol] = append(bySymbol[acc][rec.Symbol], rec)
	}
	blocked = map[account]error{}
	block := func(acc account, rec *orderRec, err error) {
		blocked[acc] = err
		errs = append(errs, fmt.Errorf("reconciling %s orders: %w", acc.mode, err))
		e.event(rec.Bot, "error", "cannot reconcile order %s yet: %v", rec.ClientID, err)
	}
	for _, acc := range sortedAccounts(bySymbol) {
		groups := bySymbol[acc]
		first := anyRec(groups)
		tr, err := e.trader(acc.mode, acc.label)
		if err != nil {
			block(acc, first, err)
			continue
		}
		book, err := e.listOpen(ctx, tr, groups)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			block(acc, first, err)
			continue
		}
		var listed []exchange.Order
		var listedRecs, rest []*orderRec
		for _, sym := range sortedKeys(groups) {
			for _, rec := range groups[sym] {
				if o, ok := book[rec.ClientID]; ok {
					listed, listedRecs = append(listed, o), append(listedRecs, rec)
				} else {
					rest = append(rest, rec)
				}
			}
		}
		// Everything the listing settles is written in one group of journal writes.
		for i, err := range e.applyOrders(ctx, tr, listed) {
			if err != nil && blocked[acc] == nil {
				block(acc, listedRecs[i], err)
			}
		}
		for _, rec := range rest {
			if blocked[acc] != nil {
				break
			}
			if err := e.lookup(ctx, tr, rec, true); err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				block(acc, rec, err)
			}
		}
	}
	return blocked, errs, nil
}

// listOpen returns the account's open orders by client id: one listing per symbol, or one for
// every symbol when that weighs less.
func (e *Engine) listOpen(ctx context.Context, tr exchange.Trader, groups map[string][]*orderRec) (map[string]exchange.Order, error) {
	symbols := sortedKeys(groups)
	if len(symbols) >= allSymbolsAt {
		symbols = []string{""}
	}
	book := map[string]exchange.Order{}
	for _, sym := range symbols {
		if err := e.limiter.wait(ctx, tr); err != nil {
			return nil, err
		}
		callCtx, cancel := context.WithTimeout(ctx, e.lim.CallTimeout)
		list, err := tr.OpenOrders(callCtx, sym)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("listing open orders: %w", err)
		}
		for _, o := range list {
			if o.ClientID != "" {
				book[o.ClientID] = o
			}
		}
	}
	return book, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedAccounts[V any](m map[account]V) []account {
	out := make([]account, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].mode != out[j].mode {
			return out[i].mode < out[j].mode
		}
		return out[i].label < out[j].label
	})
	return out
}

// anyRec is the first row of the first symbol: the one an account-wide failure is reported on.
func anyRec(groups map[string][]*orderRec) *orderRec {
	return groups[sortedKeys(groups)[0]][0]
}
