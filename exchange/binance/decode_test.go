package binance

//go:generate go run ./testdata/gencorpus -o testdata/stream_corpus.jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

var recvTime = time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC)

func TestDecodeStreamMessages(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		kind    msgKind
		wantErr error
		want    exchange.Tick
	}{
		{"combined bookTicker", `{"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}`,
			msgBookTicker, nil, exchange.Tick{Symbol: "BNBUSDT", Bid: d("25.3519"), BidQty: d("31.21"), Ask: d("25.3652"), AskQty: d("40.66"), Time: recvTime}},
		{"raw bookTicker", `{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`,
			msgBookTicker, nil, exchange.Tick{Symbol: "BNBUSDT", Bid: d("25.3519"), BidQty: d("31.21"), Ask: d("25.3652"), AskQty: d("40.66"), Time: recvTime}},
		{"bookTicker with event time, reordered, spaced", " {\n \"data\" : { \"A\":\"2\", \"a\":\"11\" , \"E\":1672515782136, \"B\":\"1\",\"b\":\"10\",\"s\":\"BTCUSDT\"},\"stream\":\"btcusdt@bookTicker\" }\n",
			msgBookTicker, nil, exchange.Tick{Symbol: "BTCUSDT", Bid: d("10"), BidQty: d("1"), Ask: d("11"), AskQty: d("2"), Time: time.UnixMilli(1672515782136).UTC()}},
		{"combined trade", `{"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782130,"m":true,"M":true}}`,
			msgTrade, nil, exchange.Tick{Symbol: "BNBBTC", Last: d("0.001"), Qty: d("100"), Time: time.UnixMilli(1672515782130).UTC(), TradeID: 12345, Taker: exchange.Sell}},
		{"raw trade without trade time", `{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100"}`,
			msgTrade, nil, exchange.Tick{Symbol: "BNBBTC", Last: d("0.001"), Qty: d("100"), Time: time.UnixMilli(1672515782136).UTC(), TradeID: 12345}},
		{"trade with skipped nested and escaped fields", `{"stream":"x\"y","data":{"e":"trade","X":{"a":[1,{"b":"}"}],"c":null},"s":"BTCUSDT","z":"a\\\"b","p":"1.5","q":"2","T":5,"m":false,"M":true,"n":-1.5e-3}}`,
			msgTrade, nil, exchange.Tick{Symbol: "BTCUSDT", Last: d("1.5"), Qty: d("2"), Time: time.UnixMilli(5).UTC(), Taker: exchange.Buy}},
		{"server shutdown raw", `{"e":"serverShutdown","E":1764370000000}`, msgShutdown, nil, exchange.Tick{}},
		{"server shutdown wrapped", `{"stream":"btcusdt@trade","data":{"e":"serverShutdown","E":1764370000000}}`, msgShutdown, nil, exchange.Tick{}},
		{"subscription reply", `{"result":null,"id":1}`, msgOther, nil, exchange.Tick{}},
		{"kline", `{"stream":"bnbbtc@kline_1m","data":{"e":"kline","E":1,"s":"BNBBTC","k":{"t":1,"T":2,"s":"BNBBTC","i":"1m","o":"0.0010","c":"0.0020","x":false}}}`, msgOther, nil, exchange.Tick{}},
		{"trade missing price", `{"e":"trade","s":"BNBBTC","q":"100"}`, msgOther, errIncomplete, exchange.Tick{}},
		{"bookTicker missing ask", `{"u":1,"s":"BNBBTC","b":"1","B":"1"}`, msgOther, errIncomplete, exchange.Tick{}},
		{"escaped symbol", `{"e":"trade","s":"BTC\u0055SDT","p":"1","q":"1"}`, msgOther, errEscaped, exchange.Tick{}},
		{"lower-case symbol", `{"e":"trade","s":"btcusdt","p":"1","q":"1"}`, msgOther, errBadSymbol, exchange.Tick{}},
		{"numeric price is not a price", `{"e":"trade","s":"BTCUSDT","p":1,"q":"1"}`, msgOther, errIncomplete, exchange.Tick{}},
		{"truncated", `{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTC`, msgOther, errMalformed, exchange.Tick{}},
		{"trailing garbage", `{"e":"serverShutdown"}x`, msgOther, errMalformed, exchange.Tick{}},
		{"not an object", `[1,2]`, msgOther, errMalformed, exchange.Tick{}},
		{"empty", ``, msgOther, errMalformed, exchange.Tick{}},
		{"mismatched brackets", `{"x":[1}}`, msgOther, errMalformed, exchange.Tick{}},
	}
	dec := newStreamDecoder([]string{"BTCUSDT", "BNBUSDT"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tick exchange.Tick
			kind, err := dec.decode([]byte(tt.msg), recvTime, &tick)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || kind != tt.kind {
				t.Fatalf("kind, err = %v, %v; want %v", kind, err, tt.kind)
			}
			if (kind == msgBookTicker || kind == msgTrade) && !sameTick(tick, tt.want) {
				t.Fatalf("tick = %+v\nwant   %+v", tick, tt.want)
			}
		})
	}
}

