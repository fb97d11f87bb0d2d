package backtest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/engine/strategy"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/paper"
)

// Trade is one fill of the replay.
type Trade struct {
	Time     time.Time
	Tag      string // the strategy's name for the order (a grid level, "tp", ...)
	Side     exchange.Side
	Price    decimal.Decimal
	Qty      decimal.Decimal
	Fee      decimal.Decimal
	FeeAsset string
}

// Order is one order the replay placed, as the paper account last reported it (recorded
// only when asked: parity checks).
type Order struct {
	Created  time.Time
	Tag      string
	Side     exchange.Side
	Type     exchange.OrderType
	Price    decimal.Decimal // limit only
	Executed decimal.Decimal
	Status   exchange.OrderStatus
}

// fixedRules serves one symbol's rules to the paper account.
type fixedRules exchange.Rules

func (r fixedRules) Rules(_ context.Context, symbol string) (exchange.Rules, error) {
	if symbol != r.Symbol {
		return exchange.Rules{}, fmt.Errorf("backtest: no rules for %s: %w", symbol, exchange.ErrRejected)
	}
	return exchange.Rules(r), nil
}

// resting is a limit order on the paper book.
type resting struct {
	id    string
	side  exchange.Side
	price decimal.Decimal
}

// runner is one replay: the strategy, the in-memory paper account and what they did.
type runner struct {
	cfg     Config
	strat   strategy.Strategy
	acct    *paper.Account
	pos     position
	now     time.Time
	slip    decimal.Decimal // SlippageBps / 10000
	updates []exchange.Order
	tags    map[string]string
	book    []resting
	maxBuy  decimal.Decimal
	minSell decimal.Decimal
	seq     int
	intents []strategy.Intent
	volLeft decimal.Decimal // partial fills: base volume the current candle still has for fills
	keepLog bool            // record Orders (parity tests)
	logAt   map[string]int  // client id -> index in orders

	quote, base decimal.Decimal // the account's holdings, free and locked
	trades      []Trade
	orders      []Order
	stats       stats
}

func newRunner(cfg Config) (*runner, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, strat: s, tags: map[string]string{}, quote: cfg.Budget,
		pos: position{base: cfg.Rules.Base, quote: cfg.Rules.Quote}}
	r.slip, _ = cfg.SlippageBps.Quo(decimal.MustNew(10000, 0))
	rules := cfg.Rules
	rules.Symbol = cfg.Symbol
	r.acct, err = paper.NewMemory(paper.Options{
		Rules:            fixedRules(rules),
		StartingBalances: map[string]decimal.Decimal{cfg.Rules.Quote: cfg.Budget},
		FeeRate:          cfg.FeeRate,
		NoFee:            cfg.FeeRate.IsZero(),
		Clock:            clock.Func(func() time.Time { return r.now }),
		OnUpdate:         func(o exchange.Order) { r.updates = append(r.updates, o) },
	})
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	r.strat.Restore(strategy.Position{}, nil, nil)
	return r, nil
}

// crossable reports whether a price range [lo, hi] reaches any resting order.
func (r *runner) crossable(lo, hi decimal.Decimal) bool {
	return len(r.book) > 0 && (r.maxBuy.IsPos() && lo.Cmp(r.maxBuy) <= 0 || r.minSell.IsPos() && hi.Cmp(r.minSell) >= 0)
}

// step is one price of the path at time at: the strategy decides first when decide is set,
// then the account sees the price (filling resting orders it reaches), then the strategy's
// intents are placed. This is the engine's order on a live tick: bots, then paper fills,
// then the order worker.
func (r *runner) step(ctx context.Context, price decimal.Decimal, at time.Time, decide bool) {
	r.now = at
	r.intents = r.intents[:0]
	if decide {
		tk := exchange.Tick{Symbol: r.cfg.Symbol, Last: price, Time: at}
		r.intents = r.strat.OnTick(tk, r.pos.view(), at, r.intents)
	}
	if len(r.intents) == 0 && !r.crossable(price, price) {
		return
	}
	tk := exchange.Tick{Symbol: r.cfg.Symbol, Bid: price, Ask: price, Last: price, Time: at}
	if r.cfg.VolumeShare.IsPos() {
		r.acct.OnTickVolume(tk, r.volLeft)
	} else {
		r.acct.OnTick(tk)
	}
	r.drain()
	for _, it := range r.intents {
		r.place(ctx, it, price)
	}
}

