// Package mcpserver owns `quantdeck mcp`: a Model Context Protocol server over stdio (the
// official Go SDK) through which a local AI client reads the engine's state: status, bots,
// orders, fills and candles. It opens no network port. It is read-only unless built with a
// Control, and even then it can only start and stop paper bots: a live bot is refused before
// anything is asked of the engine, and no tool places or cancels an order.
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/quantdeck/quantdeck/engine"
	"github.com/quantdeck/quantdeck/exchange"
)

// State is what the server reads.
type State interface {
	Status(ctx context.Context) (map[string]any, error)
	Bots(ctx context.Context) ([]engine.BotView, error)
	Orders(ctx context.Context, f engine.OrderFilter) ([]engine.OrderView, error)
	Fills(ctx context.Context, bot string, limit int) ([]engine.FillView, error)
	Candles(ctx context.Context, symbol string, limit int) ([]exchange.Candle, error)
}

// Control starts and stops bots in the running engine and backtests a bot's configuration over
// stored candles. The server calls it for paper bots only.
type Control interface {
	StartBot(ctx context.Context, name string) error
	StopBot(ctx context.Context, name string) error
	// Backtest replays bot's configuration over stored candles of interval (like "1h") from
	// the day from, and returns the report to show.
	Backtest(ctx context.Context, bot engine.BotView, from time.Time, interval string) (any, error)
}

// ErrNotPaper: the bot trades real money (or does not exist), so no tool may touch it.
var ErrNotPaper = errors.New("only paper bots can be started or stopped from an MCP client; live bots are controlled in QuantDeck itself")

// New builds the server. control is nil for a read-only server.
func New(version string, st State, control Control) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "quantdeck", Version: version}, nil)
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true}
	h := &handlers{st: st, control: control}
	mcp.AddTool(s, &mcp.Tool{Name: "status", Description: "QuantDeck's status: engine running or not, exchange, mode, stream health, kill switch", Annotations: ro}, h.status)
	mcp.AddTool(s, &mcp.Tool{Name: "list_bots", Description: "Every bot with its strategy, parameters, mode (paper/live), state, position and PnL", Annotations: ro}, h.bots)
	mcp.AddTool(s, &mcp.Tool{Name: "list_orders", Description: "Orders from the journal, newest first", Annotations: ro}, h.orders)
	mcp.AddTool(s, &mcp.Tool{Name: "list_fills", Description: "Fills (trades) from the journal, newest first", Annotations: ro}, h.fills)
	mcp.AddTool(s, &mcp.Tool{Name: "candles", Description: "Recent hourly candles of a symbol: open time, open, high, low, close, volume", Annotations: ro}, h.candles)
	if control != nil {
		no := false
		ctl := &mcp.ToolAnnotations{DestructiveHint: &no, IdempotentHint: true}
		mcp.AddTool(s, &mcp.Tool{Name: "start_paper_bot", Description: "Start a PAPER bot (simulated money). Live bots are refused.", Annotations: ctl}, h.start)
		mcp.AddTool(s, &mcp.Tool{Name: "stop_paper_bot", Description: "Stop a PAPER bot (simulated money). Live bots are refused.", Annotations: ctl}, h.stop)
		mcp.AddTool(s, &mcp.Tool{Name: "backtest_paper_bot", Description: "Replay a PAPER bot's configuration over stored candles (quantdeck data fetch) and report return, drawdown, Sharpe, fees and trades. Changes nothing.", Annotations: ro}, h.backtest)
	}
	return s
}

type handlers struct {
	st      State
	control Control
}

type noArgs struct{}

// BotArgs names a bot.
type BotArgs struct {
	Name string `json:"name" jsonschema:"the bot's name"`
}

// OrderArgs filters orders.
type OrderArgs struct {
	Bot      string `json:"bot,omitempty" jsonschema:"only this bot's orders"`
	OpenOnly bool   `json:"open_only,omitempty" jsonschema:"only orders still open"`
	Limit    int    `json:"limit,omitempty" jsonschema:"at most this many (default 100)"`
}

// FillArgs filters fills.
type FillArgs struct {
	Bot   string `json:"bot,omitempty" jsonschema:"only this bot's fills"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many (default 100)"`
}

// CandleArgs names a symbol.
type CandleArgs struct {
	Symbol string `json:"symbol" jsonschema:"a watched symbol such as BTCUSDT"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many hourly candles (default 48, at most 500)"`
}

func limit(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

func text(v any) (*mcp.CallToolResult, any, error) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return nil, nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
}