func TestDecodeRejectsBadDecimal(t *testing.T) {
	dec := newStreamDecoder(nil)
	var tick exchange.Tick
	if _, err := dec.decode([]byte(`{"e":"trade","s":"BTCUSDT","p":"1.2.3","q":"1"}`), recvTime, &tick); err == nil {
		t.Fatal("want an error for a malformed price")
	}
}

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

func sameTick(a, b exchange.Tick) bool {
	return a.Symbol == b.Symbol && a.Bid.Cmp(b.Bid) == 0 && a.BidQty.Cmp(b.BidQty) == 0 &&
		a.Ask.Cmp(b.Ask) == 0 && a.AskQty.Cmp(b.AskQty) == 0 && a.Last.Cmp(b.Last) == 0 &&
		a.Qty.Cmp(b.Qty) == 0 && a.Time.Equal(b.Time) && a.TradeID == b.TradeID && a.Taker == b.Taker
}

func loadCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/stream_corpus.jsonl")
	if err != nil {
		tb.Fatalf("reading the corpus (go generate ./exchange/binance recreates it): %v", err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) < 4000 {
		tb.Fatalf("corpus has %d messages, want at least 4000", len(lines))
	}
	return lines
}

// referenceTick decodes a message with encoding/json, the slow obvious way.
func referenceTick(msg []byte) (msgKind, exchange.Tick, error) {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(msg, &env); err != nil {
		return msgOther, exchange.Tick{}, err
	}
	var m map[string]any
	if err := json.Unmarshal(env.Data, &m); err != nil {
		return msgOther, exchange.Tick{}, err
	}
	str := func(k string) decimal.Decimal { s, _ := m[k].(string); return decimal.MustParse(s) }
	ms := func(k string) time.Time { f, _ := m[k].(float64); return time.UnixMilli(int64(f)).UTC() }
	sym, _ := m["s"].(string)
	if m["e"] == "trade" {
		tid, _ := m["t"].(float64)
		t := exchange.Tick{Symbol: sym, Last: str("p"), Qty: str("q"), Time: ms("T"), TradeID: int64(tid)}
		if maker, ok := m["m"].(bool); ok {
			t.Taker = map[bool]exchange.Side{true: exchange.Sell, false: exchange.Buy}[maker]
		}
		return msgTrade, t, nil
	}
	return msgBookTicker, exchange.Tick{Symbol: sym, Bid: str("b"), BidQty: str("B"), Ask: str("a"), AskQty: str("A"), Time: recvTime}, nil
}

func TestDecodeCorpusMatchesEncodingJSON(t *testing.T) {
	lines := loadCorpus(t)
	dec := newStreamDecoder(nil)
	counts := map[msgKind]int{}
	for i, msg := range lines {
		var got exchange.Tick
		kind, err := dec.decode(msg, recvTime, &got)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		wantKind, want, err := referenceTick(msg)
		if err != nil {
			t.Fatalf("line %d: reference: %v", i+1, err)
		}
		if kind != wantKind || !sameTick(got, want) {
			t.Fatalf("line %d: got %v %+v\nwant %v %+v", i+1, kind, got, wantKind, want)
		}
		counts[kind]++
	}
	if counts[msgTrade] < 500 || counts[msgBookTicker] < 2000 {
		t.Fatalf("corpus mix = %v, want both kinds well represented", counts)
	}
}

