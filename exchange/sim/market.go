package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// Defaults for Options.
const (
	DefaultTickRate = 4.0 // ticks per second per symbol at speed 1
	// MaxSpeed bounds Options.Speed (a simulated day in under a tenth of a second) so
	// simulated timestamps stay far inside time.Time's range.
	MaxSpeed   = 1e6
	tickBuffer = 256
	maxWait    = 25 * time.Millisecond // re-reads the clock at least this often
	minWait    = time.Millisecond
)

// Options configure a simulated market.
type Options struct {
	Symbols []string // symbols prepared up front (optional: Stream accepts any valid pair)
	Seed    int64    // the same seed gives the same ticks
	// Speed multiplies simulated time: 1 is real time (the default), 3600 plays an hour per
	// second, up to MaxSpeed. Prices move by simulated time, so a faster market also moves
	// further per wall-clock second.
	Speed float64
	// TickRate is ticks per second per symbol at speed 1 (DefaultTickRate when zero).
	TickRate float64
	// Clock paces the stream and stamps ticks (the system clock when nil), so a test can drive
	// the market with a fake clock.
	Clock clock.Clock
	// Manual turns the random walk off: ticks come only from Push and PushTick.
	Manual bool
}

// Market is a simulated exchange market. It implements exchange.MarketData, exchange.History
// and exchange.RuleBook. Its methods are safe for concurrent use.
type Market struct {
	opts  Options
	start time.Time // origin of both the wall clock and the simulated clock

	mu   sync.Mutex
	syms map[string]*symState
	subs map[*subscriber]struct{} // manual-mode streams
}

// New returns a simulated market. Invalid symbols in opts.Symbols are ignored here and
// reported by Stream or Rules when asked for.
func New(opts Options) *Market {
	if opts.Speed <= 0 || math.IsNaN(opts.Speed) {
		opts.Speed = 1
	}
	opts.Speed = min(opts.Speed, MaxSpeed)
	if opts.TickRate <= 0 || math.IsNaN(opts.TickRate) || math.IsInf(opts.TickRate, 0) {
		opts.TickRate = DefaultTickRate
	}
	opts.Clock = clock.Or(opts.Clock)
	m := &Market{
		opts: opts,
		syms: make(map[string]*symState),
		subs: make(map[*subscriber]struct{}),
	}
	m.start = m.now()
	for _, s := range opts.Symbols {
		_, _ = m.symbol(s)
	}
	return m
}

// Name returns "sim".
func (m *Market) Name() string { return "sim" }

func (m *Market) now() time.Time { return m.opts.Clock.Now().UTC() }

// simTime maps a wall-clock time to simulated time.
func (m *Market) simTime(wall time.Time) time.Time {
	elapsed := wall.Sub(m.start).Seconds() * m.opts.Speed
	return m.start.Add(time.Duration(elapsed * float64(time.Second)))
}

// horizon is how many tick periods of simulated time have passed at wall time now.
func (m *Market) horizon(now time.Time) float64 {
	return now.Sub(m.start).Seconds() * m.opts.Speed * m.opts.TickRate
}

// tickTime is the simulated time of tick k of s.
func (m *Market) tickTime(s *symState, k int64) time.Time {
	sec := (float64(k) + s.phase) / m.opts.TickRate
	return m.start.Add(time.Duration(sec * float64(time.Second)))
}

// symbol returns the state for a symbol, creating it on first use.
func (m *Market) symbol(name string) (*symState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.syms[name]; ok {
		return s, nil
	}
	sp, err := lookup(name)
	if err != nil {
		return nil, err
	}
	s := newSymState(name, sp, m.opts.Seed)
	m.syms[name] = s
	return s, nil
}

