package sim

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// Shape of the random walk, shared by every symbol.
const (
	secondsPerYear = 365 * 24 * 3600
	jumpsPerYear   = 3 * 365 // about three surprises a day
	jumpSize       = 0.005   // standard deviation of a jump's log return
	reversion      = 2.0     // per year: a weak pull toward the start price keeps long runs plausible
	startSpread    = 0.08    // the seed moves start prices by about this much (log scale)
	maxPriceTicks  = 1e15    // far below decimal's 19 digits, so conversion cannot overflow
)

// unit is a tick or step size as integers (coef * 10^-scale) for allocation-free conversion of
// a whole number of units to a decimal.
type unit struct {
	coef  int64
	scale int
	f     float64
}

func newUnit(d decimal.Decimal) unit {
	f, _ := d.Float64()
	return unit{coef: int64(d.Coef()), scale: d.Scale(), f: f}
}

// times returns n units as a decimal. Callers keep n within maxPriceTicks, so the error branch
// only guards against a broken invariant and yields zero ("not carried") rather than a lie.
func (u unit) times(n int64) decimal.Decimal {
	d, err := decimal.New(n*u.coef, u.scale)
	if err != nil {
		return decimal.Decimal{}
	}
	return d
}

// units rounds a positive float amount to a whole number of units, at least one.
func (u unit) units(x float64) int64 {
	n := math.Round(x / u.f)
	if n < 1 || math.IsNaN(n) {
		return 1
	}
	if n > maxPriceTicks {
		return maxPriceTicks
	}
	return int64(n)
}

// symState is one symbol's walk. Its mutex guards everything below it.
type symState struct {
	name  string
	spec  spec
	rules exchange.Rules
	tick  unit
	step  unit
	phase float64 // offset of this symbol's ticks within one tick period, in [0,1)

	mu       sync.Mutex
	rng      *rand.Rand
	logStart float64
	logp     float64
	k        int64 // index of the next tick to generate
	latest   exchange.Tick
}

func newSymState(name string, sp spec, seed int64) *symState {
	rng := rand.New(rand.NewPCG(uint64(seed), symbolHash(name)))
	logStart := math.Log(sp.start) + startSpread*rng.NormFloat64()
	s := &symState{
		name:     name,
		spec:     sp,
		rules:    sp.rules(name),
		rng:      rng,
		logStart: logStart,
		logp:     logStart,
		phase:    rng.Float64(),
	}
	s.tick = newUnit(s.rules.TickSize)
	s.step = newUnit(s.rules.StepSize)
	return s
}

// lastPrice returns the latest traded price, or the start price before any tick.
func (s *symState) lastPrice() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.latest.Last.Float64(); ok && f > 0 {
		return f
	}
	return math.Exp(s.logp)
}

// advance moves the walk by dt years and returns the tick for simulated time at. The caller
// holds s.mu.
func (s *symState) advance(dt float64, at time.Time, ticksPerDay float64) exchange.Tick {
	r := s.rng
	sigma := s.spec.vol
	d := -0.5*sigma*sigma*dt + sigma*math.Sqrt(dt)*r.NormFloat64()
	if r.Float64() < jumpsPerYear*dt {
		d += jumpSize * r.NormFloat64()
	}
	d -= reversion * (s.logp - s.logStart) * dt
	s.logp += d
	// Keep the price between ten ticks and maxPriceTicks ticks.
	lo, hi := math.Log(10*s.tick.f), math.Log(maxPriceTicks/10*s.tick.f)
	s.logp = min(max(s.logp, lo), hi)
	mid := math.Exp(s.logp)

	spread := 1 + r.IntN(max(s.spec.maxSpread, 1))
	bid := int64(math.Floor(mid/s.tick.f - float64(spread)/2))
	bid = max(bid, 1)
	ask := bid + int64(spread)

	// Trade and book sizes: lognormal around the average trade, shaped by the time of day.
	avgQuote := s.spec.dailyQuote / ticksPerDay * volumePattern(at)
	tradeQty := s.step.units(avgQuote * math.Exp(0.8*r.NormFloat64()-0.32) / mid)
	bidQty := s.step.units(3 * avgQuote * math.Exp(0.6*r.NormFloat64()) / mid)
	askQty := s.step.units(3 * avgQuote * math.Exp(0.6*r.NormFloat64()) / mid)
	last, taker := bid, exchange.Sell // a seller hit the bid
	if r.IntN(2) == 1 {
		last, taker = ask, exchange.Buy
	}
	t := exchange.Tick{
		Symbol: s.name,
		Bid:    s.tick.times(bid),
		BidQty: s.step.times(bidQty),
		Ask:    s.tick.times(ask),
		AskQty: s.step.times(askQty),
		Last:   s.tick.times(last),
		Qty:    s.step.times(tradeQty),
		Time:   at,
		// Trade ids count the walk's ticks: unique and increasing, as an exchange's are.
		TradeID: s.k + 1,
		Taker:   taker,
	}
	s.k++
	s.latest = t
	return t
}

// volumePattern is the intraday activity factor at t (mean about 1): quiet Asian nights, a
// bump at the European open and the busiest hours around the US open.
func volumePattern(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	f := 0.7 + 0.5*math.Exp(-sq((h-14.5)/2.5)) + 0.25*math.Exp(-sq((h-8.5)/2))
	return f / 0.83
}

func sq(x float64) float64 { return x * x }
