package paper

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// Defaults for Options.
var (
	DefaultFeeRate       = decimal.MustParse("0.001") // 0.1%, Binance spot's base rate
	DefaultStartingQuote = decimal.MustNew(10000, 0)  // USDT
)

// DefaultName is the account name when Options.Name is empty.
const DefaultName = "paper"

// Options configure a paper account.
type Options struct {
	Name  string            // account name (DefaultName when empty); balances and orders are per name
	Rules exchange.RuleBook // symbol rules, the same as the real exchange's; required
	// StartingBalances are credited when the account is created, never again (10000 USDT when
	// nil).
	StartingBalances map[string]decimal.Decimal
	FeeRate          decimal.Decimal // fee on what a fill receives; DefaultFeeRate when zero
	NoFee            bool            // trade without fees (FeeRate is then ignored)
	Clock            clock.Clock     // stamps orders and fills (the system clock when nil)
	// Logger receives problems OnTick cannot return, such as a failed save; nothing when nil.
	Logger *slog.Logger
	// OnUpdate, for NewMemory accounts only, receives every order change as it happens, with
	// the account's lock held: it must not call the account. The order's Fills are lent for
	// the call only: copy what is kept.
	OnUpdate func(exchange.Order)
	// ForgetFinal, for NewMemory accounts only, keeps no record of orders once they are
	// final: a replay that follows OnUpdate never asks about them, and a year of orders
	// need not be held. GetOrder and OrderFills then know only open orders, and the caller
	// must not reuse a client id (it cannot be checked).
	ForgetFinal bool
}

// balance is one asset's holdings.
type balance struct{ free, locked decimal.Decimal }

// order is an order with its symbol's assets and what it holds back while it rests.
type order struct {
	exchange.Order
	base, quote string
	lockAsset   string
	lockAmount  decimal.Decimal
}

// snapshot returns a copy that shares nothing with o.
func (o *order) snapshot() exchange.Order {
	out := o.Order
	out.Fills = slices.Clone(o.Fills)
	return out
}

// quote is the latest market state of one symbol.
type quote struct{ bid, ask, last decimal.Decimal }

// Account is a paper trading account. It implements exchange.Trader, exchange.FillLister and
// exchange.OrderStream, and takes prices through OnTick. Its methods are safe for concurrent
// use. Close stops it.
type Account struct {
	name  string
	db    *sql.DB
	rules exchange.RuleBook
	fee   decimal.Decimal
	clk   clock.Clock
	log   *slog.Logger

	life   context.Context // the writer's saves, which outlive any caller's context
	cancel context.CancelFunc
	upd    *updates
	w      *writer // saves changes in order, many to a commit; nil for a memory account

	// placeMu gives a saved account's placements turns: each looks its client id up in the
	// file before it takes mu (see place).
	placeMu sync.Mutex

	mu       sync.Mutex
	closed   bool // calls are refused
	stopped  bool // Close has run
	saveErr  error
	balances map[string]*balance
	open     map[string]*order   // resting orders by client id
	books    map[string]*book    // resting orders by symbol
	placing  map[string]struct{} // client ids of placements not saved yet
	prices   map[string]quote

	onUpdate func(exchange.Order)         // NewMemory: synchronous updates
	start    map[string]decimal.Decimal   // starting balances until the account is open
	mem      map[string]*memOrder         // NewMemory: every order by client id (db is nil)
	forget   bool                         // NewMemory: mem keeps open orders only (ForgetFinal)
	seq      struct{ order, trade int64 } // NewMemory: the last ids given
	hot      scratch                      // buffers the order path reuses (scratch.go)
}

// memOrder is an order of a memory account with its fills.
type memOrder struct {
	o     exchange.Order
	fills []exchange.Fill
}

// New opens the paper account opts.Name in db (a database opened with store.Open, which creates
// the paper_ tables), creating it with the starting balances when it does not exist yet.
func New(ctx context.Context, db *sql.DB, opts Options) (*Account, error) {
	if db == nil {
		return nil, errors.New("paper: no database")
	}
	a, err := newAccount(opts)
	if err != nil {
		return nil, err
	}
	a.db = db
	if err := a.load(ctx, a.start); err != nil {
		return nil, err
	}
	a.start = nil
	a.placing = make(map[string]struct{})
	a.w = newWriter()
	go a.writeLoop()
	return a, nil
}

