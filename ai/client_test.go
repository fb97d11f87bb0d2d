package ai_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/ai"
	"github.com/quantdeck/quantdeck/ai/aifake"
	"github.com/quantdeck/quantdeck/clock"
	"github.com/quantdeck/quantdeck/store"
)

const testKey = "sk-ant-test-key-0123456789"

type fixedKey struct {
	key  string
	uses int
}

func (k *fixedKey) Use(_ context.Context, fn func([]byte) error) error {
	k.uses++
	b := []byte(k.key)
	defer clear(b)
	return fn(b)
}

// sleeps is a clock that records each wait and returns at once.
type sleeps struct {
	*clock.Fake
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

type rig struct {
	fake   *aifake.Server
	client *ai.Client
	ledger *ai.Ledger
	sleeps *sleeps
	clk    *clock.Fake // the ledger's clock: which UTC day a use counts against
}

func newRig(t *testing.T, budget int64) *rig {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{fake: aifake.New(t, testKey), sleeps: &sleeps{Fake: clock.NewFake(time.Unix(0, 0))}, clk: clock.NewFake(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))}
	r.ledger = ai.NewLedger(db, r.clk)
	r.client, err = ai.New(ai.Config{Enabled: true, BaseURL: r.fake.URL, DailyTokens: budget, Clock: r.sleeps}, &fixedKey{key: testKey}, r.ledger)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func askReq(t *testing.T, c *ai.Client) ai.Request {
	t.Helper()
	req, err := c.Build(ai.Ask, ai.Input{Question: "Is BTC trending?"})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestStreamDeliversDeltasAndCountsTokens(t *testing.T) {
	r := newRig(t, 0)
	r.fake.Push(aifake.Reply{Deltas: []string{"Hel", "lo ", "trader"}, InputTokens: 120, OutputTokens: 7})
	var got []string
	ans, err := r.client.Stream(context.Background(), askReq(t, r.client), func(d string) { got = append(got, d) })
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if strings.Join(got, "|") != "Hel|lo |trader" || ans.Text != "Hello trader" {
		t.Fatalf("deltas %q, text %q", got, ans.Text)
	}
	if ans.Usage != (ai.Usage{Input: 120, Output: 7}) || ans.Today != ans.Usage || ans.StopReason != "end_turn" {
		t.Fatalf("answer = %+v", ans)
	}
	r.fake.Push(aifake.Reply{Deltas: []string{"x"}, InputTokens: 30, OutputTokens: 3})
	ans, err = r.client.Stream(context.Background(), askReq(t, r.client), nil)
	if err != nil || ans.Today != (ai.Usage{Input: 150, Output: 10}) {
		t.Fatalf("second answer: today %+v, %v; want the day's sum", ans.Today, err)
	}
	// A new UTC day starts from zero.
	r.clk.Advance(24 * time.Hour)
	if u, _ := r.client.Today(context.Background()); u.Total() != 0 {
		t.Fatalf("next day starts with %+v", u)
	}
	reqs := r.fake.Requests()
	if len(reqs) != 2 || reqs[0].Header.Get("x-api-key") != testKey || reqs[0].Header.Get("anthropic-version") == "" {
		t.Fatalf("requests %d, headers %v", len(reqs), reqs[0].Header)
	}
}

func TestStreamRetries(t *testing.T) {
	cases := []struct {
		name      string
		replies   []aifake.Reply
		wantErr   error
		wantText  string
		wantSleep []time.Duration // exact waits (retry-after); nil: just the count
		sleeps    int
		requests  int
	}{
		{name: "429 then answer, honouring retry-after",
			replies:  []aifake.Reply{{Status: 429, ErrorType: "rate_limit_error", RetryAfter: "7"}, {Deltas: []string{"fine"}}},
			wantText: "fine", wantSleep: []time.Duration{7 * time.Second}, requests: 2},
		{name: "529 overloaded twice then answer",
			replies:  []aifake.Reply{{Status: 529, ErrorType: "overloaded_error", RetryAfter: "1"}, {Status: 529, ErrorType: "overloaded_error", RetryAfter: "2"}, {Deltas: []string{"ok"}}},
			wantText: "ok", wantSleep: []time.Duration{time.Second, 2 * time.Second}, requests: 3},
		{name: "overloaded inside the stream before any text is retried",
			replies:  []aifake.Reply{{Deltas: []string{"a"}, StreamError: "overloaded_error", StreamErrorAfter: 0}, {Deltas: []string{"b"}}},
			wantText: "b", sleeps: 1, requests: 2},
		{name: "overloaded after text is shown is not retried",
			replies: []aifake.Reply{{Deltas: []string{"a", "b"}, StreamError: "overloaded_error", StreamErrorAfter: 1}},
			wantErr: ai.ErrBusy, requests: 1},
		{name: "always rate limited gives up after the attempts",
			replies: []aifake.Reply{{Status: 429, ErrorType: "rate_limit_error"}, {Status: 429, ErrorType: "rate_limit_error"}, {Status: 429, ErrorType: "rate_limit_error"}, {Status: 429, ErrorType: "rate_limit_error"}},
			wantErr: ai.ErrBusy, sleeps: 3, requests: 4},
		{name: "retry-after is capped",
			replies:  []aifake.Reply{{Status: 429, ErrorType: "rate_limit_error", RetryAfter: "3600"}, {Deltas: []string{"ok"}}},
			wantText: "ok", wantSleep: []time.Duration{30 * time.Second}, requests: 2},
		{name: "a bad request is not retried",
			replies: []aifake.Reply{{Status: 400, ErrorType: "invalid_request_error"}},
			wantErr: ai.ErrRejected, requests: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 0)
			r.fake.Push(tc.replies...)
			ans, err := r.client.Stream(context.Background(), askReq(t, r.client), nil)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			} else if err != nil || ans.Text != tc.wantText {
				t.Fatalf("answer %q, err %v; want %q", ans.Text, err, tc.wantText)
			}
			if n := len(r.fake.Requests()); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
			if tc.wantSleep != nil {
				if len(r.sleeps.d) != len(tc.wantSleep) {
					t.Fatalf("waits %v, want %v", r.sleeps.d, tc.wantSleep)
				}
				for i := range tc.wantSleep {
					if r.sleeps.d[i] != tc.wantSleep[i] {
						t.Fatalf("waits %v, want %v", r.sleeps.d, tc.wantSleep)
					}
				}
			} else if len(r.sleeps.d) != tc.sleeps {
				t.Fatalf("waits %v, want %d", r.sleeps.d, tc.sleeps)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Fatal("the error carries the key")
			}
		})
	}
}

