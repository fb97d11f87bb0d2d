package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/tui/internal/fixture"
	"github.com/quantdeck/quantdeck/vault"
)

// fakeEngine is a common.Engine whose events the test controls; it records calls.
type fakeEngine struct {
	mu     sync.Mutex
	events chan engine.Event
	snap   engine.Snapshot
	calls  []string
	err    error // returned by every call when set
	valErr error
	rules  exchange.Rules
	placed []engine.ManualOrder
	added  []engine.BotConfig
	// updated is every configuration UpdateBot was called with.
	updated []engine.BotConfig
	// killReason is the reason the kill switch was engaged with.
	killReason string
	// tapeReads counts the reads of the trades tape.
	tapeReads int
}

func newFakeEngine(snap engine.Snapshot) *fakeEngine {
	return &fakeEngine{events: make(chan engine.Event, 64), snap: snap, rules: exchange.Rules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Status: "TRADING",
		TickSize: decimal.MustParse("0.01"), StepSize: decimal.MustParse("0.00001"),
		MinQty: decimal.MustParse("0.00001"), MinNotional: decimal.MustParse("5"),
	}}
}

func (f *fakeEngine) record(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	return f.err
}

func (f *fakeEngine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeEngine) Subscribe(ctx context.Context) <-chan engine.Event {
	_ = f.record("Subscribe")
	return f.events
}
func (f *fakeEngine) Snapshot() engine.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}
func (f *fakeEngine) AddBot(_ context.Context, cfg engine.BotConfig) error {
	f.mu.Lock()
	f.added = append(f.added, cfg)
	f.mu.Unlock()
	return f.record("AddBot %s", cfg.Name)
}
func (f *fakeEngine) UpdateBot(_ context.Context, cfg engine.BotConfig) error {
	f.mu.Lock()
	f.updated = append(f.updated, cfg)
	f.mu.Unlock()
	return f.record("UpdateBot %s", cfg.Name)
}
func (f *fakeEngine) RemoveBot(_ context.Context, name string) error {
	if err := f.record("RemoveBot %s", name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	bots := slices.Clone(f.snap.Bots)
	f.snap.Bots = slices.DeleteFunc(bots, func(b engine.BotView) bool { return b.Config.Name == name })
	return nil
}
func (f *fakeEngine) StartBot(_ context.Context, name string) error {
	return f.record("StartBot %s", name)
}
func (f *fakeEngine) StopBot(_ context.Context, name string) error {
	return f.record("StopBot %s", name)
}
func (f *fakeEngine) ValidateBot(_ context.Context, cfg engine.BotConfig) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.valErr
}
func (f *fakeEngine) Orders(_ context.Context, flt engine.OrderFilter) ([]engine.OrderView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.OrderView
	for _, o := range f.snap.Orders {
		if flt.Bot == "" || o.Bot == flt.Bot {
			out = append(out, o)
		}
	}
	return out, nil
}
func (f *fakeEngine) Fills(_ context.Context, bot string, _ int) ([]engine.FillView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.FillView
	for _, x := range f.snap.Fills {
		if x.Bot == bot {
			out = append(out, x)
		}
	}
	return out, nil
}
func (f *fakeEngine) BotEvents(_ context.Context, bot string, _ int) ([]engine.BotEvent, error) {
	return []engine.BotEvent{{Bot: bot, Time: fixedNow, Level: "info", Message: "started"}}, nil
}
func (f *fakeEngine) Candles(symbol string) []exchange.Candle { return testCandles(40) }
func (f *fakeEngine) Trades(symbol string, dst []exchange.Trade) []exchange.Trade {
	f.mu.Lock()
	f.tapeReads++
	f.mu.Unlock()
	return fixture.TradesInto(symbol, 30, dst)
}

// OrderBook serves a book of ten levels a side around the symbol's fixture price, as the
// simulated market keeps one for every watched symbol.
func (f *fakeEngine) OrderBook(symbol string) (exchange.Book, bool) {
	b := exchange.Book{Symbol: symbol, Time: fixedNow, NAsks: 10, NBids: 10}
	for i := 0; i < 10; i++ {
		b.Asks[i] = exchange.Level{Price: decimal.MustNew(int64(6412346+i), 2), Qty: decimal.MustNew(int64(15+i), 3)}
		b.Bids[i] = exchange.Level{Price: decimal.MustNew(int64(6412344-i), 2), Qty: decimal.MustNew(int64(20+i), 3)}
	}
	return b, true
}

