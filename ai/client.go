package ai

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/quantdeck/quantdeck/clock"
)

// Defaults for the settings.
const (
	DefaultModel       = anthropic.ModelClaudeSonnet5_5
	DefaultBaseURL     = "https://api.anthropic.com"
	DefaultDailyTokens = 200_000
	DefaultTimeout     = 3 * time.Minute
	DefaultAttempts    = 4
	maxRetryWait       = 30 * time.Second
)

// KeySource lends the API key for one call and zeroes it after (vault.ServiceKeyLender).
type KeySource interface {
	Use(ctx context.Context, fn func(apiKey []byte) error) error
}

// Config is the client's settings.
type Config struct {
	Enabled     bool   // QUANTDECK_AI=claude
	Model       string // QUANTDECK_AI_MODEL
	BaseURL     string // QUANTDECK_AI_BASE_URL
	DailyTokens int64  // QUANTDECK_AI_DAILY_TOKENS: input plus output tokens per UTC day
	Timeout     time.Duration
	MaxAttempts int
	HTTPClient  *http.Client
	// Clock waits between attempts; tests pass a fake. nil: the system clock.
	Clock clock.Clock
}

// Client asks Claude. It exists only when the enrichment is on.
type Client struct {
	cfg    Config
	key    KeySource
	ledger *Ledger
}

// New returns a client, or ErrDisabled when cfg.Enabled is false: with the enrichment off
// nothing can reach Anthropic because there is nothing to call.
func New(cfg Config, key KeySource, ledger *Ledger) (*Client, error) {
	if !cfg.Enabled {
		return nil, ErrDisabled
	}
	if key == nil || ledger == nil {
		return nil, errors.New("ai: a key source and a token ledger are required")
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("ai: QUANTDECK_AI_BASE_URL must be an http(s) URL such as %s", DefaultBaseURL)
	}
	if cfg.DailyTokens <= 0 {
		cfg.DailyTokens = DefaultDailyTokens
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultAttempts
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newHTTPClient()
	}
	cfg.Clock = clock.Or(cfg.Clock)
	return &Client{cfg: cfg, key: key, ledger: ledger}, nil
}

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 60 * time.Second
	tr.TLSHandshakeTimeout = 10 * time.Second
	return &http.Client{Transport: tr}
}

// Model is the model asked.
func (c *Client) Model() string { return c.cfg.Model }

// Endpoint is where requests go, without any user information a base URL might hold.
func (c *Client) Endpoint() string { return endpoint(c.cfg.BaseURL) }

// EndpointFor is the Messages API address for a base URL, without user information.
func EndpointFor(base string) string { return endpoint(base) }

func endpoint(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/") + "/v1/messages"
}

// DailyTokens is the day's budget.
func (c *Client) DailyTokens() int64 { return c.cfg.DailyTokens }

// Today is the tokens spent today (UTC).
func (c *Client) Today(ctx context.Context) (Usage, error) { return c.ledger.Today(ctx) }

// Build makes a request with the client's model.
func (c *Client) Build(kind Kind, in Input) (Request, error) { return Build(kind, c.cfg.Model, in) }

// Answer is one complete answer.
type Answer struct {
	Text       string
	Model      string
	Usage      Usage // this answer's tokens
	Today      Usage // the day's tokens, this answer included
	StopReason string
}

// Stream sends req and calls onDelta with each piece of text as it arrives (from the calling
// goroutine). Cancelling ctx stops the answer (ErrCancelled). Rate limits, overload and
// connection failures are retried with backoff while nothing has been shown yet; a refused
// budget, key or request is not.
func (c *Client) Stream(ctx context.Context, req Request, onDelta func(string)) (Answer, error) {
	today, err := c.ledger.Today(ctx)
	if err != nil {
		return Answer{}, err
	}
	if today.Total() >= c.cfg.DailyTokens {
		return Answer{Today: today}, fmt.Errorf("%w (%d of %d tokens used)", ErrBudgetSpent, today.Total(), c.cfg.DailyTokens)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var last attemptErr
	for attempt := 1; ; attempt++ {
		ans, shown, err := c.attempt(ctx, req, onDelta)
		if ans.Usage.Total() > 0 {
			if rerr := c.ledger.Record(context.WithoutCancel(ctx), req.Kind, c.cfg.Model, ans.Usage); rerr != nil && err == nil {
				err = rerr
			}
		}
		if t, terr := c.ledger.Today(context.WithoutCancel(ctx)); terr == nil {
			ans.Today = t
		}
		if err == nil {
			return ans, nil
		}
		if !errors.As(err, &last) {
			return ans, err
		}
		if !last.retry || shown || attempt >= c.cfg.MaxAttempts {
			return ans, last.final()
		}
		if serr := c.cfg.Clock.Sleep(ctx, backoff(attempt, last.retryAfter)); serr != nil {
			return ans, ctxErr(ctx)
		}
	}
}

// backoff is the wait before attempt+1: the server's retry-after when it gave one (capped),
// else 1 s, 2 s, 4 s... with jitter so clients do not retry in step.
func backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryWait)
	}
	d := time.Second << (attempt - 1)
	d += time.Duration(rand.Int64N(int64(d / 4)))
	return min(d, maxRetryWait)
}

