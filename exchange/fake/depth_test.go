package fake

import (
	"fmt"
	"testing"
)

func TestPartialDepthStreams(t *testing.T) {
	s := start(t, Options{})
	raw := dial(t, s, "/ws/btcusdt@depth20@100ms")
	combined := dial(t, s, "/stream?streams=btcusdt@depth5/ethusdt@depth10@100ms")
	if err := s.SetQuote("BTCUSDT", "61000", "61000.05"); err != nil {
		t.Fatal(err)
	}
	m := next(t, raw)
	if keys(m) != "asks,bids,lastUpdateId" {
		t.Fatalf("raw depth payload %v", m)
	}
	bids, asks := m["bids"].([]any), m["asks"].([]any)
	if len(bids) != 20 || len(asks) != 20 {
		t.Fatalf("%d bids and %d asks, want 20 each", len(bids), len(asks))
	}
	for i, want := range []struct{ bid, ask string }{{"61000.00000000", "61000.05000000"}, {"60999.99000000", "61000.06000000"}} {
		if b, a := bids[i].([]any), asks[i].([]any); b[0] != want.bid || a[0] != want.ask || len(b) != 2 || len(a) != 2 {
			t.Fatalf("level %d: bid %v ask %v, want %s / %s", i, b, a, want.bid, want.ask)
		}
	}
	w := next(t, combined)
	if w["stream"] != "btcusdt@depth5" {
		t.Fatalf("combined depth %v", w)
	}
	data := w["data"].(map[string]any)
	if n := len(data["bids"].([]any)); n != 5 {
		t.Fatalf("depth5 carries %d bids", n)
	}
	if fmt.Sprint(data["lastUpdateId"]) != fmt.Sprint(m["lastUpdateId"]) {
		t.Fatalf("update ids differ: %v / %v", data["lastUpdateId"], m["lastUpdateId"])
	}
	if err := s.SetPrice("ETHUSDT", "3100"); err != nil {
		t.Fatal(err)
	}
	if e := next(t, combined); e["stream"] != "ethusdt@depth10@100ms" || len(e["data"].(map[string]any)["asks"].([]any)) != 10 {
		t.Fatalf("ETHUSDT depth %v", e)
	}
}
