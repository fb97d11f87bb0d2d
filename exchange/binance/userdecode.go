package binance

import (
	"errors"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// userKind is what a WebSocket API message turned out to be.
type userKind uint8

const (
	userOther      userKind = iota // account positions, balance updates, list statuses
	userResponse                   // the answer to one of our requests
	userExecution                  // executionReport: an order changed
	userTerminated                 // eventStreamTerminated: the subscription has ended
	userShutdown                   // serverShutdown: the connection is about to close
)

var errBadExecution = errors.New("execution report lacks a field it needs")

// userMsg is one decoded WebSocket API message. Byte slices borrow the message buffer.
type userMsg struct {
	kind   userKind
	id     []byte // response id: the raw string, or the digits of a number
	status int64  // response HTTP-like status
	subID  int64  // event subscription id, -1 when absent
	result []byte // response result, raw JSON
	errRaw []byte // response error, raw JSON
	ev     execFields
}

// execFields are the raw executionReport fields QuantDeck reads. Binance's one-letter keys are
// case-sensitive: c/C, s/S, x/X, l/L, n/N, t/T, o/O are different fields.
type execFields struct {
	e, s, c, origC, side, typ, x, status []byte
	lastQty, cumQty, lastPrice, fee      []byte
	feeAsset, price, qty, cumQuote       []byte
	eventTime, txTime, created           int64
	orderID, tradeID                     int64
	hasOrderID                           bool
}

// decodeUser reads one WebSocket API message into m (overwritten): a response
// ({"id","status","result"|"error"}) or an event ({"subscriptionId","event":{...}}).
func decodeUser(msg []byte, m *userMsg) error {
	*m = userMsg{subID: -1, ev: execFields{tradeID: -1}}
	sc := scanner{buf: msg}
	hasEvent, err := m.top(&sc)
	if err != nil {
		return err
	}
	sc.ws()
	if sc.pos != len(sc.buf) {
		return errMalformed
	}
	switch {
	case hasEvent:
		switch string(m.ev.e) {
		case "executionReport":
			m.kind = userExecution
		case "eventStreamTerminated":
			m.kind = userTerminated
		case "serverShutdown":
			m.kind = userShutdown
		}
	case m.status != 0:
		m.kind = userResponse
	}
	return nil
}

// top scans the outer object and reports whether it carried an event.
func (m *userMsg) top(sc *scanner) (bool, error) {
	hasEvent := false
	err := eachKey(sc, func(key []byte, esc bool) error {
		if esc || sc.pos >= len(sc.buf) {
			return sc.skip()
		}
		switch string(key) {
		case "id":
			if sc.buf[sc.pos] == '"' {
				v, vesc, ok := sc.str()
				if !ok || vesc {
					return errMalformed
				}
				m.id = v
				return nil
			}
			start := sc.pos
			if err := sc.skip(); err != nil {
				return err
			}
			m.id = sc.buf[start:sc.pos:sc.pos]
			return nil
		case "status":
			n, ok := sc.int()
			if !ok {
				return errMalformed
			}
			m.status = n
			return nil
		case "subscriptionId":
			n, ok := sc.int()
			if !ok {
				return errMalformed
			}
			m.subID = n
			return nil
		case "result", "error":
			start := sc.pos
			if err := sc.skip(); err != nil {
				return err
			}
			if key[0] == 'r' {
				m.result = sc.buf[start:sc.pos:sc.pos]
			} else {
				m.errRaw = sc.buf[start:sc.pos:sc.pos]
			}
			return nil
		case "event":
			if sc.buf[sc.pos] != '{' {
				return sc.skip()
			}
			hasEvent = true
			return eachKey(sc, m.ev.field(sc))
		}
		return sc.skip()
	})
	return hasEvent, err
}

// field returns the key handler for an event object: it keeps the one-letter fields of an
// executionReport and skips everything else.
func (f *execFields) field(sc *scanner) func(key []byte, esc bool) error {
	return func(key []byte, esc bool) error {
		if esc || len(key) != 1 || sc.pos >= len(sc.buf) {
			return sc.skip()
		}
		var dst *[]byte
		var num *int64
		switch key[0] {
		case 'e':
			dst = &f.e
		case 's':
			dst = &f.s
		case 'c':
			dst = &f.c
		case 'C':
			dst = &f.origC
		case 'S':
			dst = &f.side
		case 'o':
			dst = &f.typ
		case 'x':
			dst = &f.x
		case 'X':
			dst = &f.status
		case 'l':
			dst = &f.lastQty
		case 'z':
			dst = &f.cumQty
		case 'L':
			dst = &f.lastPrice
		case 'n':
			dst = &f.fee
		case 'N':
			dst = &f.feeAsset
		case 'p':
			dst = &f.price
		case 'q':
			dst = &f.qty
		case 'Z':
			dst = &f.cumQuote
		case 'E':
			num = &f.eventTime
		case 'T':
			num = &f.txTime
		case 'O':
			num = &f.created
		case 'i':
			num, f.hasOrderID = &f.orderID, true
		case 't':
			num = &f.tradeID
		default:
			return sc.skip()
		}
		next := sc.buf[sc.pos]
		if num != nil {
			if next != '-' && (next < '0' || next > '9') {
				return sc.skip() // null where a number was expected: leave the default
			}
			n, ok := sc.int()
			if !ok {
				return errMalformed
			}
			*num = n
			return nil
		}
		if next != '"' {
			return sc.skip() // e.g. "N":null before any fee was charged
		}
		v, vesc, ok := sc.str()
		if !ok {
			return errMalformed
		}
		if vesc {
			return errEscaped
		}
		*dst = v
		return nil
	}
}

// int reads an integer that fits in int64, with an optional minus sign.
func (sc *scanner) int() (int64, bool) {
	neg := sc.eat('-')
	n, ok := sc.uint()
	if !ok {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// order turns an executionReport into the order it describes. A TRADE report carries its fill
// (trade id t, price L, quantity l, fee n in asset N); the order's id is C for a cancellation
// (c is then the cancel request's own id).
func (f *execFields) order() (exchange.Order, error) {
	id := f.c
	if len(f.origC) > 0 {
		id = f.origC
	}
	if !validClientID(string(id)) || !validSymbol(string(f.s)) || len(f.status) == 0 || !f.hasOrderID {
		return exchange.Order{}, errBadExecution
	}
	o := exchange.Order{
		ClientID:   string(id),
		ExchangeID: f.orderID,
		Symbol:     string(f.s),
		Side:       execSide(f.side),
		Type:       execType(f.typ),
		Status:     execStatus(f.status),
		Created:    msTime(f.created),
		Updated:    msTime(f.txTime),
	}
	if o.Updated.IsZero() {
		o.Updated = msTime(f.eventTime)
	}
	var err error
	if o.Price, err = optDec(f.price); err != nil {
		return exchange.Order{}, err
	}
	if o.Quantity, err = optDec(f.qty); err != nil {
		return exchange.Order{}, err
	}
	if o.ExecutedQty, err = optDec(f.cumQty); err != nil {
		return exchange.Order{}, err
	}
	if o.QuoteQty, err = optDec(f.cumQuote); err != nil {
		return exchange.Order{}, err
	}
	if o.Price.IsNeg() || o.Quantity.IsNeg() || o.ExecutedQty.IsNeg() || o.QuoteQty.IsNeg() {
		return exchange.Order{}, errBadExecution
	}
	if string(f.x) != "TRADE" || f.tradeID < 0 {
		return o, nil
	}
	fill := exchange.Fill{TradeID: f.tradeID, ClientID: o.ClientID, Symbol: o.Symbol, Side: o.Side,
		FeeAsset: string(f.feeAsset), Time: o.Updated}
	if fill.Price, err = parseDec(f.lastPrice); err != nil || !fill.Price.IsPos() {
		return exchange.Order{}, errBadExecution
	}
	if fill.Qty, err = parseDec(f.lastQty); err != nil || !fill.Qty.IsPos() {
		return exchange.Order{}, errBadExecution
	}
	if fill.Fee, err = optDec(f.fee); err != nil {
		return exchange.Order{}, err
	}
	o.Fills = []exchange.Fill{fill}
	return o, nil
}

// optDec parses a decimal that may be absent (zero then).
func optDec(b []byte) (decimal.Decimal, error) {
	if len(b) == 0 {
		return decimal.Decimal{}, nil
	}
	d, err := parseDec(b)
	if err != nil {
		return decimal.Decimal{}, errBadExecution
	}
	return d, nil
}

// execSide and execType return the port's constants for the usual values, so decoding a
// report does not allocate a string for them.
func execSide(b []byte) exchange.Side {
	switch string(b) {
	case "BUY":
		return exchange.Buy
	case "SELL":
		return exchange.Sell
	}
	return exchange.Side(b)
}

func execType(b []byte) exchange.OrderType {
	switch string(b) {
	case "LIMIT":
		return exchange.Limit
	case "MARKET":
		return exchange.Market
	}
	return exchange.OrderType(b)
}

// execStatus maps Binance's order statuses onto the port's; the transient and match-time
// variants become the status they amount to.
func execStatus(b []byte) exchange.OrderStatus {
	switch string(b) {
	case "NEW", "PENDING_NEW":
		return exchange.StatusNew
	case "PARTIALLY_FILLED":
		return exchange.StatusPartiallyFilled
	case "FILLED":
		return exchange.StatusFilled
	case "CANCELED":
		return exchange.StatusCanceled
	case "REJECTED":
		return exchange.StatusRejected
	case "EXPIRED", "EXPIRED_IN_MATCH":
		return exchange.StatusExpired
	}
	return exchange.OrderStatus(b)
}

// msTime converts a millisecond timestamp to UTC time; zero stays zero.
func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
