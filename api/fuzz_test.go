package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseOrderQuery(f *testing.F) {
	for _, s := range []string{"", "bot=dca-btc&open=true&limit=5", "open=1", "limit=1000", "limit=-1",
		"bot=%00", "bot=a&bot=b", "x=y", "limit=99999999999999999999", "bot=" + strings.Repeat("é", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseOrderQuery(q)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad request: ") {
				t.Fatalf("error %q lacks the bad request prefix", err)
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > maxOrderLimit {
			t.Fatalf("limit %d accepted", flt.Limit)
		}
		if flt.Bot != "" {
			if _, err := parseName(flt.Bot); err != nil {
				t.Fatalf("invalid bot name %q accepted", flt.Bot)
			}
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"dca-btc", "", "a/b", "a b", "\x00", strings.Repeat("n", 65), "ünïcode", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := parseName(s)
		if err != nil {
			return
		}
		if name != s || len(name) == 0 || len(name) > maxNameLen || !utf8.ValidString(name) || strings.ContainsAny(name, "/ \t\r\n\x00") {
			t.Fatalf("accepted %q as %q", s, name)
		}
	})
}

func FuzzParseKillBody(f *testing.F) {
	for _, s := range []string{"", "  ", `{}`, `{"reason":"x"}`, `{"reason":null}`, `{"reason":"a\u0000"}`, `[]`, `{"reason":"x"} {}`, `{"other":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		reason, err := parseKillBody(body)
		if err != nil {
			return
		}
		if reason == "" || utf8.RuneCountInString(reason) > maxReasonLen || !utf8.ValidString(reason) {
			t.Fatalf("accepted reason %q", reason)
		}
	})
}

// FuzzHandler sends arbitrary authenticated requests through the whole router: it must never
// panic, never fail with a 5xx, and always answer JSON (except /metrics).
func FuzzHandler(f *testing.F) {
	srv, err := New(Config{Token: testToken, Engine: newFakeEngine()})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	for _, r := range srv.Routes() {
		f.Add(r.Method, concrete(r.Path), "", "")
	}
	f.Add("GET", "/v1/orders", "bot=dca-btc&open=true", "")
	f.Add("POST", "/v1/killswitch", "", `{"reason":"why"}`)
	f.Add("GET", "/v1/bots/%ZZ", "", "")
	f.Add("PUT", "/v1/bots/x/start", "", "")
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		switch method {
		case "GET", "POST", "DELETE", "PUT", "HEAD":
		default:
			return
		}
		u := &url.URL{Path: path, RawQuery: query}
		if !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:1"
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, u, rec.Code, rec.Body)
		}
		if method == "HEAD" || (req.URL.Path == "/metrics" && rec.Code == http.StatusOK) {
			return
		}
		checkJSONAnswer(t, method+" "+u.String(), rec)
	})
}

// checkJSONAnswer fails unless the answer is JSON, and an error answer is {"error": "..."}.
func checkJSONAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: %d with Content-Type %q: %q", what, rec.Code, ct, rec.Body)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s: %d, not JSON: %q", what, rec.Code, rec.Body)
	}
	if rec.Code >= 300 {
		var e errorJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("%s: %d without an error message: %q", what, rec.Code, rec.Body)
		}
	}
}

// FuzzAuth sends requests with arbitrary Authorization headers, or none, to any path with any
// method: whatever they aim at, a request without the token gets the same bare 401 (never a
// 404, 405 or redirect that would tell routes apart), and only the token gets through.
func FuzzAuth(f *testing.F) {
	noWait := funcClock{sleep: func(context.Context, time.Duration) error { return nil }}
	srv, err := New(Config{Token: testToken, Engine: newFakeEngine(), Clock: noWait})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	for _, c := range []struct {
		method, path, auth string
		set                bool
	}{
		{"GET", "/v1/status", "Bearer " + testToken, true},
		{"GET", "/v1/status", "", false},
		{"GET", "/v1/status", "Bearer", true},
		{"GET", "/v1/status", "Bearer " + testToken[:len(testToken)-1], true},
		{"GET", "/v1/status", "Bearer " + testToken + "x", true},
		{"GET", "/v1/status", "Basic " + testToken, true},
		{"PUT", "/v1/status", "bearer wrong", true},
		{"GET", "//v1//bots/", "Bearer  ", true},
		{"POST", "/v1/seal", "Bearer " + strings.ToUpper(testToken), true},
		{"GET", "/nope", "Token " + testToken, true},
	} {
		f.Add(c.method, c.path, c.auth, c.set)
	}
	f.Fuzz(func(t *testing.T, method, path, auth string, set bool) {
		switch method {
		case "GET", "POST", "DELETE", "PUT", "PATCH":
		default:
			return
		}
		if !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+(&url.URL{Path: path}).String(), nil)
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:1"
		if set {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		what := fmt.Sprintf("%s %s with Authorization %q (set %v)", method, path, auth, set)
		carriesToken := set && strings.Contains(auth, testToken)
		if !carriesToken {
			if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusTooManyRequests {
				t.Fatalf("%s: %d, want 401", what, rec.Code)
			}
			checkJSONAnswer(t, what, rec)
			if rec.Code == http.StatusUnauthorized && strings.TrimSpace(rec.Body.String()) != `{"error":"unauthorized"}` {
				t.Fatalf("%s: the 401 says more than unauthorized: %q", what, rec.Body)
			}
			if rec.Header().Get("Location") != "" || rec.Header().Get("Allow") != "" {
				t.Fatalf("%s: the 401 reveals routing headers: %v", what, rec.Header())
			}
			return
		}
		if set && auth == "Bearer "+testToken && rec.Code == http.StatusUnauthorized {
			t.Fatalf("%s: the right token was refused", what)
		}
		if strings.Contains(rec.Body.String(), testToken) {
			t.Fatalf("%s: the answer repeats the token", what)
		}
	})
}
