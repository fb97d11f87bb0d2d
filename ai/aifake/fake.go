// Package aifake is a loopback fake of Anthropic's Messages API for tests: it streams answers
// as server-sent events (message_start, content_block_delta, message_delta with usage,
// message_stop, ping), answers with scripted errors (429 and 529 with retry-after, overloaded
// errors in the middle of a stream, 401 for a wrong key) and records every request's method,
// path, headers and body so tests can check what was sent. It listens on 127.0.0.1 only.
package aifake

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Reply scripts one answer.
type Reply struct {
	// Status, when not 0 or 200, answers with this HTTP status and an error body of ErrorType.
	Status     int
	ErrorType  string // rate_limit_error, overloaded_error, api_error, invalid_request_error...
	RetryAfter string // the retry-after header, seconds
	// Deltas are the text pieces streamed as content_block_delta events.
	Deltas                    []string
	InputTokens, OutputTokens int64
	// StreamError, when set, sends an error event of this type after StreamErrorAfter deltas.
	StreamError      string
	StreamErrorAfter int
	// Hold, when not nil, stops the stream after the first delta until it is closed or the
	// client goes away (for cancellation tests).
	Hold chan struct{}
}

// Captured is one request as the fake received it.
type Captured struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Server is the fake.
type Server struct {
	URL    string // base URL to give the client
	APIKey string // the key the fake accepts; anything else gets 401

	srv     *httptest.Server
	mu      sync.Mutex
	replies []Reply
	reqs    []Captured
	conns   int
}

// New starts the fake on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB, apiKey string) *Server {
	t.Helper()
	s := &Server{APIKey: apiKey}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("aifake: %v", err)
	}
	srv.Listener = l
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	srv.Start()
	s.srv, s.URL = srv, srv.URL
	t.Cleanup(srv.Close)
	return s
}

// Push queues replies, answered in order; with none queued the fake answers "ok".
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	s.replies = append(s.replies, r...)
	s.mu.Unlock()
}

// Requests returns every request received so far.
func (s *Server) Requests() []Captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Captured(nil), s.reqs...)
}

// Connections counts the TCP connections accepted so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	s.mu.Lock()
	s.reqs = append(s.reqs, Captured{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	rep := Reply{Deltas: []string{"ok"}, InputTokens: 10, OutputTokens: 1}
	if len(s.replies) > 0 {
		rep, s.replies = s.replies[0], s.replies[1:]
	}
	s.mu.Unlock()

	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		writeError(w, http.StatusNotFound, "not_found_error", "no such route", "")
		return
	}
	if r.Header.Get("x-api-key") != s.APIKey {
		writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key", "")
		return
	}
	var req struct {
		Model     string `json:"model"`
		MaxTokens int    `json:"max_tokens"`
		Stream    bool   `json:"stream"`
		Messages  []any  `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" || req.MaxTokens <= 0 || len(req.Messages) == 0 || !req.Stream {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model, max_tokens, messages and stream are required", "")
		return
	}
	if rep.Status != 0 && rep.Status != http.StatusOK {
		writeError(w, rep.Status, rep.ErrorType, "scripted failure", rep.RetryAfter)
		return
	}
	s.stream(w, r, req.Model, rep)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, model string, rep Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	send := func(event string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if fl != nil {
			fl.Flush()
		}
	}
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": rep.InputTokens, "output_tokens": 1},
	}})
	send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	send("ping", map[string]any{"type": "ping"})
	for i, d := range rep.Deltas {
		if rep.StreamError != "" && i == rep.StreamErrorAfter {
			send("error", map[string]any{"type": "error", "error": map[string]any{"type": rep.StreamError, "message": "scripted stream error"}})
			return
		}
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": d}})
		if i == 0 && rep.Hold != nil {
			select {
			case <-rep.Hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	if rep.StreamError != "" && rep.StreamErrorAfter >= len(rep.Deltas) {
		send("error", map[string]any{"type": "error", "error": map[string]any{"type": rep.StreamError, "message": "scripted stream error"}})
		return
	}
	send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": rep.OutputTokens}})
	send("message_stop", map[string]any{"type": "message_stop"})
}

func writeError(w http.ResponseWriter, status int, typ, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("retry-after", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}

// Joined returns every captured request as one text (method, path, headers but x-api-key,
// body), for absence checks.
func Joined(reqs []Captured) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.Path)
		for k, vs := range r.Header {
			if strings.EqualFold(k, "x-api-key") {
				continue
			}
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ","))
		}
		b.Write(r.Body)
		b.WriteString("\n")
	}
	return b.String()
}