func (h *handlers) status(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
	s, err := h.st.Status(ctx)
	if err != nil {
		return nil, nil, err
	}
	s["control"] = "read-only"
	if h.control != nil {
		s["control"] = "paper bots may be started and stopped"
	}
	return text(s)
}

func (h *handlers) bots(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
	bots, err := h.st.Bots(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]botJSON, 0, len(bots))
	for _, b := range bots {
		out = append(out, botView(b))
	}
	return text(out)
}

func (h *handlers) orders(ctx context.Context, _ *mcp.CallToolRequest, a OrderArgs) (*mcp.CallToolResult, any, error) {
	os, err := h.st.Orders(ctx, engine.OrderFilter{Bot: a.Bot, OpenOnly: a.OpenOnly, Limit: limit(a.Limit, 100, 1000)})
	if err != nil {
		return nil, nil, err
	}
	out := make([]orderJSON, 0, len(os))
	for _, o := range os {
		out = append(out, orderView(o))
	}
	return text(out)
}

func (h *handlers) fills(ctx context.Context, _ *mcp.CallToolRequest, a FillArgs) (*mcp.CallToolResult, any, error) {
	fs, err := h.st.Fills(ctx, a.Bot, limit(a.Limit, 100, 1000))
	if err != nil {
		return nil, nil, err
	}
	out := make([]fillJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, fillView(f))
	}
	return text(out)
}

func (h *handlers) candles(ctx context.Context, _ *mcp.CallToolRequest, a CandleArgs) (*mcp.CallToolResult, any, error) {
	if a.Symbol == "" {
		return nil, nil, errors.New("symbol is required")
	}
	cs, err := h.st.Candles(ctx, a.Symbol, limit(a.Limit, 48, 500))
	if err != nil {
		return nil, nil, err
	}
	out := make([][6]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, [6]string{c.Open.UTC().Format("2006-01-02T15:04Z"), c.O.String(), c.H.String(), c.L.String(), c.C.String(), c.Volume.String()})
	}
	return text(out)
}

// paperBot refuses anything but an existing paper bot, before the engine is asked.
func (h *handlers) paperBot(ctx context.Context, name string) (engine.BotView, error) {
	bots, err := h.st.Bots(ctx)
	if err != nil {
		return engine.BotView{}, err
	}
	for _, b := range bots {
		if b.Config.Name == name {
			if b.Config.Mode != engine.Paper {
				return engine.BotView{}, fmt.Errorf("bot %q: %w", name, ErrNotPaper)
			}
			return b, nil
		}
	}
	return engine.BotView{}, fmt.Errorf("no bot named %q", name)
}

// BacktestArgs names a paper bot and the replay's period.
type BacktestArgs struct {
	Name     string `json:"name" jsonschema:"the paper bot's name"`
	From     string `json:"from" jsonschema:"first day of the replay, like 2026-11-01 (UTC)"`
	Interval string `json:"interval,omitempty" jsonschema:"the stored candles' interval (default 1h)"`
}

func (h *handlers) backtest(ctx context.Context, _ *mcp.CallToolRequest, a BacktestArgs) (*mcp.CallToolResult, any, error) {
	b, err := h.paperBot(ctx, a.Name)
	if err != nil {
		return nil, nil, err
	}
	from, err := time.Parse(time.DateOnly, a.From)
	if err != nil {
		return nil, nil, fmt.Errorf("from %q is not a day like 2026-11-01", a.From)
	}
	if a.Interval == "" {
		a.Interval = "1h"
	}
	rep, err := h.control.Backtest(ctx, b, from, a.Interval)
	if err != nil {
		return nil, nil, err
	}
	return text(rep)
}

func (h *handlers) start(ctx context.Context, _ *mcp.CallToolRequest, a BotArgs) (*mcp.CallToolResult, any, error) {
	if _, err := h.paperBot(ctx, a.Name); err != nil {
		return nil, nil, err
	}
	if err := h.control.StartBot(ctx, a.Name); err != nil {
		return nil, nil, err
	}
	return text(map[string]string{"started": a.Name})
}

func (h *handlers) stop(ctx context.Context, _ *mcp.CallToolRequest, a BotArgs) (*mcp.CallToolResult, any, error) {
	if _, err := h.paperBot(ctx, a.Name); err != nil {
		return nil, nil, err
	}
	if err := h.control.StopBot(ctx, a.Name); err != nil {
		return nil, nil, err
	}
	return text(map[string]string{"stopped": a.Name})
}
