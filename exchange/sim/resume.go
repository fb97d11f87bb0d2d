package sim

import (
	"math"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// ContinueFrom makes each listed symbol's walk continue from the given price instead of its
// seeded start price: the price a data directory last saw, so paper positions are not
// revalued at new random prices on every start. The walk's pull toward its start price then
// pulls toward this price. Call it before streaming; prices that are not positive, and
// symbols that cannot be pairs, are ignored.
func (m *Market) ContinueFrom(prices map[string]decimal.Decimal) {
	for name, p := range prices {
		f, ok := p.Float64()
		if !ok || !(f > 0) || math.IsInf(f, 0) {
			continue
		}
		s, err := m.symbol(name)
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.logp = math.Log(f)
		s.logStart = s.logp
		price := s.tick.times(s.tick.units(f))
		s.latest = exchange.Tick{Symbol: name, Bid: price, Ask: price, Last: price}
		s.mu.Unlock()
	}
}