// NewMemory opens a paper account that keeps everything in memory and saves nothing: the
// same matching, fills, fees and balances as New's, for replays (backtests) that must trade
// exactly as paper trading does without a database. Its orders are numbered from 1. When
// opts.OnUpdate is set, every order change is handed to it synchronously instead of the
// OrderUpdates stream.
func NewMemory(opts Options) (*Account, error) {
	a, err := newAccount(opts)
	if err != nil {
		return nil, err
	}
	a.balances = make(map[string]*balance, len(a.start))
	for asset, amount := range a.start {
		a.balances[asset] = &balance{free: amount}
	}
	a.start = nil
	a.mem = make(map[string]*memOrder)
	a.forget = opts.ForgetFinal
	return a, nil
}

// newAccount checks opts and builds an account with no balances yet.
func newAccount(opts Options) (*Account, error) {
	if opts.Rules == nil {
		return nil, errors.New("paper: no symbol rules; pass the market's RuleBook")
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if len(opts.Name) > 64 {
		return nil, fmt.Errorf("paper: account name %q is longer than 64 bytes", opts.Name)
	}
	switch {
	case opts.NoFee:
		opts.FeeRate = decimal.Zero
	case opts.FeeRate.IsZero():
		opts.FeeRate = DefaultFeeRate
	}
	if opts.FeeRate.IsNeg() || opts.FeeRate.Cmp(decimal.One) >= 0 {
		return nil, fmt.Errorf("paper: fee rate %s must be from 0 to below 1 (0.001 is 0.1%%)", opts.FeeRate)
	}
	if opts.StartingBalances == nil {
		opts.StartingBalances = map[string]decimal.Decimal{"USDT": DefaultStartingQuote}
	}
	for asset, amount := range opts.StartingBalances {
		if asset == "" || amount.IsNeg() {
			return nil, fmt.Errorf("paper: starting balance %q %s must name an asset and not be negative", asset, amount)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Account{
		name: opts.Name, rules: opts.Rules, fee: opts.FeeRate, clk: clock.Or(opts.Clock), log: opts.Logger,
		open: make(map[string]*order), books: make(map[string]*book), prices: make(map[string]quote),
		upd: newUpdates(), onUpdate: opts.OnUpdate, start: opts.StartingBalances,
	}
	a.life, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

func (a *Account) load(ctx context.Context, start map[string]decimal.Decimal) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("paper: opening account %s: %w", a.name, err)
	}
	defer tx.Rollback()
	if err := createAccount(ctx, tx, a.name, a.now(), start); err != nil {
		return fmt.Errorf("%w (was the database opened with store.Open?)", err)
	}
	if a.balances, err = loadBalances(ctx, tx, a.name); err != nil {
		return err
	}
	orders, err := loadOpenOrders(ctx, tx, a.name)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("paper: opening account %s: %w", a.name, err)
	}
	for _, o := range orders {
		a.rest(o)
	}
	return nil
}

// now is the account's time.
func (a *Account) now() time.Time { return a.clk.Now() }

// Name returns the account's name.
func (a *Account) Name() string { return a.name }

// Close stops the account: it saves every change still queued, then the update stream closes
// (changes not read from it by then are not delivered; GetOrder and OrderFills have them) and
// later calls fail with exchange.ErrUnavailable. It returns
// the failure of a save made while closing, if any (the changes it carried are then not in
// the file and were never reported). Close is idempotent.
func (a *Account) Close() error {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return nil
	}
	a.stopped, a.closed = true, true
	before := a.saveErr
	a.mu.Unlock()
	var err error
	if a.w != nil {
		a.w.stop()
		a.mu.Lock()
		if a.saveErr != before {
			err = a.saveErr
		}
		a.mu.Unlock()
	}
	a.cancel()
	a.upd.stop()
	return err
}

// Err returns the last failure to save a change, nil when every save has succeeded. A change is
// reported on OrderUpdates only once saved, so a failure loses nothing the engine was told:
// the account reloads what the file holds and, for a fill made on a tick, fills the order again
// on a later tick (a placement or cancellation returns the failure to its caller). Err lets a
// caller show that the account's file is failing.
func (a *Account) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.saveErr
}

