package binance

import (
	"errors"
	"time"
	"unsafe"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

// msgKind is what a market stream message turned out to be.
type msgKind uint8

const (
	msgOther      msgKind = iota // subscription replies, klines, events QuantDeck does not use
	msgBookTicker                // best bid/ask update: Tick with Bid, BidQty, Ask, AskQty
	msgTrade                     // trade: Tick with Last, Qty, Time
	msgShutdown                  // serverShutdown: the connection is about to close
)

var (
	errMalformed  = errors.New("malformed stream message")
	errIncomplete = errors.New("stream message lacks a field it needs")
	errEscaped    = errors.New("unexpected escape in a stream value")
	errBadSymbol  = errors.New("stream message names an invalid symbol")
)

// maxInterned bounds the symbol table so a misbehaving server cannot grow it without end.
const maxInterned = 4096

// streamDecoder turns combined-stream ({"stream":..,"data":{..}}) and raw market stream messages
// into ticks without allocating: it scans the bytes once, parses decimals straight from the
// message buffer and interns symbol names. One decoder serves one connection (not concurrent).
type streamDecoder struct {
	symbols map[string]string
	f       fields
}

// fields are the raw values of one message, borrowed from the message buffer.
type fields struct {
	e, s, b, bq, a, aq, p, q []byte
	t                        int64 // trade time T
	et                       int64 // event time E
	tid                      int64 // trade id t
	m                        int8  // buyer is maker m: 1 true, -1 false, 0 absent
}

func newStreamDecoder(symbols []string) *streamDecoder {
	d := &streamDecoder{symbols: make(map[string]string, len(symbols))}
	for _, s := range symbols {
		d.symbols[s] = s
	}
	return d
}

// decode reads one message into t (overwritten). recv is used as the tick's time when the message
// carries none. Only msgBookTicker and msgTrade fill t.
func (d *streamDecoder) decode(msg []byte, recv time.Time, t *exchange.Tick) (msgKind, error) {
	d.f = fields{}
	sc := scanner{buf: msg}
	if err := d.object(&sc, 0); err != nil {
		return msgOther, err
	}
	sc.ws()
	if sc.pos != len(sc.buf) {
		return msgOther, errMalformed
	}
	f := &d.f
	switch string(f.e) {
	case "trade":
		if f.s == nil || f.p == nil || f.q == nil {
			return msgOther, errIncomplete
		}
		sym, err := d.intern(f.s)
		if err != nil {
			return msgOther, err
		}
		*t = exchange.Tick{Symbol: sym}
		if t.Last, err = parseDec(f.p); err != nil {
			return msgOther, err
		}
		if t.Qty, err = parseDec(f.q); err != nil {
			return msgOther, err
		}
		t.TradeID = f.tid
		switch f.m {
		case 1: // the buyer rested on the book: a seller was the aggressor
			t.Taker = exchange.Sell
		case -1:
			t.Taker = exchange.Buy
		}
		switch {
		case f.t > 0:
			t.Time = time.UnixMilli(f.t).UTC()
		case f.et > 0:
			t.Time = time.UnixMilli(f.et).UTC()
		default:
			t.Time = recv.UTC()
		}
		return msgTrade, nil
	case "", "bookTicker":
		if f.s == nil && f.b == nil && f.a == nil {
			return msgOther, nil // e.g. {"result":null,"id":1}
		}
		if f.s == nil || f.b == nil || f.a == nil {
			return msgOther, errIncomplete
		}
		sym, err := d.intern(f.s)
		if err != nil {
			return msgOther, err
		}
		*t = exchange.Tick{Symbol: sym}
		if t.Bid, err = parseDec(f.b); err != nil {
			return msgOther, err
		}
		if t.Ask, err = parseDec(f.a); err != nil {
			return msgOther, err
		}
		if f.bq != nil {
			if t.BidQty, err = parseDec(f.bq); err != nil {
				return msgOther, err
			}
		}
		if f.aq != nil {
			if t.AskQty, err = parseDec(f.aq); err != nil {
				return msgOther, err
			}
		}
		if f.et > 0 {
			t.Time = time.UnixMilli(f.et).UTC()
		} else {
			t.Time = recv.UTC()
		}
		return msgBookTicker, nil
	case "serverShutdown":
		return msgShutdown, nil
	}
	return msgOther, nil
}

// intern returns the symbol as a string without allocating when it is known.
func (d *streamDecoder) intern(b []byte) (string, error) {
	if s, ok := d.symbols[string(b)]; ok {
		return s, nil
	}
	if !validSymbol(unsafe.String(unsafe.SliceData(b), len(b))) {
		return "", errBadSymbol
	}
	s := string(b)
	if len(d.symbols) < maxInterned {
		d.symbols[s] = s
	}
	return s, nil
}

// parseDec parses a decimal from borrowed bytes. Binance's plain "123.45600000" form with up to
// 18 digits is read directly into a coefficient and scale (the same value decimal.Parse gives,
// trailing zeros kept); anything else goes to decimal.Parse, which does not keep its argument.
func parseDec(b []byte) (decimal.Decimal, error) {
	if len(b) == 0 {
		return decimal.Decimal{}, errIncomplete
	}
	if len(b) <= 19 {
		var coef int64
		scale, digits, dot := 0, 0, false
		ok := true
		for _, ch := range b {
			switch {
			case ch >= '0' && ch <= '9':
				coef = coef*10 + int64(ch-'0')
				digits++
				if dot {
					scale++
				}
			case ch == '.' && !dot:
				dot = true
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && digits > 0 && digits <= 18 {
			return decimal.New(coef, scale)
		}
	}
	return decimal.Parse(unsafe.String(unsafe.SliceData(b), len(b)))
}

// eachKey scans one JSON object and calls fn for every key with the scanner at its value; fn
// must consume the value.
func eachKey(sc *scanner, fn func(key []byte, esc bool) error) error {
	sc.ws()
	if !sc.eat('{') {
		return errMalformed
	}
	sc.ws()
	if sc.eat('}') {
		return nil
	}
	for {
		sc.ws()
		key, esc, ok := sc.str()
		if !ok {
			return errMalformed
		}
		sc.ws()
		if !sc.eat(':') {
			return errMalformed
		}
		sc.ws()
		if err := fn(key, esc); err != nil {
			return err
		}
		sc.ws()
		if sc.eat(',') {
			continue
		}
		if sc.eat('}') {
			return nil
		}
		return errMalformed
	}
}

// object scans one JSON object. depth 0 is the message; depth 1 is the combined stream's "data".
func (d *streamDecoder) object(sc *scanner, depth int) error {
	return eachKey(sc, func(key []byte, esc bool) error { return d.value(sc, key, esc, depth) })
}

// value reads the value of key, keeping the fields a tick needs and skipping the rest.
func (d *streamDecoder) value(sc *scanner, key []byte, esc bool, depth int) error {
	if esc || sc.pos >= len(sc.buf) {
		return sc.skip()
	}
	next := sc.buf[sc.pos]
	if depth == 0 && next == '{' && string(key) == "data" {
		return d.object(sc, 1)
	}
	if len(key) != 1 {
		return sc.skip()
	}
	var dst *[]byte
	switch key[0] {
	case 'e':
		dst = &d.f.e
	case 's':
		dst = &d.f.s
	case 'b':
		dst = &d.f.b
	case 'B':
		dst = &d.f.bq
	case 'a':
		dst = &d.f.a
	case 'A':
		dst = &d.f.aq
	case 'p':
		dst = &d.f.p
	case 'q':
		dst = &d.f.q
	case 'T', 'E', 't':
		if next < '0' || next > '9' {
			return sc.skip()
		}
		n, ok := sc.uint()
		if !ok {
			return errMalformed
		}
		switch key[0] {
		case 'T':
			d.f.t = n
		case 'E':
			d.f.et = n
		default:
			d.f.tid = n
		}
		return nil
	case 'm':
		switch {
		case sc.lit("true"):
			d.f.m = 1
		case sc.lit("false"):
			d.f.m = -1
		default:
			return sc.skip()
		}
		return nil
	default:
		return sc.skip()
	}
	if next != '"' {
		return sc.skip()
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

// scanner walks a JSON text.
type scanner struct {
	buf []byte
	pos int
}

func (sc *scanner) ws() {
	for sc.pos < len(sc.buf) {
		switch sc.buf[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *scanner) eat(ch byte) bool {
	if sc.pos < len(sc.buf) && sc.buf[sc.pos] == ch {
		sc.pos++
		return true
	}
	return false
}

// str reads a string and returns its raw contents (escapes left as they are) and whether it
// held any escape.
func (sc *scanner) str() (raw []byte, escaped, ok bool) {
	if !sc.eat('"') {
		return nil, false, false
	}
	start := sc.pos
	for sc.pos < len(sc.buf) {
		switch ch := sc.buf[sc.pos]; {
		case ch == '"':
			raw = sc.buf[start:sc.pos:sc.pos]
			sc.pos++
			return raw, escaped, true
		case ch == '\\':
			escaped = true
			sc.pos += 2
		case ch < 0x20:
			return nil, false, false
		default:
			sc.pos++
		}
	}
	return nil, false, false
}

// lit consumes the literal word when it comes next.
func (sc *scanner) lit(word string) bool {
	if len(sc.buf)-sc.pos >= len(word) && string(sc.buf[sc.pos:sc.pos+len(word)]) == word {
		sc.pos += len(word)
		return true
	}
	return false
}

// uint reads a non-negative integer that fits in int64.
func (sc *scanner) uint() (int64, bool) {
	var n int64
	start := sc.pos
	for sc.pos < len(sc.buf) && sc.buf[sc.pos] >= '0' && sc.buf[sc.pos] <= '9' {
		if n > (1<<63-1-9)/10 {
			return 0, false
		}
		n = n*10 + int64(sc.buf[sc.pos]-'0')
		sc.pos++
	}
	return n, sc.pos > start
}

// skip passes over one value of any type.
func (sc *scanner) skip() error {
	if sc.pos >= len(sc.buf) {
		return errMalformed
	}
	switch ch := sc.buf[sc.pos]; {
	case ch == '"':
		if _, _, ok := sc.str(); !ok {
			return errMalformed
		}
		return nil
	case ch == '{' || ch == '[':
		return sc.skipNested()
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := sc.pos
		for sc.pos < len(sc.buf) {
			c := sc.buf[sc.pos]
			if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
				break
			}
			sc.pos++
		}
		if sc.pos == start {
			return errMalformed
		}
		return nil
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(sc.buf)-sc.pos >= len(lit) && string(sc.buf[sc.pos:sc.pos+len(lit)]) == lit {
				sc.pos += len(lit)
				return nil
			}
		}
		return errMalformed
	}
}

// maxNesting bounds how deep skipped values may nest.
const maxNesting = 64

// skipNested passes over an object or array, counting brackets outside strings.
func (sc *scanner) skipNested() error {
	var stack [maxNesting]byte
	depth := 0
	for sc.pos < len(sc.buf) {
		ch := sc.buf[sc.pos]
		switch ch {
		case '"':
			if _, _, ok := sc.str(); !ok {
				return errMalformed
			}
			continue
		case '{', '[':
			if depth == maxNesting {
				return errMalformed
			}
			stack[depth] = ch
			depth++
		case '}', ']':
			if depth == 0 || (ch == '}') != (stack[depth-1] == '{') {
				return errMalformed
			}
			depth--
			if depth == 0 {
				sc.pos++
				return nil
			}
		}
		sc.pos++
	}
	return errMalformed
}
