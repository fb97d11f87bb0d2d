package mcpserver_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/mcpserver"
)

type fakeState struct{ bots []engine.BotView }

func (f *fakeState) Status(context.Context) (map[string]any, error) {
	return map[string]any{"engine": "running"}, nil
}
func (f *fakeState) Bots(context.Context) ([]engine.BotView, error) { return f.bots, nil }
func (f *fakeState) Orders(_ context.Context, fl engine.OrderFilter) ([]engine.OrderView, error) {
	return []engine.OrderView{{ClientID: "qd-1", Bot: fl.Bot, Mode: engine.Paper, Symbol: "BTCUSDT", Side: exchange.Buy, Price: decimal.MustParse("60000"), Quantity: decimal.MustParse("0.001")}}, nil
}
func (f *fakeState) Fills(context.Context, string, int) ([]engine.FillView, error) { return nil, nil }
func (f *fakeState) Candles(_ context.Context, symbol string, n int) ([]exchange.Candle, error) {
	out := make([]exchange.Candle, n)
	for i := range out {
		out[i] = exchange.Candle{Open: time.Date(2026, 12, 1, i, 0, 0, 0, time.UTC), C: decimal.MustParse("60000")}
	}
	return out, nil
}

type fakeControl struct{ calls []string }

func (c *fakeControl) StartBot(_ context.Context, n string) error {
	c.calls = append(c.calls, "start "+n)
	return nil
}
func (c *fakeControl) StopBot(_ context.Context, n string) error {
	c.calls = append(c.calls, "stop "+n)
	return nil
}
func (c *fakeControl) Backtest(_ context.Context, b engine.BotView, from time.Time, iv string) (any, error) {
	c.calls = append(c.calls, "backtest "+b.Config.Name+" "+from.Format(time.DateOnly)+" "+iv)
	return map[string]string{"pnl_pct": "4.2"}, nil
}

func bots() []engine.BotView {
	return []engine.BotView{
		{Config: engine.BotConfig{Name: "paper1", Symbol: "BTCUSDT", Strategy: "grid", Mode: engine.Paper}, State: engine.BotStopped},
		{Config: engine.BotConfig{Name: "live1", Symbol: "BTCUSDT", Strategy: "dca", Mode: engine.Live, KeyLabel: "main"}, State: engine.BotRunning},
	}
}

func connect(t *testing.T, ctl mcpserver.Control) *mcp.ClientSession {
	t.Helper()
	var c mcpserver.Control
	if ctl != nil {
		c = ctl
	}
	srv := mcpserver.New("test", &fakeState{bots: bots()}, c)
	st, ct := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return names
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

func TestReadOnlyByDefault(t *testing.T) {
	cs := connect(t, nil)
	want := []string{"candles", "list_bots", "list_fills", "list_orders", "status"}
	if got := toolNames(t, cs); !slices.Equal(got, want) {
		t.Fatalf("tools %v, want only the read-only %v", got, want)
	}
	out, isErr := call(t, cs, "list_bots", nil)
	var got []map[string]any
	if isErr || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 || got[1]["mode"] != "live" {
		t.Fatalf("list_bots: %s", out)
	}
	out, _ = call(t, cs, "candles", map[string]any{"symbol": "BTCUSDT", "limit": 3})
	var cs3 [][]string
	if json.Unmarshal([]byte(out), &cs3) != nil || len(cs3) != 3 || cs3[0][4] != "60000" {
		t.Fatalf("candles: %s", out)
	}
	out, _ = call(t, cs, "list_orders", map[string]any{"bot": "paper1"})
	if !strings.Contains(out, `"bot": "paper1"`) {
		t.Fatalf("list_orders: %s", out)
	}
	out, _ = call(t, cs, "status", nil)
	if !strings.Contains(out, "read-only") {
		t.Fatalf("status: %s", out)
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "start_paper_bot", Arguments: map[string]any{"name": "paper1"}}); err == nil {
		t.Fatal("a read-only server accepted start_paper_bot")
	}
}

func TestPaperControlNeverTouchesLiveBots(t *testing.T) {
	ctl := &fakeControl{}
	cs := connect(t, ctl)
	if got := toolNames(t, cs); !slices.Contains(got, "start_paper_bot") || !slices.Contains(got, "stop_paper_bot") {
		t.Fatalf("tools %v", got)
	}
	cases := []struct {
		tool, bot string
		ok        bool
	}{
		{"start_paper_bot", "paper1", true},
		{"stop_paper_bot", "paper1", true},
		{"start_paper_bot", "live1", false},
		{"stop_paper_bot", "live1", false},
		{"stop_paper_bot", "ghost", false},
		{"backtest_paper_bot", "paper1", true},
		{"backtest_paper_bot", "live1", false},
	}
	for _, c := range cases {
		args := map[string]any{"name": c.bot}
		if c.tool == "backtest_paper_bot" {
			args["from"] = "2026-11-01"
		}
		out, isErr := call(t, cs, c.tool, args)
		if isErr == c.ok {
			t.Errorf("%s %s: error %v (%s), want ok %v", c.tool, c.bot, isErr, out, c.ok)
		}
	}
	if want := []string{"start paper1", "stop paper1", "backtest paper1 2026-11-01 1h"}; !slices.Equal(ctl.calls, want) {
		t.Fatalf("engine asked %v, want %v (never a live bot)", ctl.calls, want)
	}
	out, isErr := call(t, cs, "start_paper_bot", map[string]any{"name": "live1"})
	if !isErr || !strings.Contains(out, mcpserver.ErrNotPaper.Error()) {
		t.Fatalf("live bot: %s", out)
	}
}
