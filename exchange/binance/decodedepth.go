package binance

import (
	"bytes"
	"strings"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

// depthDecoder turns partial book depth messages (<symbol>@depth<levels>[@100ms]) into books
// without allocating. The payload names no symbol: on a combined connection it comes from the
// "stream" name, on a raw one it is the decoder's only symbol. One decoder serves one
// connection (not concurrent).
type depthDecoder struct {
	lower map[string]string // lower-case stream prefix -> symbol, grown as symbols appear
	only  string            // the symbol of a single-symbol connection
	book  *exchange.Book    // the book being filled by decode
	sym   []byte            // the stream name's symbol part, borrowed
	seen  bool              // a lastUpdateId, bids or asks field was read
}

func newDepthDecoder(symbols []string) *depthDecoder {
	d := &depthDecoder{lower: make(map[string]string, len(symbols))}
	for _, s := range symbols {
		d.lower[strings.ToLower(s)] = s
	}
	if len(symbols) == 1 {
		d.only = symbols[0]
	}
	return d
}

// decode reads one message into b (overwritten). ok is false for messages that carry no book
// (subscription replies). recv is the book's time: the payload carries none.
func (d *depthDecoder) decode(msg []byte, recv time.Time, b *exchange.Book) (ok bool, err error) {
	b.NBids, b.NAsks, b.UpdateID, b.Symbol = 0, 0, 0, ""
	d.book, d.sym, d.seen = b, nil, false
	sc := scanner{buf: msg}
	err = eachKey(&sc, func(key []byte, esc bool) error { return d.top(&sc, key, esc) })
	d.book = nil
	if err != nil {
		return false, err
	}
	sc.ws()
	if sc.pos != len(sc.buf) {
		return false, errMalformed
	}
	if !d.seen {
		return false, nil
	}
	switch {
	case d.sym != nil:
		sym, err := d.intern(d.sym)
		if err != nil {
			return false, err
		}
		b.Symbol = sym
	case d.only != "":
		b.Symbol = d.only
	default:
		return false, errIncomplete
	}
	if b.NBids == 0 && b.NAsks == 0 {
		return false, errIncomplete
	}
	b.Time = recv.UTC()
	return true, nil
}

// intern returns the symbol of a lower-case stream prefix; it allocates only the first time a
// symbol added by a live SUBSCRIBE shows up.
func (d *depthDecoder) intern(lower []byte) (string, error) {
	if s, ok := d.lower[string(lower)]; ok {
		return s, nil
	}
	if len(lower) > 20 {
		return "", errBadSymbol
	}
	var buf [20]byte
	up := buf[:len(lower)]
	for i, ch := range lower {
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		} else if ch < '0' || ch > '9' {
			return "", errBadSymbol // upper case is not a stream name's
		}
		up[i] = ch
	}
	if !validSymbol(string(up)) {
		return "", errBadSymbol
	}
	s := string(up)
	if len(d.lower) < maxInterned {
		d.lower[string(lower)] = s
	}
	return s, nil
}

// top reads one key of the message: the combined stream's "stream" and "data", or a raw
// payload's own fields.
func (d *depthDecoder) top(sc *scanner, key []byte, esc bool) error {
	if !esc && sc.pos < len(sc.buf) {
		switch {
		case string(key) == "stream" && sc.buf[sc.pos] == '"':
			name, vesc, ok := sc.str()
			if !ok {
				return errMalformed
			}
			if vesc {
				return errEscaped
			}
			at := bytes.IndexByte(name, '@')
			if at <= 0 {
				return errBadSymbol
			}
			d.sym = name[:at]
			return nil
		case string(key) == "data" && sc.buf[sc.pos] == '{':
			return eachKey(sc, func(key []byte, esc bool) error { return d.field(sc, key, esc) })
		}
	}
	return d.field(sc, key, esc)
}

// field reads one field of the depth payload, skipping the ones a book does not need.
func (d *depthDecoder) field(sc *scanner, key []byte, esc bool) error {
	if esc || sc.pos >= len(sc.buf) {
		return sc.skip()
	}
	switch string(key) {
	case "lastUpdateId":
		if c := sc.buf[sc.pos]; c < '0' || c > '9' {
			return sc.skip()
		}
		n, ok := sc.uint()
		if !ok {
			return errMalformed
		}
		d.book.UpdateID, d.seen = n, true
		return nil
	case "bids":
		d.seen = true
		return levels(sc, &d.book.Bids, &d.book.NBids)
	case "asks":
		d.seen = true
		return levels(sc, &d.book.Asks, &d.book.NAsks)
	}
	return sc.skip()
}

// levels reads [["price","qty"],...] into dst, keeping the first exchange.BookDepth levels
// and checking the rest are well formed.
func levels(sc *scanner, dst *[exchange.BookDepth]exchange.Level, n *int) error {
	*n = 0
	if !sc.eat('[') {
		return errMalformed
	}
	sc.ws()
	if sc.eat(']') {
		return nil
	}
	for {
		sc.ws()
		if !sc.eat('[') {
			return errMalformed
		}
		sc.ws()
		price, err := decString(sc)
		if err != nil {
			return err
		}
		sc.ws()
		if !sc.eat(',') {
			return errMalformed
		}
		sc.ws()
		qty, err := decString(sc)
		if err != nil {
			return err
		}
		sc.ws()
		if !sc.eat(']') {
			return errMalformed
		}
		if *n < exchange.BookDepth {
			lv := &dst[*n]
			if lv.Price, err = parseDec(price); err != nil {
				return err
			}
			if lv.Qty, err = parseDec(qty); err != nil {
				return err
			}
			if lv.Price.Sign() <= 0 || lv.Qty.Sign() < 0 {
				return errMalformed
			}
			*n++
		}
		sc.ws()
		if sc.eat(',') {
			continue
		}
		if sc.eat(']') {
			return nil
		}
		return errMalformed
	}
}

// decString reads a quoted decimal without escapes, borrowed from the message.
func decString(sc *scanner) ([]byte, error) {
	v, esc, ok := sc.str()
	if !ok {
		return nil, errMalformed
	}
	if esc {
		return nil, errEscaped
	}
	return v, nil
}
