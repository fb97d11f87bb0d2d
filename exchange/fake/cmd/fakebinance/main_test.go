package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange/fake"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// redacted is the banner without its demo secret, for failure messages.
func redacted(out string) string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "secret") {
			line = "  demo secret [redacted]"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// field returns the value printed after label on its line.
func field(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func TestRunServesWithTheDemoKey(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	noEnv := func(string) string { return "" }
	go func() { done <- run(ctx, []string{"-symbols", "BTCUSDT,FOOUSDT=1.25", "-drift=false"}, noEnv, &out) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, redacted(out.String()))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", redacted(out.String()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	rest, key, secret := field(out.String(), "REST"), field(out.String(), "demo key"), field(out.String(), "demo secret")
	if !strings.HasPrefix(rest, "http://127.0.0.1:") || len(key) != 64 || len(secret) != 64 {
		t.Fatalf("banner:\n%s", redacted(out.String()))
	}
	if ws := field(out.String(), "websocket"); ws != "ws://"+strings.TrimPrefix(rest, "http://") {
		t.Errorf("websocket URL %q does not match REST %q", ws, rest)
	}

	q := url.Values{"symbol": {"FOOUSDT"}, "side": {"BUY"}, "type": {"MARKET"}, "quantity": {"10"}, "timestamp": {strconv.FormatInt(time.Now().UnixMilli(), 10)}}
	body := q.Encode() + "&signature=" + fake.Sign(secret, q.Encode())
	req, _ := http.NewRequest(http.MethodPost, rest+"/api/v3/order", strings.NewReader(body))
	req.Header.Set("X-MBX-APIKEY", key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"FILLED"`) {
		t.Fatalf("demo order: %d %s", resp.StatusCode, b)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop when its context ended")
	}
}

func TestParseSymbols(t *testing.T) {
	tests := []struct {
		in      string
		want    []string // symbol=price
		wantErr bool
	}{
		{"BTCUSDT,ETHUSDT", []string{"BTCUSDT=60000.00", "ETHUSDT=3000.00"}, false},
		{"btcusdt=65000", []string{"BTCUSDT=65000"}, false},
		{"FOOUSDT=1.5, SOLUSDT", []string{"FOOUSDT=1.5", "SOLUSDT=150.00"}, false},
		{"FOOUSDT", nil, true},
		{" , ", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			specs, err := parseSymbols(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, sp := range specs {
				got = append(got, sp.Symbol+"="+sp.Price)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	var out syncBuffer
	noEnv := func(string) string { return "" }
	for _, args := range [][]string{{"-port", "x"}, {"-symbols", "NOPE"}, {"-commission", "2"}, {"-usdt", "lots"}} {
		if err := run(context.Background(), args, noEnv, &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestFixedKeyFromEnvironmentIsNotPrinted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{envKey: "fixedkey", envSecret: "fixed-secret-value"}
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-drift=false"}, func(k string) string { return env[k] }, &out) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "fixed-secret-value") {
		t.Fatal("the secret from the environment was printed")
	}
	if field(out.String(), "demo key") != "fixedkey" || !strings.Contains(out.String(), envSecret) {
		t.Errorf("banner:\n%s", out.String())
	}
}