func (f *fakeEngine) Rules(_ context.Context, symbol string) (exchange.Rules, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rules
	r.Symbol = symbol
	return r, nil
}
func (f *fakeEngine) PlaceManual(_ context.Context, o engine.ManualOrder) (engine.OrderView, error) {
	f.mu.Lock()
	f.placed = append(f.placed, o)
	f.mu.Unlock()
	err := f.record("PlaceManual %s %s %s %s %s", o.Side, o.Type, o.Quantity, o.Symbol, o.Price)
	return engine.OrderView{Symbol: o.Symbol, Side: o.Side, Quantity: o.Quantity, State: engine.OrderAcked, Mode: o.Mode}, err
}
func (f *fakeEngine) Cancel(_ context.Context, id string) error { return f.record("Cancel %s", id) }
func (f *fakeEngine) EngageKillSwitch(_ context.Context, reason string) error {
	f.mu.Lock()
	f.killReason = reason
	f.mu.Unlock()
	return f.record("EngageKillSwitch")
}
func (f *fakeEngine) ReleaseKillSwitch(context.Context) error { return f.record("ReleaseKillSwitch") }

// fakeVault is a Vault that keeps everything in memory.
type fakeVault struct {
	mu       sync.Mutex
	exists   bool
	unlocked bool
	pass     string
	attempts int
	creds    []vault.Credential
	lastPass []byte // the slice Unlock received, to check it was zeroed
}

func (v *fakeVault) Exists(context.Context) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.exists, nil
}
func (v *fakeVault) Create(_ context.Context, pass []byte, _ int) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(pass) < vault.MinPassphraseLen {
		return vault.ErrPassphraseTooShort
	}
	v.exists, v.unlocked, v.pass = true, true, string(pass)
	return nil
}
func (v *fakeVault) Unlock(_ context.Context, pass []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lastPass = pass
	if string(pass) != v.pass {
		v.attempts++
		return &vault.WrongPassphraseError{Attempts: v.attempts, Delay: 500 * time.Millisecond << (v.attempts - 1)}
	}
	v.unlocked = true
	return nil
}
func (v *fakeVault) Unlocked() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.unlocked
}
func (v *fakeVault) Credentials(context.Context) ([]vault.Credential, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]vault.Credential(nil), v.creds...), nil
}
func (v *fakeVault) AddCredential(_ context.Context, label, exch string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range v.creds {
		if c.Label == label && c.Active() {
			return vault.Credential{}, vault.ErrLabelExists
		}
	}
	c := vault.Credential{ID: int64(len(v.creds) + 1), Label: label, Exchange: exch, CreatedAt: fixedNow, Perms: perms}
	v.creds = append(v.creds, c)
	return c, nil
}
func (v *fakeVault) RotateCredential(_ context.Context, label string, key, secret []byte, perms exchange.Permissions) (vault.Credential, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, c := range v.creds {
		if c.Label == label && c.Active() {
			t := fixedNow
			v.creds[i].RetiredAt = &t
			nc := vault.Credential{ID: int64(len(v.creds) + 1), Label: label, Exchange: c.Exchange, CreatedAt: fixedNow, Perms: perms}
			v.creds = append(v.creds, nc)
			return nc, nil
		}
	}
	return vault.Credential{}, vault.ErrNoCredential
}
func (v *fakeVault) AddServiceKey(ctx context.Context, label, service string, key []byte) (vault.Credential, error) {
	c, err := v.AddCredential(ctx, label, service, key, nil, exchange.Permissions{Note: "service key"})
	return c, err
}
func (v *fakeVault) RotateServiceKey(ctx context.Context, label string, key []byte) (vault.Credential, error) {
	return v.RotateCredential(ctx, label, key, nil, exchange.Permissions{Note: "service key"})
}
func (v *fakeVault) ChangePassphrase(_ context.Context, oldPass, newPass []byte, _ int) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if string(oldPass) != v.pass {
		v.attempts++
		return &vault.WrongPassphraseError{Attempts: v.attempts, Delay: time.Second}
	}
	v.pass = string(newPass)
	return nil
}

// fakeChecker answers permission checks with fixed permissions.
type fakeChecker struct {
	perms exchange.Permissions
	err   error
	got   []string
}

func (c *fakeChecker) CheckPermissions(_ context.Context, key, secret []byte) (exchange.Permissions, error) {
	c.got = append(c.got, string(key))
	return c.perms, c.err
}

var errBoom = errors.New("boom")

// fixedNow is the clock of every test: goldens do not change with the time of day.
var fixedNow = fixture.Now

func d(s string) decimal.Decimal { return fixture.D(s) }

func testSnapshot(nSym, nBots, logN int) engine.Snapshot { return fixture.Snapshot(nSym, nBots, logN) }

func testCandles(n int) []exchange.Candle { return fixture.Candles(n) }
