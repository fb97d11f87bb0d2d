package binance

import (
	"encoding/json"
	"testing"
)

// FuzzExchangeInfo feeds arbitrary exchangeInfo answers through decoding and rule conversion.
func FuzzExchangeInfo(f *testing.F) {
	f.Add([]byte(exchangeInfoJSON))
	f.Add([]byte(legacyInfoJSON))
	f.Add([]byte(`{"symbols":[{"symbol":"X","filters":[{"filterType":"PRICE_FILTER","tickSize":"1e400"}]}]}`))
	f.Add([]byte(`{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":-5}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var ei exchangeInfo
		if json.Unmarshal(body, &ei) != nil {
			return
		}
		_ = ei.weightLimit()
		for _, s := range ei.Symbols {
			r := s.toRules()
			if r.Symbol != s.Symbol {
				t.Fatalf("symbol changed: %q -> %q", s.Symbol, r.Symbol)
			}
		}
	})
}

// FuzzKline feeds arbitrary kline rows to the candle parser.
func FuzzKline(f *testing.F) {
	f.Add([]byte(`[1764369600000,"64000.01","64100.00","63900.50","64050.25","12.345",1764369899999,"790000.1",1500,"6.1","390000.0","0"]`))
	f.Add([]byte(`[1,"1","2"]`))
	f.Add([]byte(`["x",1,2,3,4,5]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var row []json.RawMessage
		if json.Unmarshal(body, &row) != nil {
			return
		}
		k, err := parseKline(row)
		if err == nil && k.Open.Location().String() != "UTC" {
			t.Fatalf("candle time not UTC: %v", k.Open)
		}
	})
}

// FuzzOrderResponse feeds arbitrary order answers through the conversion to exchange.Order.
func FuzzOrderResponse(f *testing.F) {
	f.Add([]byte(orderJSON))
	f.Add([]byte(`{"origClientOrderId":"a","clientOrderId":"b","fills":[{"price":"1","qty":"2","tradeId":3}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var o orderResp
		if json.Unmarshal(body, &o) != nil {
			return
		}
		got := o.toOrder()
		if o.OrigClientOrderID != "" && got.ClientID != o.OrigClientOrderID {
			t.Fatalf("client id %q, want the original %q", got.ClientID, o.OrigClientOrderID)
		}
		if len(got.Fills) != len(o.Fills) {
			t.Fatalf("%d fills from %d", len(got.Fills), len(o.Fills))
		}
	})
}