// place sends one intent to the account; a refusal goes back to the strategy.
func (r *runner) place(ctx context.Context, it strategy.Intent, price decimal.Decimal) {
	r.seq++
	id := "bt" + strconv.Itoa(r.seq)
	req := exchange.OrderRequest{ClientID: id, Symbol: r.cfg.Symbol, Side: it.Side, Type: it.Type,
		Quantity: it.Qty, QuoteQty: it.QuoteQty, Price: it.Price}
	var err error
	if max := r.cfg.MaxOpenOrders; max > 0 && len(r.book) >= max && it.Type == exchange.Limit {
		err = fmt.Errorf("%d open orders is the bot's maximum", max)
	}
	slipped := it.Type == exchange.Market && r.slip.IsPos()
	if err == nil && slipped {
		bid, _ := decimal.One.Sub(r.slip)
		ask, _ := decimal.One.Add(r.slip)
		bid, _ = price.Mul(bid)
		ask, _ = price.Mul(ask)
		r.acct.OnTick(exchange.Tick{Symbol: r.cfg.Symbol, Bid: bid, Ask: ask, Last: price, Time: r.now})
	}
	if err == nil {
		r.tags[id] = it.Tag
		_, err = r.acct.PlaceOrder(ctx, req)
	}
	if slipped {
		r.acct.OnTick(exchange.Tick{Symbol: r.cfg.Symbol, Bid: price, Ask: price, Last: price, Time: r.now})
	}
	if err != nil {
		delete(r.tags, id)
		r.stats.refused++
		r.strat.OnOrder(strategy.OrderUpdate{Tag: it.Tag, Side: it.Side, Price: it.Price, Qty: it.Qty, Time: r.now, Refused: true, Reason: err.Error()})
		return
	}
	r.drain()
}

// drain hands the account's order changes to the book, the position and the strategy.
func (r *runner) drain() {
	for i := 0; i < len(r.updates); i++ {
		o := r.updates[i]
		tag := r.tags[o.ClientID]
		if r.keepLog {
			r.record(tag, o)
		}
		switch {
		case o.Status == exchange.StatusNew && o.Type == exchange.Limit:
			r.book = append(r.book, resting{id: o.ClientID, side: o.Side, price: o.Price})
			r.rebook()
		case o.Status != exchange.StatusNew && o.Status != exchange.StatusPartiallyFilled:
			for j := range r.book {
				if r.book[j].id == o.ClientID {
					r.book = append(r.book[:j], r.book[j+1:]...)
					r.rebook()
					break
				}
			}
			delete(r.tags, o.ClientID)
		}
		for _, f := range o.Fills {
			r.fill(tag, f)
		}
		r.strat.OnOrder(strategy.OrderUpdate{Tag: tag, Side: o.Side, State: strategy.StateOf(o.Status), Price: o.Price,
			Qty: o.Quantity, Executed: o.ExecutedQty, Time: r.now})
	}
	r.updates = r.updates[:0]
}

// rebook recomputes the best resting prices, which decide whether a price needs the account.
func (r *runner) rebook() {
	r.maxBuy, r.minSell = decimal.Zero, decimal.Zero
	for _, o := range r.book {
		if o.side == exchange.Buy {
			r.maxBuy = r.maxBuy.Max(o.price)
		} else if r.minSell.IsZero() || o.price.Cmp(r.minSell) < 0 {
			r.minSell = o.price
		}
	}
}

// fill books one trade: the position, the holdings and the trade list.
func (r *runner) fill(tag string, f exchange.Fill) {
	r.pos.apply(f)
	if r.cfg.VolumeShare.IsPos() {
		r.volLeft, _ = r.volLeft.Sub(f.Qty)
	}
	value, _ := f.Price.Mul(f.Qty)
	if f.Side == exchange.Buy {
		r.quote, _ = r.quote.Sub(value)
		r.base, _ = r.base.Add(f.Qty)
	} else {
		r.quote, _ = r.quote.Add(value)
		r.base, _ = r.base.Sub(f.Qty)
	}
	switch f.FeeAsset {
	case r.cfg.Rules.Base:
		r.base, _ = r.base.Sub(f.Fee)
	case r.cfg.Rules.Quote:
		r.quote, _ = r.quote.Sub(f.Fee)
	}
	r.trades = append(r.trades, Trade{Time: f.Time, Tag: tag, Side: f.Side, Price: f.Price, Qty: f.Qty, Fee: f.Fee, FeeAsset: f.FeeAsset})
	r.stats.holdings(r.quote, r.base)
}

// record keeps the latest state of each order, in the order they were placed.
func (r *runner) record(tag string, o exchange.Order) {
	if r.logAt == nil {
		r.logAt = map[string]int{}
	}
	i, ok := r.logAt[o.ClientID]
	if !ok {
		i = len(r.orders)
		r.logAt[o.ClientID] = i
		r.orders = append(r.orders, Order{Created: o.Created, Tag: tag, Side: o.Side, Type: o.Type, Price: o.Price})
	}
	r.orders[i].Executed, r.orders[i].Status = o.ExecutedQty, o.Status
}
