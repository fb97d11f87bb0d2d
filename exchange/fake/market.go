package fake

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// market is one symbol's top of book, statistics and live candles. Guarded by Server.mu.
type market struct {
	rules      exchange.Rules
	legacy     bool // list MIN_NOTIONAL instead of NOTIONAL
	bid, ask   decimal.Decimal
	bidQty     decimal.Decimal
	askQty     decimal.Decimal
	last       decimal.Decimal
	tradeQty   decimal.Decimal // quantity of the public trades SetPrice prints
	updateID   int64
	nextTrade  int64
	start      time.Time
	startPrice decimal.Decimal
	high, low  decimal.Decimal
	volume     decimal.Decimal // base, since start
	quoteVol   decimal.Decimal
	cur        candle // the open 1m candle
	closed     []candle
	resting    []*order // open orders on this symbol, oldest first
}

// candle is one 1m bar of live trading.
type candle struct {
	open           time.Time
	o, h, l, c     decimal.Decimal
	v, q           decimal.Decimal
	takerV, takerQ decimal.Decimal
	n              int
	first, last    int64 // trade ids
}

// maxCandles bounds the live 1m history kept per symbol.
const maxCandles = 1000

// tradeIDRange separates the symbols' trade ids: ids are unique per symbol, as on Binance, and
// in practice across symbols too, as Binance's far-apart counters are.
const tradeIDRange = 1_000_000_000

// newMarket makes the index-th listed symbol's market.
func newMarket(index int, r exchange.Rules, price decimal.Decimal, legacy bool, now time.Time) *market {
	m := &market{rules: r, legacy: legacy, start: now, startPrice: price, high: price, low: price, last: price, nextTrade: int64(index+1)*tradeIDRange + 1}
	depth, err := r.StepSize.Mul(decimal.MustNew(100000, 0))
	if err != nil {
		depth = decimal.One
	}
	m.bidQty, m.askQty = depth, depth
	if q, err := r.MinQty.Mul(decimal.MustNew(10, 0)); err == nil {
		m.tradeQty = q
	}
	m.quote(price)
	m.cur = candle{open: now.Truncate(time.Minute), o: price, h: price, l: price, c: price, first: -1, last: -1}
	return m
}

// quote sets bid and ask one tick either side of price (bid never below one tick).
func (m *market) quote(price decimal.Decimal) {
	tick := m.rules.TickSize
	bid, err := price.Sub(tick)
	if err != nil || !bid.IsPos() {
		bid = tick
	}
	ask, err := price.Add(tick)
	if err != nil {
		ask = price
	}
	m.bid, m.ask = bid, ask
	m.updateID++
}

