package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// ErrUnknownSymbol means the name cannot be a trading pair (empty, lowercase, no known quote
// asset). Well-formed pairs the simulator has no table entry for get generic rules instead.
// It wraps exchange.ErrFilter: an order for such a symbol is refused for good.
var ErrUnknownSymbol = fmt.Errorf("unknown symbol: %w", exchange.ErrFilter)

// spec is what the simulator knows of one symbol: rules and the shape of its price walk.
type spec struct {
	base, quote string
	start       float64 // typical price, before the seed's perturbation
	vol         float64 // annualised volatility of log returns
	dailyQuote  float64 // typical daily traded volume in quote units
	tick, step  string
	maxQty      string
	minNotional string
	maxNotional string
	maxSpread   int // widest bid/ask spread in ticks
}

// known holds realistic Binance-like symbols; rules follow Binance spot's filters.
var known = map[string]spec{
	"BTCUSDT":  {"BTC", "USDT", 67000, 0.55, 1.5e9, "0.01", "0.00001", "9000", "5", "9000000", 2},
	"ETHUSDT":  {"ETH", "USDT", 3500, 0.70, 8e8, "0.01", "0.0001", "9000", "5", "9000000", 2},
	"SOLUSDT":  {"SOL", "USDT", 150, 0.90, 4e8, "0.01", "0.001", "9000000", "5", "9000000", 3},
	"BNBUSDT":  {"BNB", "USDT", 600, 0.50, 1.5e8, "0.01", "0.001", "9000", "5", "9000000", 3},
	"XRPUSDT":  {"XRP", "USDT", 0.55, 0.80, 2e8, "0.0001", "0.1", "9222449", "5", "9000000", 2},
	"DOGEUSDT": {"DOGE", "USDT", 0.15, 1.00, 1.5e8, "0.00001", "1", "9000000", "5", "9000000", 2},
	"ADAUSDT":  {"ADA", "USDT", 0.45, 0.85, 6e7, "0.0001", "0.1", "9000000", "5", "9000000", 2},
	"ETHBTC":   {"ETH", "BTC", 0.052, 0.45, 2000, "0.00001", "0.0001", "100000", "0.0001", "9000000", 2},
}

// quoteMinNotional is the minimum order value for generic symbols, by quote asset.
var quoteMinNotional = map[string]string{
	"USDT": "5", "USDC": "5", "FDUSD": "5", "EUR": "5", "TRY": "100",
	"BTC": "0.0001", "ETH": "0.001", "BNB": "0.01",
}

// quotes in matching order: longer names first so FDUSD wins over USD-like suffixes.
var quotes = []string{"FDUSD", "USDT", "USDC", "EUR", "TRY", "BTC", "ETH", "BNB"}

// lookup returns the spec for a symbol: from the table, or generic rules for a well-formed pair.
func lookup(symbol string) (spec, error) {
	if s, ok := known[symbol]; ok {
		return s, nil
	}
	if len(symbol) < 5 || len(symbol) > 20 {
		return spec{}, fmt.Errorf("sim: %q: %w; use a pair such as BTCUSDT", symbol, ErrUnknownSymbol)
	}
	for _, r := range symbol {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return spec{}, fmt.Errorf("sim: %q: %w; use upper-case letters and digits such as BTCUSDT", symbol, ErrUnknownSymbol)
		}
	}
	for _, q := range quotes {
		base, ok := strings.CutSuffix(symbol, q)
		if !ok || len(base) < 2 || base == q {
			continue
		}
		return genericSpec(symbol, base, q), nil
	}
	return spec{}, fmt.Errorf("sim: %q: %w; it must end in a quote asset such as USDT", symbol, ErrUnknownSymbol)
}

// genericSpec derives stable rules for a pair the table does not list. The typical price comes
// from a hash of the name, not the seed, so a symbol's rules never change between runs.
func genericSpec(symbol, base, quote string) spec {
	h := symbolHash(symbol)
	u := float64(h%1_000_003) / 1_000_003
	start := math.Pow(10, u*4-2) // 0.01 .. 100
	mag := int(math.Floor(math.Log10(start)))
	tickScale := min(max(4-mag, 2), 8)
	stepScale := min(max(mag+2, 0), 8)
	minNotional, ok := quoteMinNotional[quote]
	if !ok {
		minNotional = "5"
	}
	return spec{
		base: base, quote: quote, start: start, vol: 0.9, dailyQuote: 2e7,
		tick: unitString(tickScale), step: unitString(stepScale),
		maxQty: "9000000", minNotional: minNotional, maxNotional: "9000000", maxSpread: 3,
	}
}

// unitString is 10^-scale as text: 0 -> "1", 2 -> "0.01".
func unitString(scale int) string {
	if scale == 0 {
		return "1"
	}
	return "0." + strings.Repeat("0", scale-1) + "1"
}

// symbolHash is a stable 64-bit hash of a symbol's name.
func symbolHash(symbol string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(symbol))
	return f.Sum64()
}

// rules builds the exchange rules for a spec. The table holds only valid decimals, so a parse
// failure is a programming error in this package.
func (s spec) rules(symbol string) exchange.Rules {
	tick := decimal.MustParse(s.tick)
	step := decimal.MustParse(s.step)
	return exchange.Rules{
		Symbol:   symbol,
		Base:     s.base,
		Quote:    s.quote,
		Status:   "TRADING",
		TickSize: tick,
		MinPrice: tick,
		MaxPrice: decimal.MustParse("1000000"),
		StepSize: step,
		MinQty:   step,
		MaxQty:   decimal.MustParse(s.maxQty),
		// MARKET_LOT_SIZE left zero: the same as LOT_SIZE, as on most Binance spot pairs.
		MinNotional:      decimal.MustParse(s.minNotional),
		MaxNotional:      decimal.MustParse(s.maxNotional),
		ApplyMinToMarket: true,
		ApplyMaxToMarket: false,
	}
}

// Rules returns Binance-like rules for symbol: realistic ones for the symbols the simulator
// knows (BTCUSDT tick 0.01 step 0.00001, ...), generic ones for other well-formed pairs, and
// an error wrapping ErrUnknownSymbol for names that cannot be a pair.
func (m *Market) Rules(ctx context.Context, symbol string) (exchange.Rules, error) {
	if err := ctx.Err(); err != nil {
		return exchange.Rules{}, err
	}
	s, err := lookup(symbol)
	if err != nil {
		return exchange.Rules{}, err
	}
	return s.rules(symbol), nil
}
