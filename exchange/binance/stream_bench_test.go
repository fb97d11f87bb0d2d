package binance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// BenchmarkStreamEndToEnd measures the whole receive path, websocket frame to Tick on the
// channel, against a loopback server replaying the corpus (the server's writes share the CPU).
func BenchmarkStreamEndToEnd(b *testing.B) {
	lines := loadCorpus(b)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for i := 0; ; i++ {
			if err := c.WriteMessage(websocket.TextMessage, lines[i%len(lines)]); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := New(Config{Name: Mainnet, WSURL: "ws" + strings.TrimPrefix(srv.URL, "http")})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ticks, _, err := c.Stream(ctx, []string{"BTCUSDT", "ETHUSDT"})
	if err != nil {
		b.Fatal(err)
	}
	<-ticks
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := <-ticks; !ok {
			b.Fatal("stream closed")
		}
	}
	b.StopTimer()
	cancel()
	for range ticks { // let the stream goroutine finish before the server closes
	}
}
