package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRouterAnswersAreJSON checks the answers the router gives by itself (wrong method, a path
// to clean up, no such route) on both the token API and the control socket's handler: JSON
// with an error message, the status and the Allow or Location header kept.
func TestRouterAnswersAreJSON(t *testing.T) {
	srv, err := New(Config{Token: testToken, Engine: newFakeEngine(), Seal: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, target string
		code           int
		header, value  string // a header the answer keeps
		say            string
	}{
		{"PUT", "/v1/status", http.StatusMethodNotAllowed, "Allow", "GET", "method not allowed"},
		{"DELETE", "/v1/bots/dca-btc/start", http.StatusMethodNotAllowed, "Allow", "POST", "answers POST"},
		{"PATCH", "/v1/killswitch", http.StatusMethodNotAllowed, "Allow", "DELETE", "method not allowed"},
		{"GET", "//v1/status", http.StatusTemporaryRedirect, "Location", "/v1/status", "moved: use /v1/status"},
		{"GET", "/v1/bots/../status", http.StatusTemporaryRedirect, "Location", "/v1/status", "moved"},
		{"GET", "/v1/nothing", http.StatusNotFound, "", "", "not found"},
	}
	for name, h := range map[string]http.Handler{"api": srv.Handler(), "control socket": srv.LocalHandler()} {
		for _, c := range cases {
			t.Run(name+" "+c.method+" "+c.target, func(t *testing.T) {
				req := httptest.NewRequest(c.method, "http://127.0.0.1"+c.target, nil)
				req.RemoteAddr = "127.0.0.1:1"
				req.Header.Set("Authorization", "Bearer "+testToken)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.code {
					t.Fatalf("status %d, want %d (%q)", rec.Code, c.code, rec.Body)
				}
				checkJSONAnswer(t, c.method+" "+c.target, rec)
				var e errorJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, c.say) {
					t.Errorf("error %q (%v), want it to say %q", e.Error, err, c.say)
				}
				if c.header != "" && !strings.Contains(rec.Header().Get(c.header), c.value) {
					t.Errorf("%s = %q, want it to hold %q", c.header, rec.Header().Get(c.header), c.value)
				}
			})
		}
	}
}
