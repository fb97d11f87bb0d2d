package fake

import (
	"crypto/rand"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// order is one order on the fake exchange. Guarded by Server.mu.
type order struct {
	id           int64
	clientID     string
	symbol       string
	side         exchange.Side
	typ          exchange.OrderType
	tif          exchange.TimeInForce
	price        decimal.Decimal // limit price; zero for MARKET
	origQty      decimal.Decimal
	origQuoteQty decimal.Decimal
	executed     decimal.Decimal
	cumQuote     decimal.Decimal
	status       exchange.OrderStatus
	created      time.Time
	updated      time.Time
	lockAsset    string
	locked       decimal.Decimal // still locked for this order
	acct         *account
}

func (o *order) open() bool { return !o.status.Final() }

// orderReq is a parsed new-order request.
type orderReq struct {
	symbol   string
	side     exchange.Side
	typ      exchange.OrderType
	tif      exchange.TimeInForce
	qty      decimal.Decimal
	quoteQty decimal.Decimal
	price    decimal.Decimal
	clientID string
	respType string
}

// parseOrder reads and checks a new-order request's parameters as Binance does, before any
// filter or balance check.
func (s *Server) parseOrder(p params) (orderReq, *market, *apiError) {
	var req orderReq
	m, e := s.marketParam(p)
	if e != nil {
		return req, nil, e
	}
	req.symbol = m.rules.Symbol
	switch side := p.get("side"); side {
	case "":
		return req, m, errMandatory("side")
	case "BUY", "SELL":
		req.side = exchange.Side(side)
	default:
		return req, m, badRequest(codeInvalidSide, "Invalid side.")
	}
	switch typ := p.get("type"); typ {
	case "":
		return req, m, errMandatory("type")
	case "LIMIT", "MARKET":
		req.typ = exchange.OrderType(typ)
	default:
		return req, m, badRequest(codeInvalidOrderType, "Invalid orderType.")
	}
	req.respType = p.get("newOrderRespType")
	switch req.respType {
	case "":
		req.respType = "FULL"
	case "ACK", "RESULT", "FULL":
	default:
		return req, m, badRequest(codeIllegalChars, "Illegal characters found in parameter 'newOrderRespType'; legal range is 'ACK, RESULT, FULL'.")
	}
	req.clientID = p.get("newClientOrderId")
	if p.has("newClientOrderId") && !clientIDPattern.MatchString(req.clientID) {
		return req, m, badRequest(codeIllegalChars, "Illegal characters found in parameter 'newClientOrderId'; legal range is '%s'.", clientIDPattern.String())
	}
	if req.clientID == "" {
		req.clientID = randomID()
	}
	var hasQty, hasQuote, hasPrice bool
	if req.qty, hasQty, e = decimalParam(p, "quantity"); e != nil {
		return req, m, e
	}
	if req.quoteQty, hasQuote, e = decimalParam(p, "quoteOrderQty"); e != nil {
		return req, m, e
	}
	if req.price, hasPrice, e = decimalParam(p, "price"); e != nil {
		return req, m, e
	}
	if req.typ == exchange.Limit {
		tif := p.get("timeInForce")
		switch tif {
		case "":
			return req, m, errMandatory("timeInForce")
		case "GTC", "IOC", "FOK":
			req.tif = exchange.TimeInForce(tif)
		default:
			return req, m, badRequest(codeInvalidTIF, "Invalid timeInForce.")
		}
		if !hasQty {
			return req, m, errMandatory("quantity")
		}
		if !hasPrice {
			return req, m, errMandatory("price")
		}
		if hasQuote {
			return req, m, errNotRequired("quoteOrderQty")
		}
		return req, m, nil
	}
	req.tif = exchange.GTC
	if p.has("timeInForce") {
		return req, m, badRequest(codeTIFNotRequired, "TimeInForce parameter sent when not required.")
	}
	if hasPrice {
		return req, m, errNotRequired("price")
	}
	if hasQty == hasQuote {
		if hasQty {
			return req, m, errNotRequired("quoteOrderQty")
		}
		return req, m, badRequest(codeMandatory, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
	}
	return req, m, nil
}

// randomID makes a client order id like the ones Binance generates.
func randomID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// checkFilters applies the symbol's filters to an order of qty at price (the reference price
// for a MARKET order), answering Binance's "Filter failure: X".
func checkFilters(m *market, typ exchange.OrderType, price, qty decimal.Decimal) *apiError {
	r := m.rules
	if typ == exchange.Limit {
		if price.Cmp(r.MinPrice) < 0 || (!r.MaxPrice.IsZero() && price.Cmp(r.MaxPrice) > 0) ||
			r.RoundPrice(price, exchange.Buy).Cmp(price) != 0 {
			return errFilter("PRICE_FILTER")
		}
	}
	if qty.Cmp(r.MinQty) < 0 || (!r.MaxQty.IsZero() && qty.Cmp(r.MaxQty) > 0) ||
		r.RoundQty(qty, exchange.Limit).Cmp(qty) != 0 {
		return errFilter("LOT_SIZE")
	}
	if typ == exchange.Market && !r.MarketMaxQty.IsZero() && qty.Cmp(r.MarketMaxQty) > 0 {
		return errFilter("MARKET_LOT_SIZE")
	}
	notional, err := price.Mul(qty)
	if err != nil {
		return errFilter(notionalFilter(m))
	}
	market := typ == exchange.Market
	if !r.MinNotional.IsZero() && (!market || r.ApplyMinToMarket) && notional.Cmp(r.MinNotional) < 0 {
		return errFilter(notionalFilter(m))
	}
	if !m.legacy && !r.MaxNotional.IsZero() && (!market || r.ApplyMaxToMarket) && notional.Cmp(r.MaxNotional) > 0 {
		return errFilter("NOTIONAL")
	}
	return nil
}

func notionalFilter(m *market) string {
	if m.legacy {
		return "MIN_NOTIONAL"
	}
	return "NOTIONAL"
}

// place validates and executes a new order for a with s.mu held. On success the order is on
// the book or already final, with its fills recorded.
func (s *Server) place(a *account, m *market, req orderReq, now time.Time) (*order, []trade, *apiError) {
	if m.rules.Status != "TRADING" {
		return nil, nil, badRequest(codeNewOrderRejected, "Market is closed.")
	}
	execPrice := m.ask // what a taker pays or receives now
	if req.side == exchange.Sell {
		execPrice = m.bid
	}
	qty := req.qty
	if req.typ == exchange.Market && !req.quoteQty.IsZero() {
		q, err := req.quoteQty.Quo(execPrice)
		if err != nil {
			return nil, nil, errFilter("LOT_SIZE")
		}
		qty = m.rules.RoundQty(q, exchange.Limit)
	}
	ref := req.price
	if req.typ == exchange.Market {
		ref = execPrice
	}
	if e := checkFilters(m, req.typ, ref, qty); e != nil {
		return nil, nil, e
	}
	for _, o := range a.byClient[req.clientID] {
		if o.open() {
			return nil, nil, badRequest(codeNewOrderRejected, "Duplicate order sent.")
		}
	}
	if e := s.countOrder(a, now); e != nil {
		return nil, nil, e
	}
	o := &order{
		id: s.nextOrderID, clientID: req.clientID, symbol: m.rules.Symbol, side: req.side, typ: req.typ,
		tif: req.tif, origQty: qty, origQuoteQty: req.quoteQty, status: exchange.StatusNew,
		created: now, updated: now, acct: a,
	}
	if req.typ == exchange.Limit {
		o.price = req.price
	}
	// Funds: a limit order locks its whole value; a market order needs its cost free now.
	var c calc
	need, asset := qty, m.rules.Base
	if req.side == exchange.Buy {
		asset = m.rules.Quote
		need = c.mul(ref, qty)
	}
	if c.err != nil {
		return nil, nil, errFilter(notionalFilter(m))
	}
	b := a.bal(asset)
	if b.free.Cmp(need) < 0 {
		return nil, nil, errInsufficient()
	}
	s.nextOrderID++
	a.orders = append(a.orders, o)
	a.byID[o.id] = o
	a.byClient[o.clientID] = append(a.byClient[o.clientID], o)
	if req.typ == exchange.Limit {
		o.lockAsset, o.locked = asset, need
		b.free, b.locked = c.sub(b.free, need), c.add(b.locked, need)
	}
	s.executionReport(o, "NEW", nil, "")
	if o.lockAsset != "" {
		s.accountPosition(a, o.lockAsset)
	}
	marketable := req.typ == exchange.Market ||
		(req.side == exchange.Buy && m.ask.Cmp(req.price) <= 0) ||
		(req.side == exchange.Sell && m.bid.Cmp(req.price) >= 0)
	var fills []trade
	switch {
	case marketable:
		t, e := s.fill(m, o, qty, execPrice, false, now)
		if e != nil { // only on decimal overflow: leave nothing half done
			o.status = exchange.StatusExpired
			s.release(o)
			return nil, nil, e
		}
		fills = append(fills, t)
	case req.tif == exchange.GTC:
		m.resting = append(m.resting, o)
	default: // IOC or FOK with nothing to match
		o.status = exchange.StatusExpired
		s.release(o)
		s.executionReport(o, "EXPIRED", nil, "")
		s.accountPosition(a, o.lockAsset)
	}
	return o, fills, nil
}

// countOrder applies the ORDERS limits (per 10 s and per day) and counts this order.
func (s *Server) countOrder(a *account, now time.Time) *apiError {
	// Placements are kept in time order, so the day's window is a suffix and each count a
	// binary search: the fake stays as fast at its ten-thousandth order as at its first.
	old := sort.Search(len(a.orderTimes), func(i int) bool { return now.Sub(a.orderTimes[i]) < 24*time.Hour })
	a.orderTimes = a.orderTimes[old:]
	if s.opts.OrderLimit10s > 0 && a.ordersSince(now.Add(-10*time.Second)) >= s.opts.OrderLimit10s {
		return &apiError{status: http.StatusTooManyRequests, code: codeTooManyOrders, msg: "Too many new orders; current limit is 100 orders per TEN_SECONDS."}
	}
	if n := len(a.orderTimes); n > 0 && now.Before(a.orderTimes[n-1]) {
		now = a.orderTimes[n-1] // a clock that stepped back: keep the order
	}
	a.orderTimes = append(a.orderTimes, now)
	return nil
}

// ordersSince counts the placements after t.
func (a *account) ordersSince(t time.Time) int {
	return len(a.orderTimes) - sort.Search(len(a.orderTimes), func(i int) bool { return a.orderTimes[i].After(t) })
}

// orderCountHeaders sets X-MBX-ORDER-COUNT-10S and -1D for a successful placement.
func (a *account) orderCountHeaders(w http.ResponseWriter, now time.Time) {
	w.Header().Set("X-MBX-ORDER-COUNT-10S", strconv.Itoa(a.ordersSince(now.Add(-10*time.Second))))
	day := now.Truncate(24 * time.Hour)
	w.Header().Set("X-MBX-ORDER-COUNT-1D", strconv.Itoa(a.ordersSince(day.Add(-time.Nanosecond))))
}

// findOrder looks an order up by orderId or origClientOrderId (the newest with that id) on
// symbol. missing reports that neither parameter was sent.
func (a *account) findOrder(symbol string, p params) (o *order, missing bool) {
	if id := p.get("orderId"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, false
		}
		if o, ok := a.byID[n]; ok && o.symbol == symbol {
			return o, false
		}
		return nil, false
	}
	cid := p.get("origClientOrderId")
	if cid == "" {
		return nil, true
	}
	same := a.byClient[cid]
	for i := len(same) - 1; i >= 0; i-- {
		if o := same[i]; o.symbol == symbol {
			return o, false
		}
	}
	return nil, false
}
