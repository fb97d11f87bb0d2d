package binance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

const execReportTrade = `{"subscriptionId":0,"event":{"e":"executionReport","E":1700000000500,"s":"BTCUSDT","c":"qd-t-1","S":"SELL","o":"LIMIT","f":"GTC","q":"0.02000000","p":"61000.00000000","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":9001,"l":"0.00500000","z":"0.01500000","L":"61000.10000000","n":"0.30500050","N":"USDT","T":1700000000499,"t":77,"I":2,"w":false,"m":true,"M":true,"O":1700000000000,"Z":"915.00150000","Y":"305.00050000","Q":"0.00000000","W":1700000000000,"V":"EXPIRE_MAKER"}}`

func TestDecodeUserMessages(t *testing.T) {
	cancel := strings.NewReplacer(`"c":"qd-t-1"`, `"c":"cancel-1"`, `"C":""`, `"C":"qd-t-1"`, `"x":"TRADE"`, `"x":"CANCELED"`,
		`"X":"PARTIALLY_FILLED"`, `"X":"CANCELED"`, `"t":77`, `"t":-1`).Replace(execReportTrade)
	tests := []struct {
		name  string
		msg   string
		kind  userKind
		check func(t *testing.T, m *userMsg)
	}{
		{"trade report", execReportTrade, userExecution, func(t *testing.T, m *userMsg) {
			o, err := m.ev.order()
			if err != nil {
				t.Fatal(err)
			}
			if o.ClientID != "qd-t-1" || o.ExchangeID != 9001 || o.Symbol != "BTCUSDT" || o.Side != exchange.Sell ||
				o.Type != exchange.Limit || o.Status != exchange.StatusPartiallyFilled || m.subID != 0 {
				t.Fatalf("order = %+v", o)
			}
			eq(t, "price", o.Price, "61000")
			eq(t, "quantity", o.Quantity, "0.02")
			eq(t, "executed", o.ExecutedQty, "0.015")
			eq(t, "quote", o.QuoteQty, "915.0015")
			if !o.Created.Equal(time.UnixMilli(1700000000000)) || !o.Updated.Equal(time.UnixMilli(1700000000499)) || o.Updated.Location() != time.UTC {
				t.Fatalf("times = %v, %v", o.Created, o.Updated)
			}
			if len(o.Fills) != 1 {
				t.Fatalf("fills = %+v", o.Fills)
			}
			f := o.Fills[0]
			if f.TradeID != 77 || f.ClientID != "qd-t-1" || f.Symbol != "BTCUSDT" || f.Side != exchange.Sell || f.FeeAsset != "USDT" || !f.Time.Equal(o.Updated) {
				t.Fatalf("fill = %+v", f)
			}
			eq(t, "fill price", f.Price, "61000.1")
			eq(t, "fill qty", f.Qty, "0.005")
			eq(t, "fee", f.Fee, "0.3050005")
		}},
		{"cancellation names the order by C", cancel, userExecution, func(t *testing.T, m *userMsg) {
			o, err := m.ev.order()
			if err != nil || o.ClientID != "qd-t-1" || o.Status != exchange.StatusCanceled || len(o.Fills) != 0 {
				t.Fatalf("order = %+v (%v)", o, err)
			}
		}},
		{"new order without fee asset", strings.Replace(execReportNew, "%d", "5", 1), userExecution, func(t *testing.T, m *userMsg) {
			o, err := m.ev.order()
			if err != nil || o.Status != exchange.StatusNew || len(o.Fills) != 0 || m.subID != 5 {
				t.Fatalf("order = %+v (%v)", o, err)
			}
		}},
		{"expired in match is expired", strings.Replace(execReportTrade, `"X":"PARTIALLY_FILLED"`, `"X":"EXPIRED_IN_MATCH"`, 1), userExecution, func(t *testing.T, m *userMsg) {
			if o, err := m.ev.order(); err != nil || o.Status != exchange.StatusExpired || !o.Status.Final() {
				t.Fatalf("order = %+v (%v)", o, err)
			}
		}},
		{"subscription answer", `{"id":"qd-sub-1","status":200,"result":{"subscriptionId":3},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","count":2}]}`, userResponse, func(t *testing.T, m *userMsg) {
			if string(m.id) != "qd-sub-1" || m.status != 200 || string(m.result) != `{"subscriptionId":3}` {
				t.Fatalf("answer = %+v", m)
			}
		}},
		{"error answer", `{"id":12,"status":400,"error":{"code":-1022,"msg":"Signature for this request is not valid."}}`, userResponse, func(t *testing.T, m *userMsg) {
			if string(m.id) != "12" || m.status != 400 || !strings.Contains(string(m.errRaw), "-1022") {
				t.Fatalf("answer = %+v", m)
			}
		}},
		{"stream terminated", `{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1}}`, userTerminated, nil},
		{"server shutdown", `{"event":{"e":"serverShutdown","E":1}}`, userShutdown, nil},
		{"account position", `{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1,"u":1,"B":[{"a":"BTC","f":"1","l":"0"}]}}`, userOther, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m userMsg
			if err := decodeUser([]byte(tt.msg), &m); err != nil {
				t.Fatal(err)
			}
			if m.kind != tt.kind {
				t.Fatalf("kind = %d, want %d", m.kind, tt.kind)
			}
			if tt.check != nil {
				tt.check(t, &m)
			}
		})
	}
}

