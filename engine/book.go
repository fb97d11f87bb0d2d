package engine

import (
	"sync"

	"github.com/quantdeck/quantdeck/exchange"
)

// TradeHistory is how many recent public trades the engine keeps per watched symbol.
const TradeHistory = 100

// tape is a ring of a symbol's recent public trades, written on the tick path without
// allocating. It is guarded by marketState.mu.
type tape struct {
	ring [TradeHistory]exchange.Trade
	next int // where the next trade goes
	n    int // how many are set
}

func (tp *tape) add(tr exchange.Trade) {
	tp.ring[tp.next] = tr
	tp.next = (tp.next + 1) % TradeHistory
	tp.n = min(tp.n+1, TradeHistory)
}

// appendNewest appends the trades newest first.
func (tp *tape) appendNewest(dst []exchange.Trade) []exchange.Trade {
	for i := 1; i <= tp.n; i++ {
		dst = append(dst, tp.ring[(tp.next-i+TradeHistory)%TradeHistory])
	}
	return dst
}

// tradeOf returns the public trade a tick carries, if any.
func tradeOf(t exchange.Tick) (exchange.Trade, bool) {
	if !t.Last.IsPos() || !t.Qty.IsPos() {
		return exchange.Trade{}, false
	}
	return exchange.Trade{Symbol: t.Symbol, ID: t.TradeID, Price: t.Last, Qty: t.Qty, Taker: t.Taker, Time: t.Time}, true
}

// bookStore keeps the latest order book of each watched symbol. Books arrive on their own
// goroutine, never on the tick path; each slot has its own lock so writing one symbol's book
// never waits for a reader of another.
type bookStore struct {
	mu    sync.RWMutex // guards the map, not the slots
	slots map[string]*bookSlot
}

type bookSlot struct {
	mu   sync.Mutex
	book exchange.Book
	set  bool
}

func newBookStore(symbols []string) *bookStore {
	s := &bookStore{slots: make(map[string]*bookSlot, len(symbols))}
	for _, sym := range symbols {
		s.slots[sym] = &bookSlot{}
	}
	return s
}

// put stores b when its symbol is watched; it copies b and allocates nothing.
func (s *bookStore) put(b *exchange.Book) bool {
	s.mu.RLock()
	slot := s.slots[b.Symbol]
	s.mu.RUnlock()
	if slot == nil {
		return false
	}
	slot.mu.Lock()
	slot.book = *b
	slot.set = true
	slot.mu.Unlock()
	return true
}

// get copies a symbol's latest book into dst.
func (s *bookStore) get(symbol string, dst *exchange.Book) bool {
	s.mu.RLock()
	slot := s.slots[symbol]
	s.mu.RUnlock()
	if slot == nil {
		return false
	}
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if !slot.set {
		return false
	}
	*dst = slot.book
	return true
}

func (s *bookStore) watch(symbol string) {
	s.mu.Lock()
	if s.slots[symbol] == nil {
		s.slots[symbol] = &bookSlot{}
	}
	s.mu.Unlock()
}

func (s *bookStore) unwatch(symbol string) {
	s.mu.Lock()
	delete(s.slots, symbol)
	s.mu.Unlock()
}

// OrderBook returns the latest order book of a watched symbol (up to exchange.BookDepth
// levels a side, best first) as a value; ok is false before the first book arrived, for a
// symbol that is not watched, and when the market offers no books. It allocates nothing, so
// the cockpit may call it on every frame for the symbol it shows.
func (e *Engine) OrderBook(symbol string) (book exchange.Book, ok bool) {
	ok = e.books.get(symbol, &book)
	return book, ok
}

// Trades appends a watched symbol's recent public trades to dst[:0], newest first, at most
// TradeHistory of them. With cap(dst) >= TradeHistory it allocates nothing.
func (e *Engine) Trades(symbol string, dst []exchange.Trade) []exchange.Trade {
	dst = dst[:0]
	e.mkt.mu.Lock()
	defer e.mkt.mu.Unlock()
	if p := e.mkt.prices[symbol]; p != nil {
		dst = p.tape.appendNewest(dst)
	}
	return dst
}
