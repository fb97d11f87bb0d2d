package fake

import (
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/exchange"
)

// Options configure a Server. The zero value is usable: the default symbols, Binance's ping
// timing, no price drift and the wall clock.
type Options struct {
	// Symbols to list; DefaultSymbols() when empty.
	Symbols []SymbolSpec
	// PingInterval is how often the websocket server pings each connection (Binance: 20 s).
	PingInterval time.Duration
	// PongTimeout is how long a connection may leave a ping unanswered before it is dropped
	// (Binance: one minute).
	PongTimeout time.Duration
	// Drift moves every price by a small random walk each TickInterval (default 1 s).
	Drift        bool
	TickInterval time.Duration
	// Commission is the fee rate on every fill, taken from the asset received, as decimal text
	// (default "0.001", Binance's standard 0.1%).
	Commission string
	// Seed makes the drift reproducible.
	Seed uint64
	// Clock is the exchange's clock (server time, timestamp checks, event times, rate windows),
	// the system clock when nil. SlowNext sleeps on it, so a fake clock (Clock, clock.Fake)
	// advances instead of waiting. Websocket pings, silences and DelayNext always use real time.
	Clock clock.Clock
	// WeightLimit is the REQUEST_WEIGHT limit per minute (default 6000); past it requests get
	// 429 with Retry-After. Negative disables the limit.
	WeightLimit int
	// OrderLimit10s is the ORDERS limit per 10 seconds per key (default 100). Negative disables it.
	OrderLimit10s int
	// Testnet answers 404 on /sapi endpoints, as Binance's spot testnet does.
	Testnet bool
	// BanOnEarlyRetry bans the client as Binance does when it ignores a 429: a request sent
	// while a Retry-After is still running gets 418 and starts a ban of BanDuration (default two
	// minutes, by the server's clock) during which every request gets 418. An injected 418 also
	// lasts for its Retry-After. Off by default, so injected faults stay counted.
	BanOnEarlyRetry bool
	BanDuration     time.Duration
	// MaxConnAge ends each websocket connection after this long (Binance: 24 hours, the default).
	MaxConnAge time.Duration
	// MaxClientMessages is how many messages a stream client may send per second before it is
	// disconnected (Binance: 5). Pongs do not count here. Negative disables the limit.
	MaxClientMessages int
	// Logf, when set (t.Logf in a test), gets one line per request: method, path, status and
	// Binance error code. Parameters are never logged, so neither keys nor signatures are.
	Logf func(format string, args ...any)
	// Addr to listen on; "127.0.0.1:0" (a free port) when empty. Only loopback is allowed.
	Addr string
}

// SymbolSpec describes one listed symbol. Prices and quantities are decimal text. Empty fields
// take the defaults documented on each.
type SymbolSpec struct {
	Symbol      string
	Base, Quote string // derived from Symbol for ...USDT/...BTC/...ETH/...BNB when empty
	Price       string // starting price (required)
	TickSize    string // PRICE_FILTER tickSize, default 0.01
	StepSize    string // LOT_SIZE stepSize, default 0.00001
	MinQty      string // LOT_SIZE minQty, default StepSize
	MaxQty      string // LOT_SIZE maxQty, default 9000
	MinNotional string // NOTIONAL (or MIN_NOTIONAL) minNotional, default 5
	// MarketMaxQty is MARKET_LOT_SIZE maxQty; default MaxQty. MARKET_LOT_SIZE carries minQty and
	// stepSize 0 (unconstrained beyond LOT_SIZE), as Binance lists it for the big symbols.
	MarketMaxQty string
	// Status is the trading status, default "TRADING" (try "BREAK" for a halted market).
	Status string
	// LegacyMinNotional lists the older MIN_NOTIONAL filter instead of NOTIONAL.
	LegacyMinNotional bool
}

