package strategy

import (
	"slices"
	"strconv"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// grid keeps a ladder of limit orders between Lower and Upper, one order at most per level:
// buys below the price to start with; when a buy at level i fills it places a sell at i+1, and
// when a sell at level i fills it places a buy at i-1. The budget is enforced by the risk
// guard: orders it refuses (budget, open-order cap) wait until a fill frees money or a slot.
type grid struct {
	p       GridParams
	tags    []string          // each level's tag, made once (gridTag)
	busy    []bool            // a level has an order (in flight or on the book)
	side    []exchange.Side   // that order's side
	qty     []decimal.Decimal // that order's quantity
	todo    []gridOrder       // orders to place on the next tick
	held    []gridOrder       // orders refused (budget, open-order cap, full queue), retried after the next fill
	started bool
	owed    int // sells owed for a restored position without sell orders
}

type gridOrder struct {
	level int
	side  exchange.Side
}

func newGrid(p GridParams) *grid {
	g := &grid{p: p, busy: make([]bool, p.Levels), side: make([]exchange.Side, p.Levels), qty: make([]decimal.Decimal, p.Levels)}
	for i := range p.Levels {
		g.tags = append(g.tags, gridTag(i))
	}
	return g
}

func gridTag(level int) string { return "g" + strconv.Itoa(level) }

func gridLevel(tag string) (int, bool) {
	if len(tag) < 2 || tag[0] != 'g' {
		return 0, false
	}
	n, err := strconv.Atoi(tag[1:])
	return n, err == nil
}

// Restore marks the levels that have open orders and works out how many sells the position
// is owed: a grid that bought and crashed before it could place the sell gets it back.
func (g *grid) Restore(pos Position, open, _ []OrderRef) {
	for i := range g.busy {
		g.busy[i] = false
	}
	g.todo, g.held, g.started = g.todo[:0], g.held[:0], false
	sells := 0
	for _, o := range open {
		if i, ok := gridLevel(o.Tag); ok && i < len(g.busy) {
			g.busy[i], g.side[i] = true, o.Side
			g.qty[i], _ = o.Qty.Sub(o.Executed)
			if o.Side == exchange.Sell {
				sells++
			}
		}
	}
	g.owed = 0
	if pos.Qty.IsPos() && g.p.Quantity.IsPos() {
		// Levels held, to the nearest: fees paid in the base asset leave each bought level a
		// little short, and that last short level is sold too (sellQty offers what is left).
		if n, rem, err := pos.Qty.QuoRem(g.p.Quantity); err == nil {
			held, _, ok := n.Trunc(0).Int64(0)
			if twice, err := rem.Add(rem); err == nil && twice.Cmp(g.p.Quantity) >= 0 {
				held++
			}
			if ok && int(held) > sells {
				g.owed = int(held) - sells
			}
		}
	}
}

func (g *grid) intent(level int, side exchange.Side, qty decimal.Decimal) Intent {
	g.busy[level], g.side[level], g.qty[level] = true, side, qty
	return Intent{Tag: g.tags[level], Side: side, Type: exchange.Limit, Price: g.p.Prices[level], Qty: qty}
}

// sellQty is what a new sell may offer: the level's quantity, or less when fees paid in the
// base asset left the bot holding less than its open sells plus one level. A grid never sells
// coins another bot (or the user) holds in the same account.
func (g *grid) sellQty(pos Position) (decimal.Decimal, bool) {
	free := pos.Qty
	for i, busy := range g.busy {
		if busy && g.side[i] == exchange.Sell {
			free, _ = free.Sub(g.qty[i])
		}
	}
	q := g.p.Quantity.Min(free)
	return q, q.IsPos()
}

// OnTick implements Strategy: the ladder on the first tick, then the orders fills called for.
func (g *grid) OnTick(t exchange.Tick, pos Position, _ time.Time, out []Intent) []Intent {
	price := RefPrice(t)
	if !price.IsPos() {
		return out
	}
	if !g.started {
		g.started = true
		// Owed sells first, on the lowest free levels above the price.
		for i := 0; i < len(g.busy) && g.owed > 0; i++ {
			if !g.busy[i] && g.p.Prices[i].Cmp(price) > 0 {
				q, ok := g.sellQty(pos)
				if !ok {
					break
				}
				out = append(out, g.intent(i, exchange.Sell, q))
				g.owed--
			}
		}
		// Then buys below the price, nearest first, skipping a level whose sell above is
		// still open (its buy has already filled). The top level only ever sells.
		for i := len(g.busy) - 2; i >= 0; i-- {
			if g.busy[i] || g.p.Prices[i].Cmp(price) >= 0 {
				continue
			}
			if i+1 < len(g.busy) && g.busy[i+1] && g.side[i+1] == exchange.Sell {
				continue
			}
			out = append(out, g.intent(i, exchange.Buy, g.p.Quantity))
		}
		return out
	}
	keep := g.todo[:0]
	for _, o := range g.todo {
		switch {
		case slices.Contains(keep, o):
			continue // asked for twice while it waited
		case g.busy[o.level] && g.side[o.level] == o.side:
			continue // that order is there already
		case g.busy[o.level]:
			// The level's other order has not been reported final yet (fills arrive in any
			// order): wait for it rather than lose this one.
			keep = append(keep, o)
			continue
		case o.side == exchange.Buy && g.p.Prices[o.level].Cmp(price) >= 0:
			// A buy at or above the price would fill at once as a taker: wait until the
			// price is back above the level.
			keep = append(keep, o)
			continue
		}
		q := g.p.Quantity
		if o.side == exchange.Sell {
			var ok bool
			if q, ok = g.sellQty(pos); !ok {
				continue
			}
		}
		out = append(out, g.intent(o.level, o.side, q))
	}
	g.todo = keep
	return out
}

// OnOrder implements Strategy.
func (g *grid) OnOrder(u OrderUpdate) {
	i, ok := gridLevel(u.Tag)
	if !ok || i >= len(g.busy) {
		return
	}
	if !u.Refused && !u.State.Final() {
		return
	}
	g.busy[i] = false
	if u.Refused || u.State != OrderFilled {
		if u.Refused || u.State == OrderRejected {
			// A refused sell is kept too: dropping it would strand the coins it sells.
			g.held = append(g.held, gridOrder{i, u.Side})
		}
		return
	}
	// A fill frees money and an open-order slot: the opposite order takes the slot first
	// (a buy's sell is what gets the coins back out), then the held orders are retried.
	if u.Side == exchange.Buy && i+1 < len(g.busy) {
		g.todo = append(g.todo, gridOrder{i + 1, exchange.Sell})
	}
	if u.Side == exchange.Sell && i > 0 {
		g.todo = append(g.todo, gridOrder{i - 1, exchange.Buy})
	}
	g.todo = append(g.todo, g.held...)
	g.held = g.held[:0]
}
