package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine/journal"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/store"
)

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

var btcRules = exchange.Rules{
	Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
	TickSize: d("0.01"), StepSize: d("0.00001"), MinQty: d("0.00001"), MinNotional: d("5"),
}

// testMarket is a market fed by the test.
type testMarket struct {
	ticks chan exchange.Tick
	conns chan exchange.ConnEvent
	rules map[string]exchange.Rules
}

func newTestMarket() *testMarket {
	return &testMarket{ticks: make(chan exchange.Tick, 1024), conns: make(chan exchange.ConnEvent, 16),
		rules: map[string]exchange.Rules{"BTCUSDT": btcRules}}
}

func (m *testMarket) Stream(ctx context.Context, _ []string) (<-chan exchange.Tick, <-chan exchange.ConnEvent, error) {
	ticks := make(chan exchange.Tick)
	conns := make(chan exchange.ConnEvent)
	go func() {
		defer close(ticks)
		defer close(conns)
		for {
			select {
			case <-ctx.Done():
				return
			case t := <-m.ticks:
				select {
				case ticks <- t:
				case <-ctx.Done():
					return
				}
			case c := <-m.conns:
				select {
				case conns <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ticks, conns, nil
}

func (m *testMarket) Candles(context.Context, string, time.Duration, int) ([]exchange.Candle, error) {
	return nil, nil
}

func (m *testMarket) Rules(_ context.Context, symbol string) (exchange.Rules, error) {
	r, ok := m.rules[symbol]
	if !ok {
		return r, fmt.Errorf("unknown symbol %s: %w", symbol, exchange.ErrFilter)
	}
	return r, nil
}

// fault is a scripted failure of the next placement.
type fault int

const (
	faultNone        fault = iota
	faultDropAfter         // accept the order, then lose the response
	faultDropBefore        // lose the request: nothing placed, ambiguous error
	faultReject            // a definite rejection
	faultLookupFails       // GetOrder fails ambiguously (once per scripted entry)
)

// memExchange is an in-memory exchange: market orders fill at once at the last price, limit
// orders rest until a tick crosses them. It counts new-order requests per client id.
type memExchange struct {
	mu       sync.Mutex
	orders   map[string]*exchange.Order
	fills    map[string][]exchange.Fill
	placed   map[string]int // accepted new orders per client id
	requests int
	faults   []fault
	lookups  []fault
	last     decimal.Decimal
	nextID   int64
	trade    int64
	fee      decimal.Decimal
	onPlace  func(req exchange.OrderRequest) // called at the start of PlaceOrder
}

func newMemExchange() *memExchange {
	return &memExchange{orders: map[string]*exchange.Order{}, fills: map[string][]exchange.Fill{}, placed: map[string]int{}, last: d("100")}
}

func (x *memExchange) script(f ...fault) {
	x.mu.Lock()
	x.faults = append(x.faults, f...)
	x.mu.Unlock()
}

func (x *memExchange) scriptLookups(f ...fault) {
	x.mu.Lock()
	x.lookups = append(x.lookups, f...)
	x.mu.Unlock()
}

func (x *memExchange) PlaceOrder(_ context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	if x.onPlace != nil {
		x.onPlace(req)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.requests++
	f := faultNone
	if len(x.faults) > 0 {
		f, x.faults = x.faults[0], x.faults[1:]
	}
	switch f {
	case faultDropBefore:
		return exchange.Order{}, fmt.Errorf("placing: connection reset: %w", exchange.ErrAmbiguous)
	case faultReject:
		return exchange.Order{}, &exchange.APIError{Code: -2010, Msg: "Account has insufficient balance", Kind: exchange.ErrInsufficientBalance}
	}
	if _, dup := x.orders[req.ClientID]; dup {
		return exchange.Order{}, &exchange.APIError{Code: -2010, Msg: "Duplicate order sent.", Kind: exchange.ErrRejected}
	}
	x.nextID++
	o := &exchange.Order{ClientID: req.ClientID, ExchangeID: x.nextID, Symbol: req.Symbol, Side: req.Side, Type: req.Type,
		Status: exchange.StatusNew, Price: req.Price, Quantity: req.Quantity}
	x.orders[req.ClientID] = o
	x.placed[req.ClientID]++
	if req.Type == exchange.Market {
		qty := req.Quantity
		if req.QuoteQty.IsPos() {
			qty, _ = req.QuoteQty.Quo(x.last)
			qty = qty.Trunc(5)
			o.Quantity = qty
		}
		x.fillLocked(o, qty, x.last)
	}
	if f == faultDropAfter {
		return exchange.Order{}, fmt.Errorf("placing: read timeout: %w", exchange.ErrAmbiguous)
	}
	return x.copyLocked(o), nil
}

func (x *memExchange) fillLocked(o *exchange.Order, qty, price decimal.Decimal) {
	x.trade++
	fee, _ := qty.Mul(price)
	fee, _ = fee.Mul(x.fee)
	f := exchange.Fill{TradeID: x.trade, ClientID: o.ClientID, Symbol: o.Symbol, Side: o.Side, Price: price, Qty: qty, Fee: fee, FeeAsset: "USDT", Time: time.Now().UTC()}
	x.fills[o.ClientID] = append(x.fills[o.ClientID], f)
	o.ExecutedQty, _ = o.ExecutedQty.Add(qty)
	v, _ := qty.Mul(price)
	o.QuoteQty, _ = o.QuoteQty.Add(v)
	o.Fills = append(o.Fills, f)
	if o.ExecutedQty.Cmp(o.Quantity) >= 0 {
		o.Status = exchange.StatusFilled
	} else {
		o.Status = exchange.StatusPartiallyFilled
	}
}

func (x *memExchange) copyLocked(o *exchange.Order) exchange.Order {
	c := *o
	c.Fills = append([]exchange.Fill(nil), o.Fills...)
	return c
}

// OnTick fills resting limit orders the price crossed.
func (x *memExchange) OnTick(t exchange.Tick) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := strategy.RefPrice(t)
	if !p.IsPos() {
		return
	}
	x.last = p
	for _, o := range x.orders {
		if o.Status.Final() || o.Type != exchange.Limit {
			continue
		}
		if (o.Side == exchange.Buy && p.Cmp(o.Price) <= 0) || (o.Side == exchange.Sell && p.Cmp(o.Price) >= 0) {
			left, _ := o.Quantity.Sub(o.ExecutedQty)
			x.fillLocked(o, left, o.Price)
		}
	}
}

func (x *memExchange) CancelOrder(_ context.Context, _, clientID string) (exchange.Order, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	o := x.orders[clientID]
	if o == nil || o.Status.Final() {
		return exchange.Order{}, &exchange.APIError{Code: -2011, Msg: "Unknown order sent.", Kind: exchange.ErrUnknownOrder}
	}
	o.Status = exchange.StatusCanceled
	return x.copyLocked(o), nil
}

func (x *memExchange) GetOrder(_ context.Context, _, clientID string) (exchange.Order, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.lookups) > 0 {
		f := x.lookups[0]
		x.lookups = x.lookups[1:]
		if f == faultLookupFails {
			return exchange.Order{}, fmt.Errorf("looking up: 502 bad gateway: %w", exchange.ErrAmbiguous)
		}
	}
	o := x.orders[clientID]
	if o == nil {
		return exchange.Order{}, &exchange.APIError{Code: -2013, Msg: "Order does not exist.", Kind: exchange.ErrUnknownOrder}
	}
	c := x.copyLocked(o)
	c.Fills = nil // like Binance: GET /order carries no fills
	return c, nil
}

func (x *memExchange) OpenOrders(_ context.Context, symbol string) ([]exchange.Order, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []exchange.Order
	for _, o := range x.orders {
		if !o.Status.Final() && (symbol == "" || o.Symbol == symbol) {
			c := x.copyLocked(o)
			c.Fills = nil
			out = append(out, c)
		}
	}
	return out, nil
}

func (x *memExchange) OrderFills(_ context.Context, _, clientID string) ([]exchange.Fill, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]exchange.Fill(nil), x.fills[clientID]...), nil
}

func (x *memExchange) Balances(context.Context) ([]exchange.Balance, error) {
	return []exchange.Balance{{Asset: "USDT", Free: d("10000")}}, nil
}

func (x *memExchange) order(clientID string) (exchange.Order, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	o, ok := x.orders[clientID]
	if !ok {
		return exchange.Order{}, false
	}
	return x.copyLocked(o), true
}

func (x *memExchange) placedCounts() map[string]int {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := map[string]int{}
	for k, v := range x.placed {
		out[k] = v
	}
	return out
}

// testDB opens a migrated store in a temporary directory.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := journal.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// fastLimits keep tests quick: short windows and backoffs, a generous rate.
func fastLimits() Limits {
	return Limits{OrdersPerSecond: 10000, Burst: 10000, InFlightWindow: 20 * time.Millisecond,
		ResolveBackoff: time.Millisecond, ResolveMaxBackoff: 5 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		SnapshotInterval: 5 * time.Millisecond, BalanceInterval: time.Hour}
}

type rig struct {
	e   *Engine
	db  *sql.DB
	mkt *testMarket
	x   *memExchange
}

func newRig(t testing.TB, db *sql.DB, x *memExchange) *rig {
	t.Helper()
	if db == nil {
		db = testDB(t)
	}
	if x == nil {
		x = newMemExchange()
	}
	m := newTestMarket()
	e, err := New(Config{DB: db, Market: m, ExchangeName: "sim", Symbols: []string{"BTCUSDT"}, Paper: x, Limits: fastLimits()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &rig{e: e, db: db, mkt: m, x: x}
}

// ticksHandled reports whether the tick goroutine has handled more than n ticks and every
// bot running on symbol has handled the latest tick handed to it (bots take ticks on their own
// loops, after the tick goroutine has moved on).
func ticksHandled(e *Engine, n uint64, symbol string) bool {
	if e.ticks.Load() <= n {
		return false
	}
	seq := e.tickSeq.Load()
	for _, b := range (*e.routes.Load())[symbol] {
		if b.seen.Load() < seq {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// answersRecorded waits until every journal write queued so far is committed and settled in memory.
// An order's answer is staged, not waited for (the order path goes on, and its next send's
// commit carries the answer), so a test that reads the journal right after PlaceManual waits
// for it first.
func answersRecorded(t testing.TB, e *Engine) {
	t.Helper()
	if err := e.j.Write(context.Background(), func(*journal.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func orderState(t testing.TB, db *sql.DB, clientID string) OrderState {
	t.Helper()
	var s string
	if err := db.QueryRow(`SELECT state FROM orders WHERE client_id = ?`, clientID).Scan(&s); err != nil {
		t.Fatalf("order %s: %v", clientID, err)
	}
	return OrderState(s)
}
