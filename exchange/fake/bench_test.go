package fake

import (
	"net/http"
	"testing"
)

// BenchmarkSetPrice measures a price change fanned out to ten stream clients.
func BenchmarkSetPrice(b *testing.B) {
	s := start(b, Options{})
	for i := 0; i < 10; i++ {
		c := dial(b, s, "/stream?streams=btcusdt@bookTicker/btcusdt@trade")
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	prices := []string{"60000.00", "60000.50"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.SetPrice("BTCUSDT", prices[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignedOrder measures a signed market order over loopback HTTP.
func BenchmarkSignedOrder(b *testing.B) {
	s := start(b, Options{WeightLimit: -1, OrderLimit10s: -1})
	if err := s.SetBalance(testKey, "USDT", "1000000000"); err != nil {
		b.Fatal(err)
	}
	c := newClient(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := c.signed(http.MethodPost, "/api/v3/order", values("symbol", "ETHUSDT", "side", "BUY", "type", "MARKET", "quantity", "0.01", "newOrderRespType", "ACK"))
		if r.status != http.StatusOK {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}

// BenchmarkVerifySignature measures checking one request signature.
func BenchmarkVerifySignature(b *testing.B) {
	p, _ := parseParams(docsPayload+"&signature="+docsSig, "")
	secret := []byte(docsSecret)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !validSignature(secret, p.signedPayload(), p.get("signature")) {
			b.Fatal("rejected")
		}
	}
}
