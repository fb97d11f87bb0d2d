package ai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/govalues/decimal"
)

// Kind is what an answer is for.
type Kind string

// Kinds of request.
const (
	Explain  Kind = "explain"  // what a bot did and why
	Review   Kind = "review"   // does a bot's configuration fit the recent market
	Ask      Kind = "ask"      // a free question with a symbol's or a bot's context
	Backtest Kind = "backtest" // a backtest result's summary and risks
)

// Kinds lists every kind, for help texts and the cockpit.
var Kinds = []Kind{Explain, Review, Ask, Backtest}

// Limits on what one request carries.
const (
	MaxCandles     = 60
	MaxTrades      = 50
	MaxQuestionLen = 2000
	maxAnswerTok   = 1024
)

// ErrNoContext: the request lacks what its kind needs (a bot to explain, a question to ask).
var ErrNoContext = errors.New("ai: nothing to send")

// Request is the exact content of one call: what the cockpit and --show-request display is
// what Body returns, and what is sent.
type Request struct {
	Kind      Kind
	Model     string
	MaxTokens int64
	System    string
	Prompt    string
}

const systemPrompt = `You are the analysis helper inside QuantDeck, a self-hosted crypto trading cockpit.
You see only the context given in the message. You cannot place, change or cancel orders and
nothing you write is executed: the user reads your answer and decides. Answer in plain text
(no tables, no markdown headings), concisely, with concrete numbers from the context. Say when
the context is too thin to conclude. This is not financial advice.`

// Build makes the request for kind from in, keeping only allow-listed fields whose values have
// the expected shape. model is the model id to ask.
func Build(kind Kind, model string, in Input) (Request, error) {
	doc, err := buildContext(kind, in)
	if err != nil {
		return Request{}, err
	}
	ctxJSON, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return Request{}, fmt.Errorf("ai: encoding the context: %w", err)
	}
	var task string
	switch kind {
	case Explain:
		task = "Explain in a few sentences what this bot did over the period of its trades and why: " +
			"its trades, its PnL, and the market's move and volatility."
	case Review:
		task = "Review this bot's configuration against the recent market (volatility, trend, " +
			"and for a grid its range and how often the price stayed inside it; for a DCA its amount " +
			"and interval). Give concrete suggestions." + suggestFormat(doc.Bot)
	case Backtest:
		task = "Summarise this backtest result and its risks: overfitting (see params_tried), " +
			"drawdown, fees, dependence on the market regime, and how it compares with holding."
	case Ask:
		task = "Answer the user's question using the context.\nQuestion: " + strings.TrimSpace(in.Question)
	default:
		return Request{}, fmt.Errorf("ai: unknown kind %q", kind)
	}
	prompt := task + "\n\n<context>\n" + string(ctxJSON) + "\n</context>"
	return Request{Kind: kind, Model: model, MaxTokens: maxAnswerTok, System: systemPrompt, Prompt: prompt}, nil
}

func suggestFormat(b *botDoc) string {
	if b == nil {
		return ""
	}
	return "\nIf you suggest new parameter values, end with one line of the form\n" +
		"SUGGEST " + strings.Join(StrategyParams[b.Strategy], "=... ") + "=...\n" +
		"naming only the parameters you would change. The user will review it in the bot form."
}

// Params converts the request into the SDK's parameters.
func (r Request) Params() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     r.Model,
		MaxTokens: r.MaxTokens,
		System:    []anthropic.TextBlockParam{{Text: r.System}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(r.Prompt))},
	}
}

