package binance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
)

// depthMsg builds a combined partial depth message with n levels a side around price 100.
func depthMsg(symbol string, n int) string {
	var bids, asks []string
	for i := range n {
		bids = append(bids, fmt.Sprintf(`["%d.%02d000000","%d.50000000"]`, 99-i/100, 99-i%100, i+1))
		asks = append(asks, fmt.Sprintf(`["%d.%02d000000","%d.25000000"]`, 100+i/100, i%100+1, i+2))
	}
	return fmt.Sprintf(`{"stream":"%s@depth20@100ms","data":{"lastUpdateId":160,"bids":[%s],"asks":[%s]}}`,
		strings.ToLower(symbol), strings.Join(bids, ","), strings.Join(asks, ","))
}

func TestDecodeDepth(t *testing.T) {
	tests := []struct {
		name       string
		symbols    []string
		msg        string
		ok         bool
		wantErr    error
		sym        string
		nb, na     int
		bid0, ask0 string
		bidQ0      string
		upID       int64
	}{
		{"docs example, combined", []string{"BNBBTC"}, `{"stream":"bnbbtc@depth20@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}}`,
			true, nil, "BNBBTC", 1, 1, "0.0024", "0.0026", "10", 160},
		{"raw on a one-symbol connection", []string{"BNBBTC"}, `{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}`,
			true, nil, "BNBBTC", 1, 1, "0.0024", "0.0026", "10", 160},
		{"twenty levels", []string{"BTCUSDT", "ETHUSDT"}, depthMsg("ETHUSDT", 20), true, nil, "ETHUSDT", 20, 20, "99.99", "100.01", "1.5", 160},
		{"more levels than kept", []string{"BTCUSDT"}, depthMsg("BTCUSDT", 25), true, nil, "BTCUSDT", 20, 20, "99.99", "100.01", "1.5", 160},
		{"data before stream, spaced", []string{"BTCUSDT"}, " {\"data\" : { \"asks\" : [ [ \"2\" , \"1\" ] ] , \"bids\":[], \"E\":5 }, \"stream\":\"btcusdt@depth5\"}",
			true, nil, "BTCUSDT", 0, 1, "", "2", "", 0},
		{"subscription reply", []string{"BTCUSDT"}, `{"result":null,"id":1}`, false, nil, "", 0, 0, "", "", "", 0},
		{"symbol subscribed later", []string{"BTCUSDT"}, depthMsg("ETHUSDT", 2), true, nil, "ETHUSDT", 2, 2, "99.99", "100.01", "1.5", 160},
		{"invalid symbol", []string{"BTCUSDT"}, strings.Replace(depthMsg("ETHUSDT", 2), "ethusdt", "eth-usdt", 1), false, errBadSymbol, "", 0, 0, "", "", "", 0},
		{"upper-case stream name", []string{"BTCUSDT"}, strings.Replace(depthMsg("ETHUSDT", 2), "ethusdt", "ETHUSDT", 1), false, errBadSymbol, "", 0, 0, "", "", "", 0},
		{"raw with several symbols", []string{"BTCUSDT", "ETHUSDT"}, `{"lastUpdateId":1,"bids":[["1","1"]],"asks":[]}`, false, errIncomplete, "", 0, 0, "", "", "", 0},
		{"empty book", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"lastUpdateId":1,"bids":[],"asks":[]}}`, false, errIncomplete, "", 0, 0, "", "", "", 0},
		{"level too short", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["1"]],"asks":[]}}`, false, errMalformed, "", 0, 0, "", "", "", 0},
		{"numeric price", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[[1,"1"]],"asks":[]}}`, false, errMalformed, "", 0, 0, "", "", "", 0},
		{"negative quantity", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["1","-1"]],"asks":[]}}`, false, errMalformed, "", 0, 0, "", "", "", 0},
		{"zero price", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["0","1"]],"asks":[]}}`, false, errMalformed, "", 0, 0, "", "", "", 0},
		{"escaped price", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["1\u0030","1"]],"asks":[]}}`, false, errEscaped, "", 0, 0, "", "", "", 0},
		{"bad decimal", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["1.2.3","1"]],"asks":[]}}`, false, errAny, "", 0, 0, "", "", "", 0},
		{"truncated", []string{"BTCUSDT"}, `{"stream":"btcusdt@depth20","data":{"bids":[["1","1"]`, false, errMalformed, "", 0, 0, "", "", "", 0},
		{"trailing garbage", []string{"BTCUSDT"}, depthMsg("BTCUSDT", 1) + "]", false, errMalformed, "", 0, 0, "", "", "", 0},
		{"stream without @", []string{"BTCUSDT"}, `{"stream":"btcusdt","data":{"bids":[["1","1"]],"asks":[]}}`, false, errBadSymbol, "", 0, 0, "", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := newDepthDecoder(tt.symbols)
			b := exchange.Book{Symbol: "STALE", NBids: 3}
			ok, err := dec.decode([]byte(tt.msg), recvTime, &b)
			switch {
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatal("accepted")
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil || ok != tt.ok:
				t.Fatalf("ok, err = %v, %v; want %v", ok, err, tt.ok)
			}
			if !ok {
				return
			}
			if b.Symbol != tt.sym || b.NBids != tt.nb || b.NAsks != tt.na || b.UpdateID != tt.upID || !b.Time.Equal(recvTime) {
				t.Fatalf("book %s %d bids %d asks update %d at %v", b.Symbol, b.NBids, b.NAsks, b.UpdateID, b.Time)
			}
			if tt.nb > 0 && (!b.Bids[0].Price.Equal(d(tt.bid0)) || !b.Bids[0].Qty.Equal(d(tt.bidQ0))) {
				t.Fatalf("best bid %+v, want %s x %s", b.Bids[0], tt.bid0, tt.bidQ0)
			}
			if tt.na > 0 && !b.Asks[0].Price.Equal(d(tt.ask0)) {
				t.Fatalf("best ask %+v, want %s", b.Asks[0], tt.ask0)
			}
		})
	}
}

// referenceBook decodes a combined depth message with encoding/json, the slow obvious way.
func referenceBook(t *testing.T, msg string) (bids, asks [][2]string) {
	t.Helper()
	var env struct {
		Data struct {
			Bids [][2]string `json:"bids"`
			Asks [][2]string `json:"asks"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(msg), &env); err != nil {
		t.Fatal(err)
	}
	return env.Data.Bids, env.Data.Asks
}

func TestDecodeDepthMatchesEncodingJSON(t *testing.T) {
	msg := depthMsg("BTCUSDT", 20)
	var b exchange.Book
	if ok, err := newDepthDecoder([]string{"BTCUSDT"}).decode([]byte(msg), recvTime, &b); !ok || err != nil {
		t.Fatal(ok, err)
	}
	bids, asks := referenceBook(t, msg)
	for i, lv := range bids {
		if !b.Bids[i].Price.Equal(d(lv[0])) || !b.Bids[i].Qty.Equal(d(lv[1])) {
			t.Fatalf("bid %d = %+v, want %v", i, b.Bids[i], lv)
		}
	}
	for i, lv := range asks {
		if !b.Asks[i].Price.Equal(d(lv[0])) || !b.Asks[i].Qty.Equal(d(lv[1])) {
			t.Fatalf("ask %d = %+v, want %v", i, b.Asks[i], lv)
		}
	}
}

func TestDecodeDepthDoesNotAllocate(t *testing.T) {
	msg := []byte(depthMsg("BTCUSDT", 20))
	dec := newDepthDecoder([]string{"BTCUSDT", "ETHUSDT"})
	var b exchange.Book
	allocs := testing.AllocsPerRun(200, func() {
		if ok, err := dec.decode(msg, recvTime, &b); !ok || err != nil {
			t.Fatal(ok, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("decode allocates %.2f times per book, want 0", allocs)
	}
}

func BenchmarkDecodeDepth(b *testing.B) {
	msg := []byte(depthMsg("BTCUSDT", 20))
	dec := newDepthDecoder([]string{"BTCUSDT", "ETHUSDT"})
	var book exchange.Book
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.decode(msg, recvTime, &book); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTrade(b *testing.B) {
	msg := []byte(`{"stream":"btcusdt@trade","data":{"e":"trade","E":1672515782136,"s":"BTCUSDT","t":12345,"p":"64123.45000000","q":"0.01230000","T":1672515782136,"m":true,"M":true}}`)
	dec := newStreamDecoder([]string{"BTCUSDT"})
	var tick exchange.Tick
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.decode(msg, recvTime, &tick); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecodeDepth(f *testing.F) {
	for _, s := range []string{
		depthMsg("BTCUSDT", 3), depthMsg("BTCUSDT", 22), `{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}`,
		`{"result":null,"id":1}`, `{"stream":"btcusdt@depth5","data":{"bids":[[["1"]]]}}`, `{"data":{"data":{}}}`,
		`{"stream":"btcusdt@depth20","data":{"bids":[["1e5","-0"]],"asks":[["99999999999999999999","1"]]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		dec := newDepthDecoder([]string{"BTCUSDT"})
		var b exchange.Book
		ok, err := dec.decode(msg, recvTime, &b)
		if err != nil || !ok {
			return
		}
		if !validSymbol(b.Symbol) || b.NBids < 0 || b.NBids > exchange.BookDepth || b.NAsks < 0 || b.NAsks > exchange.BookDepth || b.NBids+b.NAsks == 0 {
			t.Fatalf("book %q %d/%d from %q", b.Symbol, b.NBids, b.NAsks, msg)
		}
		// Whatever was decoded survives a round trip through the canonical form.
		var bids, asks []string
		for _, lv := range b.BidLevels() {
			if !lv.Price.IsPos() || lv.Qty.IsNeg() {
				t.Fatalf("level %+v from %q", lv, msg)
			}
			bids = append(bids, fmt.Sprintf(`["%s","%s"]`, lv.Price, lv.Qty))
		}
		for _, lv := range b.AskLevels() {
			asks = append(asks, fmt.Sprintf(`["%s","%s"]`, lv.Price, lv.Qty))
		}
		canon := fmt.Sprintf(`{"stream":"%s@depth20","data":{"lastUpdateId":%d,"bids":[%s],"asks":[%s]}}`, strings.ToLower(b.Symbol), b.UpdateID, strings.Join(bids, ","), strings.Join(asks, ","))
		var again exchange.Book
		if ok, err := newDepthDecoder([]string{"BTCUSDT"}).decode([]byte(canon), recvTime, &again); !ok || err != nil || again != b {
			t.Fatalf("round trip of %q: %v %v\n%+v\n%+v", msg, ok, err, again, b)
		}
	})
}

// errAny stands for "some error" in the tables above.
var errAny = errors.New("any error")
