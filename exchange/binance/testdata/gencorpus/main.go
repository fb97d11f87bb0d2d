// Command gencorpus writes a deterministic corpus of realistic Binance combined-stream messages
// (bookTicker and trade, many symbols, random-walk prices) used by the stream decoder's tests and
// benchmarks. Run from exchange/binance: go run ./testdata/gencorpus -o testdata/stream_corpus.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"
)

// market is one symbol's state, prices and sizes in units of 1e-8.
type market struct {
	symbol     string
	price      int64 // current mid, 1e-8 units
	tick       int64 // price tick, 1e-8 units
	lot        int64 // quantity step, 1e-8 units
	maxLots    int64
	tradeID    int64
	updateID   int64
	spreadTick int64
}

func main() {
	out := flag.String("o", "testdata/stream_corpus.jsonl", "output file")
	n := flag.Int("n", 4096, "number of messages")
	seed := flag.Uint64("seed", 20261128, "random seed")
	flag.Parse()
	if err := run(*out, *n, *seed); err != nil {
		log.Fatal(err)
	}
}

func run(path string, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const e8 = 100_000_000
	markets := []*market{
		{symbol: "BTCUSDT", price: 64_123_45 * e8 / 100, tick: e8 / 100, lot: 1000, maxLots: 200_000},
		{symbol: "ETHUSDT", price: 3_412_17 * e8 / 100, tick: e8 / 100, lot: 10_000, maxLots: 100_000},
		{symbol: "SOLUSDT", price: 145_32 * e8 / 100, tick: e8 / 100, lot: 100_000, maxLots: 50_000},
		{symbol: "BNBUSDT", price: 590_10 * e8 / 100, tick: e8 / 100, lot: 100_000, maxLots: 20_000},
		{symbol: "XRPUSDT", price: 5_234 * e8 / 10_000, tick: e8 / 10_000, lot: e8, maxLots: 50_000},
		{symbol: "ADAUSDT", price: 4_512 * e8 / 10_000, tick: e8 / 10_000, lot: e8 / 10, maxLots: 500_000},
		{symbol: "DOGEUSDT", price: 12_345 * e8 / 100_000, tick: e8 / 100_000, lot: e8, maxLots: 900_000},
		{symbol: "LTCBTC", price: 123_400, tick: 100, lot: 1_000_00, maxLots: 10_000},
		{symbol: "ETHBTC", price: 5_310_000, tick: 1_000, lot: 10_000, maxLots: 50_000},
		{symbol: "AVAXUSDT", price: 28_45 * e8 / 100, tick: e8 / 100, lot: e8 / 100, maxLots: 100_000},
		{symbol: "LINKUSDT", price: 14_372 * e8 / 1000, tick: e8 / 1000, lot: e8 / 100, maxLots: 100_000},
		{symbol: "DOTUSDT", price: 6_123 * e8 / 1000, tick: e8 / 1000, lot: e8 / 100, maxLots: 100_000},
		{symbol: "MATICUSDT", price: 5_821 * e8 / 10_000, tick: e8 / 10_000, lot: e8 / 10, maxLots: 500_000},
		{symbol: "TRXUSDT", price: 11_234 * e8 / 100_000, tick: e8 / 100_000, lot: e8 / 10, maxLots: 900_000},
		{symbol: "SHIBUSDT", price: 1_734, tick: 1, lot: e8, maxLots: 90_000_000},
		{symbol: "PEPEUSDT", price: 1_021, tick: 1, lot: e8, maxLots: 90_000_000},
	}
	for i, m := range markets {
		m.tradeID = 3_000_000_000 + int64(i)*1_000_000
		m.updateID = 40_000_000_000 + int64(i)*10_000_000
		m.spreadTick = 1 + int64(i%3)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	t := int64(1764370000000)
	for range n {
		m := markets[rng.IntN(len(markets))]
		m.price += (rng.Int64N(7) - 3) * m.tick
		m.price = max(m.price, 10*m.tick)
		t += rng.Int64N(40)
		lower := strings.ToLower(m.symbol)
		if rng.IntN(10) < 7 {
			m.updateID += 1 + rng.Int64N(5)
			bid := m.price
			ask := m.price + m.spreadTick*m.tick
			fmt.Fprintf(w, `{"stream":"%s@bookTicker","data":{"u":%d,"s":"%s","b":"%s","B":"%s","a":"%s","A":"%s"}}`+"\n",
				lower, m.updateID, m.symbol, fix8(bid), fix8((1+rng.Int64N(m.maxLots))*m.lot), fix8(ask), fix8((1+rng.Int64N(m.maxLots))*m.lot))
			continue
		}
		m.tradeID++
		buyerMaker := rng.IntN(2) == 0
		fmt.Fprintf(w, `{"stream":"%s@trade","data":{"e":"trade","E":%d,"s":"%s","t":%d,"p":"%s","q":"%s","T":%d,"m":%t,"M":true}}`+"\n",
			lower, t+1, m.symbol, m.tradeID, fix8(m.price), fix8((1+rng.Int64N(m.maxLots/10+1))*m.lot), t, buyerMaker)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fix8 formats a value in 1e-8 units with eight decimals, as Binance does.
func fix8(v int64) string {
	return fmt.Sprintf("%d.%08d", v/100_000_000, v%100_000_000)
}
