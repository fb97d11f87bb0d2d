package binance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestDecodeAPIError(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode int
		wantKind error
		wantMsg  string
	}{
		{"binance error", 400, `{"code":-1121,"msg":"Invalid symbol."}`, -1121, exchange.ErrRejected, "Invalid symbol."},
		{"insufficient balance any case", 400, `{"code":-2010,"msg":"Account has INSUFFICIENT balance for requested action."}`, -2010, exchange.ErrInsufficientBalance, ""},
		{"timestamp", 400, `{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}`, -1021, exchange.ErrClockSkew, ""},
		{"too many requests code", 400, `{"code":-1003,"msg":"Too much request weight used."}`, -1003, exchange.ErrRateLimited, ""},
		{"html", 502, "<html><body>bad gateway</body></html>", 0, exchange.ErrAmbiguous, "HTTP Bad Gateway"},
		{"empty body", 404, "", 0, exchange.ErrRejected, "HTTP Not Found"},
		{"unknown status", 499, "", 0, exchange.ErrRejected, "HTTP unexpected response"},
		{"echoed signature", 400, `{"code":-1022,"msg":"bad: symbol=X&timestamp=1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"}`, -1022, exchange.ErrAuth, "bad: symbol=X&timestamp=1&signature=[redacted]"},
		{"echoed key", 401, `{"code":-2015,"msg":"key vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A rejected"}`, -2015, exchange.ErrAuth, "key [redacted] rejected"},
		{"-1006 on a 400: execution status unknown", 400, `{"code":-1006,"msg":"An unexpected response was received from the message bus. Execution status unknown."}`, -1006, exchange.ErrAmbiguous, ""},
		{"-1006 on a 503", 503, `{"code":-1006,"msg":"An unexpected response was received from the message bus. Execution status unknown."}`, -1006, exchange.ErrAmbiguous, ""},
		{"-1007 on a 408", 408, `{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}`, -1007, exchange.ErrAmbiguous, ""},
		{"-1007 on a 400", 400, `{"code":-1007,"msg":"Timeout waiting for response from backend server."}`, -1007, exchange.ErrAmbiguous, ""},
		{"-1007 on a 401", 401, `{"code":-1007,"msg":"Timeout waiting for response from backend server."}`, -1007, exchange.ErrAmbiguous, ""},
		{"-1000 on a 400", 400, `{"code":-1000,"msg":"An unknown error occurred while processing the request."}`, -1000, exchange.ErrAmbiguous, ""},
		{"-1001: not processed", 400, `{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}`, -1001, exchange.ErrUnavailable, ""},
		{"-1015: too many orders", 400, `{"code":-1015,"msg":"Too many new orders."}`, -1015, exchange.ErrRateLimited, ""},
		{"control characters", 400, `{"code":-1100,"msg":"bad\u0000\u001b[31mchar"}`, -1100, exchange.ErrRejected, "bad  [31mchar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := decodeAPIError(tt.status, []byte(tt.body))
			if ae.Code != tt.wantCode || !errors.Is(ae, tt.wantKind) || ae.HTTPStatus != tt.status {
				t.Fatalf("got %+v, want code %d kind %v", ae, tt.wantCode, tt.wantKind)
			}
			if tt.wantMsg != "" && ae.Msg != tt.wantMsg {
				t.Fatalf("msg = %q, want %q", ae.Msg, tt.wantMsg)
			}
		})
	}
}

func TestCleanMsgBoundsLength(t *testing.T) {
	got := cleanMsg(strings.Repeat("ab ", 500))
	if utf8.RuneCountInString(got) > maxErrMsg+3 || !strings.HasSuffix(got, "...") {
		t.Fatalf("len %d: %q", len(got), got)
	}
}

func FuzzDecodeAPIError(f *testing.F) {
	f.Add(400, []byte(`{"code":-2010,"msg":"Account has insufficient balance for requested action."}`))
	f.Add(500, []byte(`<html>`))
	f.Add(418, []byte(`{"code":-1003,"msg":"Way too much request weight used; IP banned until 1764370000000."}`))
	f.Add(400, []byte(`{"code":"x","msg":5}`))
	f.Add(400, []byte(`{"code":-1022,"msg":"signature=deadbeef `+strings.Repeat("A", 64)+`"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		ae := decodeAPIError(status, body)
		if ae.Kind == nil || ae.Msg == "" {
			t.Fatalf("incomplete error %+v", ae)
		}
		if !utf8.ValidString(ae.Msg) || utf8.RuneCountInString(ae.Msg) > maxErrMsg+len("...")+len("[redacted]") {
			t.Fatalf("message not bounded or not valid text: %q", ae.Msg)
		}
		if status >= 500 && !errors.Is(ae, exchange.ErrAmbiguous) {
			t.Fatalf("5xx must be ambiguous, got %v", ae.Kind)
		}
		if strings.Contains(ae.Msg, "signature=") && !strings.Contains(ae.Msg, "signature=[redacted]") {
			t.Fatalf("signature leaked: %q", ae.Msg)
		}
		run := 0
		for i := 0; i < len(ae.Msg); i++ {
			c := ae.Msg[i]
			if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
				run++
				if run >= 32 {
					t.Fatalf("long token survived: %q", ae.Msg)
				}
			} else {
				run = 0
			}
		}
		_ = ae.Error()
	})
}

// An order placement answered with an error the adapter does not know is ambiguous: the
// order may have been placed, so it is looked up, never taken as rejected.
func TestPlacementErrorUnknownAnswersAreAmbiguous(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind error
	}{
		{"unknown code", 400, `{"code":-9999,"msg":"Something new."}`, exchange.ErrAmbiguous},
		{"unknown code on a 403", 403, `{"code":-4321,"msg":"x"}`, exchange.ErrAmbiguous},
		{"a proxy's page", 403, `<html>forbidden</html>`, exchange.ErrAmbiguous},
		{"an empty 404", 404, ``, exchange.ErrAmbiguous},
		{"-1006", 400, `{"code":-1006,"msg":"Execution status unknown."}`, exchange.ErrAmbiguous},
		{"known: insufficient balance", 400, `{"code":-2010,"msg":"Account has insufficient balance for requested action."}`, exchange.ErrInsufficientBalance},
		{"known: filter", 400, `{"code":-1013,"msg":"Filter failure: LOT_SIZE"}`, exchange.ErrFilter},
		{"known: request error", 400, `{"code":-1102,"msg":"Mandatory parameter 'price' was not sent."}`, exchange.ErrRejected},
		{"known: bad key", 401, `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}`, exchange.ErrAuth},
		{"known: timestamp", 400, `{"code":-1021,"msg":"Timestamp outside of the recvWindow."}`, exchange.ErrClockSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := placementError(fmt.Errorf("POST /api/v3/order: %w", decodeAPIError(tt.status, []byte(tt.body))))
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if tt.wantKind != exchange.ErrAmbiguous && errors.Is(err, exchange.ErrAmbiguous) {
				t.Fatalf("err = %v is ambiguous, want definite", err)
			}
		})
	}
}