// DefaultSymbols returns BTCUSDT, ETHUSDT, SOLUSDT and BNBUSDT with filters like Binance's.
// BNBUSDT carries the older MIN_NOTIONAL filter so clients exercise both notional filters.
func DefaultSymbols() []SymbolSpec {
	return []SymbolSpec{
		{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Price: "60000.00", TickSize: "0.01", StepSize: "0.00001", MinQty: "0.00001", MaxQty: "9000", MinNotional: "5", MarketMaxQty: "120"},
		{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", Price: "3000.00", TickSize: "0.01", StepSize: "0.0001", MinQty: "0.0001", MaxQty: "9000", MinNotional: "5", MarketMaxQty: "2000"},
		{Symbol: "SOLUSDT", Base: "SOL", Quote: "USDT", Price: "150.00", TickSize: "0.01", StepSize: "0.001", MinQty: "0.001", MaxQty: "90000", MinNotional: "5", MarketMaxQty: "20000"},
		{Symbol: "BNBUSDT", Base: "BNB", Quote: "USDT", Price: "600.00", TickSize: "0.01", StepSize: "0.001", MinQty: "0.001", MaxQty: "90000", MinNotional: "5", MarketMaxQty: "9000", LegacyMinNotional: true},
	}
}

// Permissions are what an API key may do, as /sapi/v1/account/apiRestrictions reports them.
// The zero value may do nothing at all; TradeOnly is what QuantDeck asks users for.
type Permissions struct {
	Reading    bool // USER_DATA endpoints (account, orders, trades)
	Trade      bool // enableSpotAndMarginTrading: placing and cancelling orders
	Withdraw   bool // enableWithdrawals
	Transfer   bool // enableInternalTransfer
	Margin     bool // enableMargin
	Futures    bool // enableFutures
	IPRestrict bool // ipRestrict
}

// TradeOnly returns the permissions of a read-and-trade key without withdrawals.
func TradeOnly() Permissions { return Permissions{Reading: true, Trade: true} }

// rulesFromSpec parses a spec into the exchange's rules, applying defaults.
func rulesFromSpec(sp SymbolSpec) (exchange.Rules, decimal.Decimal, error) {
	var r exchange.Rules
	r.Symbol = strings.ToUpper(sp.Symbol)
	if r.Symbol == "" {
		return r, decimal.Decimal{}, fmt.Errorf("fake: a symbol spec has no symbol")
	}
	r.Base, r.Quote = strings.ToUpper(sp.Base), strings.ToUpper(sp.Quote)
	if r.Base == "" || r.Quote == "" {
		for _, q := range []string{"USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB"} {
			if b, ok := strings.CutSuffix(r.Symbol, q); ok && b != "" {
				r.Base, r.Quote = b, q
				break
			}
		}
		if r.Base == "" {
			return r, decimal.Decimal{}, fmt.Errorf("fake: symbol %s: give Base and Quote", r.Symbol)
		}
	}
	r.Status = sp.Status
	if r.Status == "" {
		r.Status = "TRADING"
	}
	var err error
	parse := func(field, s, def string) decimal.Decimal {
		if err != nil {
			return decimal.Decimal{}
		}
		if s == "" {
			s = def
		}
		d, perr := decimal.Parse(s)
		if perr != nil || d.IsNeg() {
			err = fmt.Errorf("fake: symbol %s: %s %q is not a non-negative decimal", r.Symbol, field, s)
		}
		return d
	}
	price := parse("Price", sp.Price, "")
	r.TickSize = parse("TickSize", sp.TickSize, "0.01")
	r.StepSize = parse("StepSize", sp.StepSize, "0.00001")
	r.MinQty = parse("MinQty", sp.MinQty, r.StepSize.String())
	r.MaxQty = parse("MaxQty", sp.MaxQty, "9000")
	r.MinNotional = parse("MinNotional", sp.MinNotional, "5")
	r.MarketMaxQty = parse("MarketMaxQty", sp.MarketMaxQty, r.MaxQty.String())
	if err != nil {
		return r, price, err
	}
	if !price.IsPos() || !r.TickSize.IsPos() || !r.StepSize.IsPos() {
		return r, price, fmt.Errorf("fake: symbol %s: Price, TickSize and StepSize must be above zero", r.Symbol)
	}
	r.MinPrice = r.TickSize
	r.MaxPrice = decimal.MustParse("1000000")
	r.MaxNotional = decimal.MustParse("9000000")
	r.ApplyMinToMarket = true
	return r, price, nil
}