// SetPrice makes price the last trade price of symbol: the bid moves one tick below it and the
// ask one tick above, a public trade prints at price, the streams publish, and resting orders
// that the new bid/ask crosses fill at their limit price.
func (s *Server) SetPrice(symbol, price string) error {
	p, err := decimal.Parse(price)
	if err != nil || !p.IsPos() {
		return fmt.Errorf("fake: price %q must be a positive decimal", price)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[strings.ToUpper(symbol)]
	if !ok {
		return fmt.Errorf("fake: unknown symbol %s", symbol)
	}
	s.movePrice(m, p)
	return nil
}

// SetQuote sets the best bid and ask exactly (no trade prints) and matches resting orders.
func (s *Server) SetQuote(symbol, bid, ask string) error {
	b, err1 := decimal.Parse(bid)
	a, err2 := decimal.Parse(ask)
	if err1 != nil || err2 != nil || !b.IsPos() || a.Cmp(b) <= 0 {
		return fmt.Errorf("fake: quote %q/%q needs 0 < bid < ask", bid, ask)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[strings.ToUpper(symbol)]
	if !ok {
		return fmt.Errorf("fake: unknown symbol %s", symbol)
	}
	m.bid, m.ask = b, a
	m.updateID++
	now := s.now()
	s.publishBook(m)
	s.matchResting(m, now)
	return nil
}

// SetStatus sets a symbol's trading status (for example "BREAK" to halt it, "TRADING" to
// resume). exchangeInfo lists it and new orders on a halted symbol get "Market is closed.".
func (s *Server) SetStatus(symbol, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[strings.ToUpper(symbol)]
	if !ok {
		return fmt.Errorf("fake: unknown symbol %s", symbol)
	}
	if status == "" {
		return fmt.Errorf("fake: empty status for %s", symbol)
	}
	m.rules.Status = status
	return nil
}

// Quote returns a symbol's best bid and ask.
func (s *Server) Quote(symbol string) (bid, ask decimal.Decimal, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markets[strings.ToUpper(symbol)]
	if !ok {
		return bid, ask, false
	}
	return m.bid, m.ask, true
}

// movePrice runs a price change with s.mu held.
func (s *Server) movePrice(m *market, p decimal.Decimal) {
	now := s.now()
	down := p.Cmp(m.last) < 0
	m.quote(p)
	s.publishBook(m)
	// Resting orders fill first, at their limit prices, as the price passes through them; the
	// trade at the new price prints last, so it is the last price.
	s.matchResting(m, now)
	s.printTrade(m, p, m.tradeQty, down, now)
}

// printTrade records a trade on the market (statistics, candle) and publishes it. buyerMaker
// is Binance's "m": true when the seller was the aggressor.
func (s *Server) printTrade(m *market, price, qty decimal.Decimal, buyerMaker bool, now time.Time) int64 {
	id := m.nextTrade
	m.nextTrade++
	m.last = price
	m.high = m.high.Max(price)
	m.low = m.low.Min(price)
	quoteQty, err := price.Mul(qty)
	if err != nil {
		quoteQty = decimal.Decimal{}
	}
	if v, err := m.volume.Add(qty); err == nil {
		m.volume = v
	}
	if v, err := m.quoteVol.Add(quoteQty); err == nil {
		m.quoteVol = v
	}
	s.rollCandle(m, now)
	c := &m.cur
	if c.n == 0 {
		c.o, c.h, c.l, c.first = price, price, price, id
	}
	c.h, c.l, c.c, c.last = c.h.Max(price), c.l.Min(price), price, id
	c.n++
	if v, err := c.v.Add(qty); err == nil {
		c.v = v
	}
	if v, err := c.q.Add(quoteQty); err == nil {
		c.q = v
	}
	if !buyerMaker {
		if v, err := c.takerV.Add(qty); err == nil {
			c.takerV = v
		}
		if v, err := c.takerQ.Add(quoteQty); err == nil {
			c.takerQ = v
		}
	}
	ms := now.UnixMilli()
	sym := strings.ToLower(m.rules.Symbol)
	s.hub.publish(sym+"@trade", mustJSON(tradeEvent{E: "trade", Time: ms, S: m.rules.Symbol, T: id, P: fmtDec(price), Q: fmtDec(qty), TT: ms, M: buyerMaker, Ignore: true}))
	// Every fake trade is its own aggregate: the aggregate id is the trade id.
	s.hub.publish(sym+"@aggTrade", mustJSON(aggTradeEvent{E: "aggTrade", Time: ms, S: m.rules.Symbol, A: id, P: fmtDec(price), Q: fmtDec(qty), F: id, L: id, TT: ms, M: buyerMaker, Ignore: true}))
	s.publishKline(m, now, false)
	s.hub.publish(sym+"@miniTicker", mustJSON(miniTickerEvent{E: "24hrMiniTicker", Time: ms, S: m.rules.Symbol, C: fmtDec(m.last), O: fmtDec(m.startPrice), H: fmtDec(m.high), L: fmtDec(m.low), V: fmtDec(m.volume), Q: fmtDec(m.quoteVol)}))
	return id
}

// rollCandle closes the open candle when now is in a later minute, publishing it as final.
func (s *Server) rollCandle(m *market, now time.Time) {
	minute := now.Truncate(time.Minute)
	if !minute.After(m.cur.open) {
		return
	}
	if m.cur.n > 0 {
		s.publishKline(m, now, true)
	}
	m.closed = append(m.closed, m.cur)
	if len(m.closed) > maxCandles {
		m.closed = append(m.closed[:0], m.closed[len(m.closed)-maxCandles:]...)
	}
	c := m.last
	m.cur = candle{open: minute, o: c, h: c, l: c, c: c, first: -1, last: -1}
}

func (s *Server) publishBook(m *market) {
	s.publishDepth(m)
	s.hub.publish(strings.ToLower(m.rules.Symbol)+"@bookTicker", mustJSON(bookTickerEvent{U: m.updateID, S: m.rules.Symbol, B: fmtDec(m.bid), BQ: fmtDec(m.bidQty), A: fmtDec(m.ask), AQ: fmtDec(m.askQty)}))
}

func (s *Server) publishKline(m *market, now time.Time, final bool) {
	c := m.cur
	k := klineBody{
		Start: c.open.UnixMilli(), Close: c.open.Add(time.Minute).UnixMilli() - 1, S: m.rules.Symbol, I: "1m",
		First: c.first, Last: c.last, O: fmtDec(c.o), C: fmtDec(c.c), H: fmtDec(c.h), L: fmtDec(c.l),
		V: fmtDec(c.v), N: c.n, X: final, Q: fmtDec(c.q), TV: fmtDec(c.takerV), TQ: fmtDec(c.takerQ), B: "0",
	}
	s.hub.publish(strings.ToLower(m.rules.Symbol)+"@kline_1m", mustJSON(klineEvent{E: "kline", Time: now.UnixMilli(), S: m.rules.Symbol, K: k}))
}

// drift moves every price by a small random walk each TickInterval until Close.
func (s *Server) drift() {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(s.opts.Seed, s.opts.Seed^0x9e3779b97f4a7c15))
	t := time.NewTicker(s.opts.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
		}
		s.mu.Lock()
		for _, sym := range s.symbols {
			m := s.markets[sym]
			if p, ok := driftStep(m.last, m.rules.TickSize, rng); ok {
				s.movePrice(m, p)
			}
		}
		s.mu.Unlock()
	}
}