func TestBackoffGrowsWithoutRetryAfter(t *testing.T) {
	r := newRig(t, 0)
	r.fake.Push(aifake.Reply{Status: 500, ErrorType: "api_error"}, aifake.Reply{Status: 500, ErrorType: "api_error"}, aifake.Reply{Deltas: []string{"ok"}})
	if _, err := r.client.Stream(context.Background(), askReq(t, r.client), nil); err != nil {
		t.Fatal(err)
	}
	if len(r.sleeps.d) != 2 || r.sleeps.d[0] < time.Second || r.sleeps.d[1] < 2*time.Second || r.sleeps.d[1] >= 3*time.Second {
		t.Fatalf("waits %v, want about 1 s then 2 s", r.sleeps.d)
	}
}

func TestWrongKeyIsRefusedWithoutRetryOrKeyInError(t *testing.T) {
	r := newRig(t, 0)
	c, err := ai.New(ai.Config{Enabled: true, BaseURL: r.fake.URL, Clock: r.sleeps}, &fixedKey{key: "sk-ant-WRONG-KEY-zzz"}, r.ledger)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Stream(context.Background(), askReq(t, c), nil)
	if !errors.Is(err, ai.ErrKeyRefused) || strings.Contains(err.Error(), "WRONG-KEY") {
		t.Fatalf("err = %v", err)
	}
	if len(r.fake.Requests()) != 1 {
		t.Fatalf("%d requests for a refused key, want 1", len(r.fake.Requests()))
	}
}

func TestUnreachableSaysSo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	r := newRig(t, 0)
	c, err := ai.New(ai.Config{Enabled: true, BaseURL: "http://" + addr, Clock: r.sleeps}, &fixedKey{key: testKey}, r.ledger)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Stream(context.Background(), askReq(t, c), nil)
	if !errors.Is(err, ai.ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrUnreachable naming %s", err, addr)
	}
	if len(r.sleeps.d) != ai.DefaultAttempts-1 {
		t.Fatalf("waits %v, want %d retries", r.sleeps.d, ai.DefaultAttempts-1)
	}
}

func TestBudgetRefusesWithoutConnecting(t *testing.T) {
	r := newRig(t, 100)
	r.fake.Push(aifake.Reply{Deltas: []string{"ok"}, InputTokens: 90, OutputTokens: 20})
	if _, err := r.client.Stream(context.Background(), askReq(t, r.client), nil); err != nil {
		t.Fatal(err)
	}
	conns := r.fake.Connections()
	ans, err := r.client.Stream(context.Background(), askReq(t, r.client), nil)
	if !errors.Is(err, ai.ErrBudgetSpent) || ans.Today.Total() != 110 {
		t.Fatalf("over budget: %v, today %+v", err, ans.Today)
	}
	if r.fake.Connections() != conns || len(r.fake.Requests()) != 1 {
		t.Fatal("a call over budget reached the service")
	}
}

func TestCancelStopsTheAnswer(t *testing.T) {
	r := newRig(t, 0)
	hold := make(chan struct{})
	defer close(hold)
	r.fake.Push(aifake.Reply{Deltas: []string{"first", "never"}, Hold: hold, InputTokens: 10})
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	ans, err := r.client.Stream(ctx, askReq(t, r.client), func(d string) {
		got = append(got, d)
		cancel() // the user presses the cancel key after the first piece
	})
	if !errors.Is(err, ai.ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if len(got) != 1 || ans.Text != "first" {
		t.Fatalf("deltas %q, text %q", got, ans.Text)
	}
	if ans.Usage.Input != 10 || ans.Today.Input != 10 {
		t.Fatalf("the tokens of a cancelled answer are not counted: %+v, today %+v", ans.Usage, ans.Today)
	}
}

func TestDisabledBuildsNoClient(t *testing.T) {
	c, err := ai.New(ai.Config{}, &fixedKey{key: testKey}, nil)
	if !errors.Is(err, ai.ErrDisabled) || c != nil {
		t.Fatalf("New with AI off = %v, %v", c, err)
	}
}

func TestBaseURLIsChecked(t *testing.T) {
	r := newRig(t, 0)
	for _, u := range []string{"ftp://x", "not a url", "https://"} {
		if _, err := ai.New(ai.Config{Enabled: true, BaseURL: u}, &fixedKey{}, r.ledger); err == nil {
			t.Errorf("base URL %q accepted", u)
		}
	}
	c, err := ai.New(ai.Config{Enabled: true, BaseURL: "https://user:pw@gw.example/anthropic/"}, &fixedKey{}, r.ledger)
	if err != nil || c.Endpoint() != "https://gw.example/anthropic/v1/messages" {
		t.Fatalf("endpoint %q, %v", c.Endpoint(), err)
	}
}