// attempt makes one call with the key lent for its length. shown reports whether any text
// reached onDelta (a retry would then repeat it).
func (c *Client) attempt(ctx context.Context, req Request, onDelta func(string)) (ans Answer, shown bool, err error) {
	ans.Model = c.cfg.Model
	err = c.key.Use(ctx, func(apiKey []byte) error {
		// Header values are strings: this copy of the key lives until the garbage collector
		// reclaims it; the vault zeroes its own buffer when this function returns.
		client := anthropic.NewClient(
			option.WithoutEnvironmentDefaults(), // never ANTHROPIC_* variables or profile files
			option.WithoutOpenTelemetry(),
			option.WithBaseURL(c.cfg.BaseURL),
			// The Messages API's own key header, set directly: the key goes in x-api-key and
			// nowhere else (no Authorization header, no credential chain).
			option.WithHeader("x-api-key", string(apiKey)),
			option.WithHTTPClient(c.cfg.HTTPClient),
			option.WithMaxRetries(0), // retries are ours: they must not repeat shown text
		)
		stream := client.Messages.NewStreaming(ctx, req.Params())
		defer stream.Close()
		var text strings.Builder
		for stream.Next() {
			ev := stream.Current()
			switch ev.Type {
			case "message_start":
				ans.Usage.Input = ev.Message.Usage.InputTokens
				ans.Usage.Output = ev.Message.Usage.OutputTokens
				if ev.Message.Model != "" {
					ans.Model = ev.Message.Model
				}
			case "content_block_delta":
				if d := ev.Delta.Text; ev.Delta.Type == "text_delta" && d != "" {
					text.WriteString(d)
					shown = true
					if onDelta != nil {
						onDelta(d)
					}
				}
			case "message_delta":
				if ev.Usage.OutputTokens > 0 {
					ans.Usage.Output = ev.Usage.OutputTokens
				}
				if ev.Usage.InputTokens > 0 {
					ans.Usage.Input = ev.Usage.InputTokens
				}
				ans.StopReason = string(ev.Delta.StopReason)
			}
		}
		ans.Text = text.String()
		return stream.Err()
	})
	if err != nil {
		return ans, shown, classify(ctx, err, c.cfg.BaseURL)
	}
	return ans, shown, nil
}

// attemptErr is a failed attempt, described without the SDK's error (which holds the request
// and so the key header).
type attemptErr struct {
	retry      bool
	retryAfter time.Duration
	err        error
}

func (e attemptErr) Error() string { return e.err.Error() }
func (e attemptErr) Unwrap() error { return e.err }
func (e attemptErr) final() error  { return e.err }

// classify turns an SDK or transport error into one of ours.
func classify(ctx context.Context, err error, base string) error {
	if ctx.Err() != nil {
		return ctxErr(ctx)
	}
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		status, typ := apiErr.StatusCode, string(apiErr.Type())
		var after time.Duration
		if apiErr.Response != nil {
			after = retryAfter(apiErr.Response.Header)
		}
		switch {
		case typ == "overloaded_error" || status == 529:
			return attemptErr{retry: true, retryAfter: after, err: fmt.Errorf("%w (overloaded)", ErrBusy)}
		case typ == "rate_limit_error" || status == http.StatusTooManyRequests:
			return attemptErr{retry: true, retryAfter: after, err: fmt.Errorf("%w (rate limited)", ErrBusy)}
		case status == http.StatusUnauthorized || status == http.StatusForbidden || typ == "authentication_error" || typ == "permission_error":
			return attemptErr{err: ErrKeyRefused}
		case status >= 500 || typ == "api_error":
			return attemptErr{retry: true, retryAfter: after, err: fmt.Errorf("%w: %d %s", ErrUnreachableOrFailing, status, typ)}
		default:
			return attemptErr{err: fmt.Errorf("%w: %d %s: %s", ErrRejected, status, typ, clip(apiErr.Message, 200))}
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "overloaded_error") {
		return attemptErr{retry: true, err: fmt.Errorf("%w (overloaded)", ErrBusy)}
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &netErr) || strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset") {
		return attemptErr{retry: true, err: fmt.Errorf("%w at %s: check the network or QUANTDECK_AI_BASE_URL", ErrUnreachable, hostOf(base))}
	}
	return attemptErr{err: fmt.Errorf("ai: the answer could not be read (%s)", clip(firstLine(msg), 200))}
}

// ErrUnreachableOrFailing: the service answered with a server error through every retry.
var ErrUnreachableOrFailing = errors.New("ai: the Claude API is failing")

func ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return ErrCancelled
}

func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "the configured address"
	}
	return u.Host
}

func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