// driftStep moves price by a whole number of ticks: up to about 0.02% either way.
func driftStep(price, tick decimal.Decimal, rng *rand.Rand) (decimal.Decimal, bool) {
	span, err := price.Quo(tick)
	if err != nil {
		return price, false
	}
	maxTicks, _, ok := span.Trunc(0).Int64(0)
	if !ok {
		return price, false
	}
	maxTicks = max(1, maxTicks/5000)
	steps := rng.Int64N(2*maxTicks+1) - maxTicks
	delta, err := tick.Mul(decimal.MustNew(steps, 0))
	if err != nil {
		return price, false
	}
	p, err := price.Add(delta)
	if err != nil || !p.IsPos() {
		return price, false
	}
	return p, true
}

// Stream payloads, fields in Binance's order.

type bookTickerEvent struct {
	U  int64  `json:"u"`
	S  string `json:"s"`
	B  string `json:"b"`
	BQ string `json:"B"`
	A  string `json:"a"`
	AQ string `json:"A"`
}

type tradeEvent struct {
	E      string `json:"e"`
	Time   int64  `json:"E"`
	S      string `json:"s"`
	T      int64  `json:"t"`
	P      string `json:"p"`
	Q      string `json:"q"`
	TT     int64  `json:"T"`
	M      bool   `json:"m"`
	Ignore bool   `json:"M"`
}

type aggTradeEvent struct {
	E      string `json:"e"`
	Time   int64  `json:"E"`
	S      string `json:"s"`
	A      int64  `json:"a"`
	P      string `json:"p"`
	Q      string `json:"q"`
	F      int64  `json:"f"`
	L      int64  `json:"l"`
	TT     int64  `json:"T"`
	M      bool   `json:"m"`
	Ignore bool   `json:"M"`
}

type klineEvent struct {
	E    string    `json:"e"`
	Time int64     `json:"E"`
	S    string    `json:"s"`
	K    klineBody `json:"k"`
}

type klineBody struct {
	Start int64  `json:"t"`
	Close int64  `json:"T"`
	S     string `json:"s"`
	I     string `json:"i"`
	First int64  `json:"f"`
	Last  int64  `json:"L"`
	O     string `json:"o"`
	C     string `json:"c"`
	H     string `json:"h"`
	L     string `json:"l"`
	V     string `json:"v"`
	N     int    `json:"n"`
	X     bool   `json:"x"`
	Q     string `json:"q"`
	TV    string `json:"V"`
	TQ    string `json:"Q"`
	B     string `json:"B"`
}

type miniTickerEvent struct {
	E    string `json:"e"`
	Time int64  `json:"E"`
	S    string `json:"s"`
	C    string `json:"c"`
	O    string `json:"o"`
	H    string `json:"h"`
	L    string `json:"l"`
	V    string `json:"v"`
	Q    string `json:"q"`
}

// mustJSON marshals values whose types cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fake: encoding %T: %v", v, err))
	}
	return b
}