func (m *Market) symbols(names []string) ([]*symState, error) {
	if len(names) == 0 {
		return nil, errors.New("sim: no symbols to stream; set QUANTDECK_SYMBOLS")
	}
	seen := make(map[string]bool, len(names))
	out := make([]*symState, 0, len(names))
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		s, err := m.symbol(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Stream delivers ticks for symbols until ctx is cancelled, then closes both channels. It
// reports StreamLive first and StreamClosed last on the events channel. A reader that falls
// behind slows the simulated market down instead of losing ticks: the walk waits for it.
//
// Ticks carry simulated time. Concurrent streams of the same symbol share its walk, each
// receiving part of it; one stream per symbol is the intended use.
func (m *Market) Stream(ctx context.Context, symbols []string) (<-chan exchange.Tick, <-chan exchange.ConnEvent, error) {
	syms, err := m.symbols(symbols)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ticks := make(chan exchange.Tick, tickBuffer)
	events := make(chan exchange.ConnEvent, 2)
	events <- exchange.ConnEvent{State: exchange.StreamLive, Time: m.now()}

	var run func()
	if m.opts.Manual {
		sub := m.subscribe(syms)
		run = func() { m.forward(ctx, sub, ticks) }
	} else {
		m.fastForward(syms)
		run = func() { m.walk(ctx, syms, ticks) }
	}
	go func() {
		defer func() {
			events <- exchange.ConnEvent{State: exchange.StreamClosed, Err: ctx.Err(), Time: m.now()}
			close(ticks)
			close(events)
		}()
		run()
	}()
	return ticks, events, nil
}

// walk generates every tick that is due by the clock, in time order across symbols, then waits
// for the next one.
func (m *Market) walk(ctx context.Context, syms []*symState, out chan<- exchange.Tick) {
	dt := 1 / (m.opts.TickRate * secondsPerYear) // one tick period in years
	ticksPerDay := m.opts.TickRate * 86400
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		h := m.horizon(m.now())
		var next float64
		for {
			var due *symState
			next = math.Inf(1)
			for _, s := range syms {
				s.mu.Lock()
				pos := float64(s.k) + s.phase
				s.mu.Unlock()
				if pos < next {
					next, due = pos, s
				}
			}
			if due == nil || next > h {
				break
			}
			due.mu.Lock()
			t := due.advance(dt, m.tickTime(due, due.k), ticksPerDay)
			due.mu.Unlock()
			select {
			case out <- t:
			case <-ctx.Done():
				return
			}
		}
		wait := time.Duration((next - h) / (m.opts.Speed * m.opts.TickRate) * float64(time.Second))
		timer.Reset(min(max(wait, minWait), maxWait))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// fastForward skips the ticks that fell due while nobody streamed: time without a stream passes
// without moving the price, so the sequence of prices stays the seed's whenever a stream starts.
func (m *Market) fastForward(syms []*symState) {
	h := m.horizon(m.now())
	for _, s := range syms {
		s.mu.Lock()
		s.k = max(s.k, int64(math.Ceil(h-s.phase)))
		s.mu.Unlock()
	}
}

// subscriber is one manual-mode stream: Push hands ticks to in; done closes when it ends.
type subscriber struct {
	symbols map[string]bool
	in      chan exchange.Tick
	done    chan struct{}
}

func (m *Market) subscribe(syms []*symState) *subscriber {
	sub := &subscriber{
		symbols: make(map[string]bool, len(syms)),
		in:      make(chan exchange.Tick),
		done:    make(chan struct{}),
	}
	for _, s := range syms {
		sub.symbols[s.name] = true
	}
	m.mu.Lock()
	m.subs[sub] = struct{}{}
	m.mu.Unlock()
	return sub
}

func (m *Market) forward(ctx context.Context, sub *subscriber, out chan<- exchange.Tick) {
	defer func() {
		m.mu.Lock()
		delete(m.subs, sub)
		m.mu.Unlock()
		close(sub.done)
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-sub.in:
			select {
			case out <- t:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Push sends a tick with bid, ask and last all at price (a decimal string such as "101.5")
// to every manual-mode stream of symbol. It returns once each of those streams has taken the
// tick, so a test can rely on its order. The price is used exactly as given.
func (m *Market) Push(symbol, price string) error {
	p, err := decimal.Parse(price)
	if err != nil || !p.IsPos() {
		return fmt.Errorf("sim: push %s: price %q must be a positive decimal", symbol, price)
	}
	s, err := m.symbol(symbol)
	if err != nil {
		return err
	}
	return m.PushTick(exchange.Tick{
		Symbol: symbol, Bid: p, Ask: p, Last: p,
		BidQty: s.rules.StepSize, AskQty: s.rules.StepSize, Qty: s.rules.StepSize,
	})
}

// PushTick sends t as given (Time defaults to the simulated now) to every manual-mode stream
// of t.Symbol, returning once each has taken it. With no stream open the tick only becomes
// the symbol's latest price (the anchor of Candles).
func (m *Market) PushTick(t exchange.Tick) error {
	s, err := m.symbol(t.Symbol)
	if err != nil {
		return err
	}
	if t.Time.IsZero() {
		t.Time = m.simTime(m.now())
	}
	s.mu.Lock()
	s.latest = t
	s.mu.Unlock()
	m.mu.Lock()
	subs := make([]*subscriber, 0, len(m.subs))
	for sub := range m.subs {
		if sub.symbols[t.Symbol] {
			subs = append(subs, sub)
		}
	}
	m.mu.Unlock()
	for _, sub := range subs {
		select {
		case sub.in <- t:
		case <-sub.done:
		}
	}
	return nil
}