// Body returns the JSON body sent to the Messages API for this request, indented for reading
// (the SDK sends the same fields, compact, with "stream": true).
func (r Request) Body() ([]byte, error) {
	raw, err := json.Marshal(r.Params())
	if err != nil {
		return nil, fmt.Errorf("ai: encoding the request: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("ai: encoding the request: %w", err)
	}
	m["stream"] = true
	return json.MarshalIndent(m, "", "  ")
}

// contextDoc is the JSON document attached to every request: the allow-list, spelled out.
type contextDoc struct {
	Market   *marketDoc   `json:"market,omitempty"`
	Bot      *botDoc      `json:"bot,omitempty"`
	Trades   []tradeDoc   `json:"trades,omitempty"`
	Backtest *backtestDoc `json:"backtest,omitempty"`
	Balances []balanceDoc `json:"balances,omitempty"`
}

type marketDoc struct {
	Symbol   string `json:"symbol"`
	Interval string `json:"interval,omitempty"`
	Stats    Stats  `json:"stats"`
	// Candles are [open time UTC, open, high, low, close, volume], oldest first.
	Candles [][6]string `json:"candles"`
}

type botDoc struct {
	Name          string            `json:"name"`
	Symbol        string            `json:"symbol"`
	Strategy      string            `json:"strategy"`
	Mode          string            `json:"mode"`
	State         string            `json:"state"`
	Params        map[string]string `json:"params"`
	Budget        string            `json:"budget,omitempty"`
	Position      string            `json:"position"`
	AvgEntry      string            `json:"avg_entry"`
	RealizedPnL   string            `json:"realized_pnl"`
	UnrealizedPnL string            `json:"unrealized_pnl"`
	Spent         string            `json:"spent"`
	Buys          int               `json:"buys"`
	Sells         int               `json:"sells"`
	OpenOrders    int               `json:"open_orders"`
	StartedAt     string            `json:"started_at,omitempty"`
}

type tradeDoc struct {
	Time     string `json:"time"`
	Side     string `json:"side"`
	Price    string `json:"price"`
	Quantity string `json:"quantity"`
	Fee      string `json:"fee,omitempty"`
	FeeAsset string `json:"fee_asset,omitempty"`
}

type backtestDoc struct {
	Symbol      string            `json:"symbol"`
	Strategy    string            `json:"strategy"`
	Params      map[string]string `json:"params"`
	Interval    string            `json:"interval,omitempty"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	StartEquity string            `json:"start_equity"`
	FinalEquity string            `json:"final_equity"`
	ReturnPct   float64           `json:"return_pct"`
	MaxDrawdown float64           `json:"max_drawdown_pct"`
	Sharpe      float64           `json:"sharpe"`
	WinRate     float64           `json:"win_rate_pct"`
	Trades      int               `json:"trades"`
	Fees        string            `json:"fees"`
	BuyHoldPct  float64           `json:"buy_and_hold_pct"`
	ParamsTried int               `json:"params_tried"`
}

type balanceDoc struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

const timeFmt = "2006-01-02T15:04Z"

func buildContext(kind Kind, in Input) (contextDoc, error) {
	var d contextDoc
	if in.Bot != nil {
		b, err := botContext(*in.Bot)
		if err != nil {
			return d, err
		}
		d.Bot = b
		for _, t := range tail(in.Trades, MaxTrades) {
			if t.Side != "BUY" && t.Side != "SELL" {
				continue
			}
			td := tradeDoc{Time: t.Time.UTC().Format(timeFmt), Side: t.Side, Price: t.Price.String(), Quantity: t.Quantity.String()}
			if !t.Fee.IsZero() && isToken(t.FeeAsset, 12, upperDigits) {
				td.Fee, td.FeeAsset = t.Fee.String(), t.FeeAsset
			}
			d.Trades = append(d.Trades, td)
		}
	}
	if in.Market != nil {
		if !isToken(in.Market.Symbol, 20, upperDigits) {
			return d, fmt.Errorf("ai: %q is not a symbol", in.Market.Symbol)
		}
		m := &marketDoc{Symbol: in.Market.Symbol, Candles: [][6]string{}}
		if isToken(in.Market.Interval, 4, alnum) {
			m.Interval = in.Market.Interval
		}
		var lo, hi decimal.Decimal
		if d.Bot != nil && d.Bot.Strategy == "grid" {
			lo, _ = decimal.Parse(d.Bot.Params["lower"])
			hi, _ = decimal.Parse(d.Bot.Params["upper"])
		}
		cs := tail(in.Market.Candles, MaxCandles)
		m.Stats = Derive(cs, lo, hi)
		for _, c := range cs {
			m.Candles = append(m.Candles, [6]string{c.Open.UTC().Format(timeFmt), c.O.String(), c.H.String(), c.L.String(), c.C.String(), c.Volume.String()})
		}
		d.Market = m
	}
	if in.Backtest != nil {
		d.Backtest = backtestContext(*in.Backtest)
	}
	if in.IncludeBalances {
		for _, b := range in.Balances {
			if isToken(b.Asset, 12, upperDigits) {
				d.Balances = append(d.Balances, balanceDoc{Asset: b.Asset, Free: b.Free.String(), Locked: b.Locked.String()})
			}
		}
	}
	switch kind {
	case Explain, Review:
		if d.Bot == nil {
			return d, fmt.Errorf("%w: %s needs a bot", ErrNoContext, kind)
		}
	case Backtest:
		if d.Backtest == nil {
			return d, fmt.Errorf("%w: a backtest summary needs a backtest result", ErrNoContext)
		}
	case Ask:
		q := strings.TrimSpace(in.Question)
		if q == "" {
			return d, fmt.Errorf("%w: ask needs a question", ErrNoContext)
		}
		if utf8.RuneCountInString(q) > MaxQuestionLen {
			return d, fmt.Errorf("ai: the question is longer than %d characters", MaxQuestionLen)
		}
	}
	return d, nil
}

func botContext(b Bot) (*botDoc, error) {
	if !isToken(b.Name, 32, nameChars) {
		return nil, fmt.Errorf("ai: %q is not a bot name", b.Name)
	}
	if _, ok := StrategyParams[b.Strategy]; !ok {
		return nil, fmt.Errorf("ai: bot %s: unknown strategy %q", b.Name, b.Strategy)
	}
	d := &botDoc{
		Name: b.Name, Strategy: b.Strategy, Params: cleanParams(b.Strategy, b.Params),
		Position: b.Position.String(), AvgEntry: b.AvgEntry.String(),
		RealizedPnL: b.RealizedPnL.String(), UnrealizedPnL: b.UnrealizedPnL.String(), Spent: b.Spent.String(),
		Buys: b.Buys, Sells: b.Sells, OpenOrders: b.OpenOrders,
	}
	if isToken(b.Symbol, 20, upperDigits) {
		d.Symbol = b.Symbol
	}
	if b.Mode == "paper" || b.Mode == "live" {
		d.Mode = b.Mode
	}
	switch b.State {
	case "stopped", "running", "paused", "error":
		d.State = b.State
	}
	if !b.Budget.IsZero() {
		d.Budget = b.Budget.String()
	}
	if !b.StartedAt.IsZero() {
		d.StartedAt = b.StartedAt.UTC().Format(timeFmt)
	}
	return d, nil
}

func backtestContext(m BacktestMetrics) *backtestDoc {
	d := &backtestDoc{
		Params: cleanParams(m.Strategy, m.Params), From: m.From.UTC().Format(timeFmt), To: m.To.UTC().Format(timeFmt),
		StartEquity: m.StartEquity.String(), FinalEquity: m.FinalEquity.String(),
		ReturnPct: round2(m.ReturnPct), MaxDrawdown: round2(m.MaxDrawdown), Sharpe: round2(m.Sharpe), WinRate: round2(m.WinRate),
		Trades: m.Trades, Fees: m.Fees.String(), BuyHoldPct: round2(m.BuyHoldPct), ParamsTried: max(m.ParamsTried, 1),
	}
	if isToken(m.Symbol, 20, upperDigits) {
		d.Symbol = m.Symbol
	}
	if _, ok := StrategyParams[m.Strategy]; ok {
		d.Strategy = m.Strategy
	}
	if isToken(m.Interval, 4, alnum) {
		d.Interval = m.Interval
	}
	return d
}

// cleanParams keeps the strategy's own parameter names whose values look like parameter
// values (numbers, durations, comma-separated percents).
func cleanParams(strategy string, in map[string]string) map[string]string {
	out := map[string]string{}
	for _, name := range StrategyParams[strategy] {
		if v, ok := in[name]; ok && isParamValue(v) {
			out[name] = v
		}
	}
	return out
}

// isParamValue accepts what a strategy parameter can hold: digits, '.', ',', '%' and the
// letters of a Go duration, at most 64 characters.
func isParamValue(v string) bool {
	return isToken(v, 64, func(r rune) bool {
		return r >= '0' && r <= '9' || r == '.' || r == ',' || r == '%' || strings.ContainsRune("nsuµmh", r)
	})
}

func upperDigits(r rune) bool { return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' }
func alnum(r rune) bool       { return upperDigits(r) || r >= 'a' && r <= 'z' }
func nameChars(r rune) bool   { return alnum(r) || r == '-' || r == '_' }

func isToken(s string, maxLen int, ok func(rune) bool) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func tail[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[len(xs)-n:]
	}
	return xs
}