func TestDecodeUserRejectsBadReports(t *testing.T) {
	tests := []struct {
		name, msg string
		decodeErr bool // decodeUser itself fails; otherwise order() does
	}{
		{"truncated", execReportTrade[:len(execReportTrade)-3], true},
		{"trailing garbage", execReportTrade + "x", true},
		{"escaped client id", strings.Replace(execReportTrade, `"qd-t-1"`, `"qd\u002dt"`, 1), true},
		{"no client id", strings.Replace(execReportTrade, `"c":"qd-t-1",`, "", 1), false},
		{"no order id", strings.Replace(execReportTrade, `"i":9001,`, "", 1), false},
		{"bad symbol", strings.Replace(execReportTrade, `"BTCUSDT"`, `"btc/usdt"`, 1), false},
		{"no status", strings.Replace(execReportTrade, `"X":"PARTIALLY_FILLED",`, "", 1), false},
		{"bad fill price", strings.Replace(execReportTrade, `"L":"61000.10000000"`, `"L":"lots"`, 1), false},
		{"zero fill quantity", strings.Replace(execReportTrade, `"l":"0.00500000"`, `"l":"0"`, 1), false},
		{"negative cumulative quantity", strings.Replace(execReportTrade, `"z":"0.01500000"`, `"z":"-0.015"`, 1), false},
		{"zero fill price", strings.Replace(execReportTrade, `"L":"61000.10000000"`, `"L":"0.00000000"`, 1), false},
		{"bad cumulative quantity", strings.Replace(execReportTrade, `"z":"0.01500000"`, `"z":"1e"`, 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m userMsg
			err := decodeUser([]byte(tt.msg), &m)
			if tt.decodeErr {
				if err == nil {
					t.Fatal("decoded a malformed message")
				}
				return
			}
			if err != nil || m.kind != userExecution {
				t.Fatalf("decode: kind %d, %v", m.kind, err)
			}
			if _, err := m.ev.order(); !errors.Is(err, errBadExecution) {
				t.Fatalf("order(): %v, want errBadExecution", err)
			}
		})
	}
}

func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{execReportTrade, execReportNew, `{"id":"x","status":200,"result":{"subscriptionId":0}}`,
		`{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1}}`, `{"event":{"e":"executionReport","i":-1,"t":-9223372036854775808}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var m userMsg
		if err := decodeUser(msg, &m); err != nil || m.kind != userExecution {
			return
		}
		o, err := m.ev.order()
		if err != nil {
			return
		}
		if !validClientID(o.ClientID) || !validSymbol(o.Symbol) || o.Status == "" || len(o.Fills) > 1 || o.ExecutedQty.IsNeg() || o.QuoteQty.IsNeg() {
			t.Fatalf("accepted an invalid order: %+v", o)
		}
		for _, fl := range o.Fills {
			if fl.TradeID < 0 || !fl.Qty.IsPos() || !fl.Price.IsPos() || fl.ClientID != o.ClientID {
				t.Fatalf("accepted an invalid fill: %+v", fl)
			}
		}
	})
}

func BenchmarkDecodeExecutionReport(b *testing.B) {
	msg := []byte(execReportTrade)
	var m userMsg
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := decodeUser(msg, &m); err != nil {
			b.Fatal(err)
		}
		if _, err := m.ev.order(); err != nil {
			b.Fatal(err)
		}
	}
}