// errClosed is returned by every call after Close.
var errClosed = fmt.Errorf("paper: account is closed: %w", exchange.ErrUnavailable)

// Balances returns every asset the account holds, by asset name.
func (a *Account) Balances(ctx context.Context) ([]exchange.Balance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errClosed
	}
	out := make([]exchange.Balance, 0, len(a.balances))
	for asset, b := range a.balances {
		if b.free.IsZero() && b.locked.IsZero() {
			continue
		}
		out = append(out, exchange.Balance{Asset: asset, Free: b.free, Locked: b.locked})
	}
	slices.SortFunc(out, func(x, y exchange.Balance) int { return cmp.Compare(x.Asset, y.Asset) })
	return out, nil
}

// OrderUpdates returns the stream of order changes: every placement, fill, cancellation and
// expiry, each with the fills that caused it. A saved account reports a change only once it is
// in the file, so whatever the stream says survives a crash. Nothing is dropped while the account is open:
// changes queue without bound inside the account until read, so a reader must keep reading.
// The channel closes on Close. All calls return the same channel; changes made before the
// first call are not queued (GetOrder and OrderFills remain the source of truth).
func (a *Account) OrderUpdates() <-chan exchange.Order {
	return a.upd.subscribe()
}

// balance returns the holdings of asset (zero when none).
func (a *Account) balance(asset string) balance {
	if b, ok := a.balances[asset]; ok {
		return *b
	}
	return balance{}
}

// ledger collects the new balances of a change, so a change that turns out not to be possible
// (missing funds) leaves the account as it was.
type ledger map[string]balance

func (l ledger) get(a *Account, asset string) balance {
	if b, ok := l[asset]; ok {
		return b
	}
	return a.balance(asset)
}

// credit adds amount to the free balance of asset.
func (l ledger) credit(a *Account, asset string, amount decimal.Decimal) error {
	b := l.get(a, asset)
	free, err := b.free.Add(amount)
	if err != nil {
		return fmt.Errorf("paper: %s balance overflows: %w", asset, exchange.ErrRejected)
	}
	b.free = free
	l[asset] = b
	return nil
}

// debit takes amount from the free balance of asset, refusing to go below zero.
func (l ledger) debit(a *Account, asset string, amount decimal.Decimal) error {
	b := l.get(a, asset)
	if b.free.Cmp(amount) < 0 {
		return a.shortfall(asset, amount, b.free)
	}
	free, err := b.free.Sub(amount)
	if err != nil {
		return fmt.Errorf("paper: %s balance: %w", asset, exchange.ErrRejected)
	}
	b.free = free
	l[asset] = b
	return nil
}

// lock moves amount of asset from free to locked.
func (l ledger) lock(a *Account, asset string, amount decimal.Decimal) error {
	if err := l.debit(a, asset, amount); err != nil {
		return err
	}
	b := l[asset]
	locked, err := b.locked.Add(amount)
	if err != nil {
		return fmt.Errorf("paper: %s balance overflows: %w", asset, exchange.ErrRejected)
	}
	b.locked = locked
	l[asset] = b
	return nil
}

// unlock takes amount of asset out of locked; with release it returns to free, otherwise it
// is spent.
func (l ledger) unlock(a *Account, asset string, amount decimal.Decimal, release bool) error {
	b := l.get(a, asset)
	locked, err := b.locked.Sub(amount)
	if err != nil || locked.IsNeg() {
		return fmt.Errorf("paper: %s locked %s cannot release %s: %w", asset, b.locked, amount, exchange.ErrRejected)
	}
	b.locked = locked
	l[asset] = b
	if release {
		return l.credit(a, asset, amount)
	}
	return nil
}

// save writes the ledger's balances in tx.
func (l ledger) save(ctx context.Context, tx *sql.Tx, account string) error {
	for asset, b := range l {
		if err := putBalance(ctx, tx, account, asset, b); err != nil {
			return err
		}
	}
	return nil
}

// apply makes the saved balances the account's.
func (l ledger) apply(a *Account) {
	for asset, b := range l {
		if p := a.balances[asset]; p != nil {
			*p = b // in place: an order need not allocate its balances anew
			continue
		}
		nb := b
		a.balances[asset] = &nb
	}
}
