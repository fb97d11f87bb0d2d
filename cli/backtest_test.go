package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/config"
)

type dataHarness struct {
	env      *Env
	home     string
	out, err *bytes.Buffer
}

func newDataHarness(t *testing.T) *dataHarness {
	t.Helper()
	h := &dataHarness{home: t.TempDir(), out: &bytes.Buffer{}, err: &bytes.Buffer{}}
	vars := map[string]string{config.EnvHome: h.home, config.EnvExchange: "sim"}
	h.env = &Env{Stdin: strings.NewReader(""), Stdout: h.out, Stderr: h.err,
		Source: &config.Source{Getenv: func(k string) string { return vars[k] }, Dir: h.home}}
	return h
}

func (h *dataHarness) run(t *testing.T, args ...string) string {
	t.Helper()
	h.out.Reset()
	h.err.Reset()
	if code := Run(context.Background(), h.env, args); code != 0 {
		t.Fatalf("quantdeck %s: exit %d: %s", strings.Join(args, " "), code, h.err.String())
	}
	return h.out.String()
}

// From an empty data directory, offline: fetch simulated history, list it, backtest it twice
// (the same bytes, JSON and trades CSV), and sweep it.
func TestBacktestOnSimulatedHistory(t *testing.T) {
	h := newDataHarness(t)
	out := h.run(t, "data", "fetch", "--symbol", "BTCUSDT", "--interval", "1m", "--from", "2025-01-01", "--to", "2025-01-04")
	if !strings.Contains(out, "Fetched 4320 new BTCUSDT 1m candles from sim") {
		t.Fatalf("fetch said %q", out)
	}
	var list []seriesJSON
	if err := json.Unmarshal([]byte(h.run(t, "data", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Candles != 4320 || list[0].Interval != "1m" || len(list[0].Gaps) != 0 {
		t.Fatalf("list = %+v", list)
	}
	args := []string{"backtest", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "lower=60000", "--set", "upper=75000",
		"--set", "levels=30", "--set", "quantity=0.01", "--from", "2025-01-01", "--fee", "0.1", "--slippage-bps", "5", "--json"}
	var outs, csvs []string
	for i := range 2 {
		file := filepath.Join(h.home, "trades"+string(rune('a'+i))+".csv")
		outs = append(outs, h.run(t, append(args, "--trades", file)...))
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, string(b))
	}
	if outs[0] != outs[1] || csvs[0] != csvs[1] {
		t.Fatal("the same backtest printed different bytes")
	}
	var rep struct {
		Candles    int `json:"candles"`
		TradeCount int `json:"trade_count"`
		Trades     []struct {
			Price, Qty, Fee string
		} `json:"trades"`
		FinalEquity string `json:"final_equity"`
	}
	if err := json.Unmarshal([]byte(outs[0]), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Candles != 4320 || rep.TradeCount == 0 || len(rep.Trades) != rep.TradeCount || strings.Count(csvs[0], "\n") != rep.TradeCount+1 {
		t.Fatalf("report: %d candles, %d trades (%d listed), csv %d lines", rep.Candles, rep.TradeCount, len(rep.Trades), strings.Count(csvs[0], "\n"))
	}
	text := h.run(t, args[:len(args)-1]...)
	for _, want := range []string{"candles          4320", "final equity", "max drawdown", "Sharpe (daily)", "Sortino (daily)", "time in market", "buy and hold"} {
		if !strings.Contains(text, want) {
			t.Fatalf("text report lacks %q:\n%s", want, text)
		}
	}
	sweep := h.run(t, "backtest", "--symbol", "BTCUSDT", "--strategy", "grid", "--set", "quantity=0.01", "--set", "lower=60000",
		"--sweep", "levels=10..30:10", "--sweep", "upper=70000,75000", "--from", "2025-01-01", "--split", "0.7", "--rank", "sharpe")
	if !strings.Contains(sweep, "6 combinations ranked by sharpe") || !strings.Contains(sweep, "OOS PnL %") || strings.Count(sweep, "\n") != 8 {
		t.Fatalf("sweep table:\n%s", sweep)
	}
}

// Archive files go in with file:line refusals; a backtest without history says how to get it.
func TestDataImportAndMissingHistory(t *testing.T) {
	h := newDataHarness(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "ETHUSDT-1h-2025-01.csv")
	os.WriteFile(good, []byte("open_time,open,high,low,close,volume\n1735689600000000,3300,3310,3290,3305,12.5\n1735700400000000,3305,3320,3300,3310,9\n"), 0o600)
	bad := filepath.Join(dir, "ETHUSDT-1h-2025-02.csv")
	os.WriteFile(bad, []byte("1738368000000,1,2,1,2,1\n1738371600000,x,2,1,2,1\n"), 0o600)
	code := Run(context.Background(), h.env, []string{"data", "import", good, bad})
	if code != 1 || !strings.Contains(h.out.String(), "ETHUSDT 1h, 2 rows, 2 new") || !strings.Contains(h.out.String(), "1 gaps") ||
		!strings.Contains(h.err.String(), bad+":2:") {
		t.Fatalf("exit %d\nout %s\nerr %s", code, h.out, h.err)
	}
	h.out.Reset()
	h.err.Reset()
	code = Run(context.Background(), h.env, []string{"backtest", "--symbol", "BTCUSDT", "--strategy", "dca", "--set", "amount=10", "--set", "interval=1h", "--from", "2025-01-01"})
	if code != 1 || !strings.Contains(h.err.String(), "quantdeck data fetch --symbol BTCUSDT") {
		t.Fatalf("exit %d, err %s", code, h.err)
	}
}