func TestDecodeDoesNotAllocate(t *testing.T) {
	lines := loadCorpus(t)
	dec := newStreamDecoder([]string{"BTCUSDT"})
	var tick exchange.Tick
	for _, msg := range lines { // warm the symbol table
		if _, err := dec.decode(msg, recvTime, &tick); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(len(lines), func() {
		if _, err := dec.decode(lines[i%len(lines)], recvTime, &tick); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Fatalf("decode allocates %.2f times per message, want 0", allocs)
	}
}

func BenchmarkDecodeStream(b *testing.B) {
	lines := loadCorpus(b)
	dec := newStreamDecoder(nil)
	var tick exchange.Tick
	var n, bytesTotal int
	for _, msg := range lines {
		bytesTotal += len(msg)
		dec.decode(msg, recvTime, &tick)
	}
	b.SetBytes(int64(bytesTotal / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := dec.decode(lines[n%len(lines)], recvTime, &tick); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msgs/s")
}

func FuzzDecodeStream(f *testing.F) {
	lines := loadCorpus(f)
	for _, msg := range lines[:32] {
		f.Add(msg)
	}
	for _, s := range []string{
		`{"e":"serverShutdown"}`, `{"result":null,"id":1}`, `{"data":{"data":{"s":"X"}}}`,
		`{"e":"trade","s":"BTCUSDT","p":"1e5","q":"-0","T":99999999999999999999}`,
		`{"u":1,"s":"A","b":"1","a":"2","x":[[[[[[[[[[[[]]]]]]]]]]]]}`, `{"s":"\`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		dec := newStreamDecoder([]string{"BTCUSDT"})
		var tick exchange.Tick
		kind, err := dec.decode(msg, recvTime, &tick)
		if err != nil || (kind != msgTrade && kind != msgBookTicker) {
			return
		}
		if !validSymbol(tick.Symbol) {
			t.Fatalf("invalid symbol %q from %q", tick.Symbol, msg)
		}
		// Whatever was decoded must survive a round trip through the canonical form.
		var canon string
		if kind == msgTrade {
			canon = fmt.Sprintf(`{"e":"trade","s":%q,"t":%d,"p":"%s","q":"%s","T":%d`, tick.Symbol, tick.TradeID, tick.Last, tick.Qty, tick.Time.UnixMilli())
			switch tick.Taker {
			case exchange.Sell:
				canon += `,"m":true}`
			case exchange.Buy:
				canon += `,"m":false}`
			default:
				canon += `}`
			}
		} else {
			canon = fmt.Sprintf(`{"s":%q,"b":"%s","B":"%s","a":"%s","A":"%s"}`, tick.Symbol, tick.Bid, tick.BidQty, tick.Ask, tick.AskQty)
		}
		var again exchange.Tick
		k2, err := newStreamDecoder(nil).decode([]byte(canon), tick.Time, &again)
		if kind == msgTrade && tick.Time.UnixMilli() <= 0 {
			return // a trade time of zero is replaced by the event or receive time
		}
		if err != nil || k2 != kind || !sameTick(again, tick) {
			t.Fatalf("round trip of %q: %v %v %+v != %+v", msg, k2, err, again, tick)
		}
	})
}

// FuzzParseDec checks the fast decimal path against decimal.Parse.
func FuzzParseDec(f *testing.F) {
	for _, s := range []string{"64123.46000000", "0.00000000", "5.", ".5", ".", "123456789012345678", "1234567890123456789", "1.2.3", "-1", "+1", "1e5", "00012.3400", "999999999999999999.9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDec([]byte(s))
		want, werr := decimal.Parse(s)
		if (err == nil) != (werr == nil) && s != "" {
			t.Fatalf("parseDec(%q) err = %v, decimal.Parse err = %v", s, err, werr)
		}
		if err == nil && (got != want || got.String() != want.String()) {
			t.Fatalf("parseDec(%q) = %s (scale %d), decimal.Parse = %s (scale %d)", s, got, got.Scale(), want, want.Scale())
		}
	})
}
