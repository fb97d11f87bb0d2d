package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const plain = "s3cr3t-API-value"
	s := Secret(plain)
	type holder struct {
		Name string
		Key  Secret
		Ptr  *Secret
	}
	h := holder{Name: "main", Key: s, Ptr: &s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-v"} {
		for _, arg := range []any{s, &s, h, &h, []Secret{s}, map[string]Secret{"k": s}} {
			out := fmt.Sprintf(verb, arg)
			if strings.Contains(out, plain) || strings.Contains(out, fmt.Sprintf("%x", plain)) ||
				strings.Contains(out, "115 51") {
				t.Errorf("Sprintf(%q, %T) = %q shows the secret", verb, arg, out)
			}
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q", got)
	}
	b, err := json.Marshal(h)
	if err != nil || bytes.Contains(b, []byte(plain)) || !bytes.Contains(b, []byte(`"Key":"[redacted]"`)) {
		t.Errorf("json = %s, %v", b, err)
	}
	var buf bytes.Buffer
	for _, hd := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(hd)
		l.Info("key", "secret", s, "holder", h, slog.Any("ptr", &s), slog.Group("g", "s", s))
		l.With("w", s).Info("with")
	}
	if strings.Contains(buf.String(), plain) || !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("slog output shows the secret:\n%s", buf.String())
	}
}

func TestSecretZeroAndEqual(t *testing.T) {
	s := Secret("abc")
	if !s.Equal(Secret("abc")) || s.Equal(Secret("abd")) || s.Equal(Secret("ab")) {
		t.Fatal("Equal is wrong")
	}
	s.Zero()
	if !bytes.Equal(s, []byte{0, 0, 0}) {
		t.Fatalf("Zero left %v", []byte(s))
	}
}
