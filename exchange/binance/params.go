package binance

import (
	"net/url"
	"strconv"

	"github.com/govalues/decimal"
)

// params builds a query string in the order the parameters are added; the signature covers these
// exact bytes.
type params struct{ b []byte }

func (p *params) add(k, v string) {
	if len(p.b) > 0 {
		p.b = append(p.b, '&')
	}
	p.b = append(p.b, k...)
	p.b = append(p.b, '=')
	p.b = append(p.b, url.QueryEscape(v)...)
}

func (p *params) addInt(k string, v int64) { p.add(k, strconv.FormatInt(v, 10)) }

// addDecimal writes d without trailing zeros: Binance rejects more decimals than an asset has.
func (p *params) addDecimal(k string, d decimal.Decimal) { p.add(k, d.Trim(0).String()) }
