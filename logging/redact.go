package logging

import (
	"context"
	"log/slog"
	"strings"
)

// Redacted replaces every value the handler hides.
const Redacted = "[redacted]"

// sensitiveWords mark an attribute key as secret when it contains one of them (case and
// separators ignored).
var sensitiveWords = []string{"secret", "passphrase", "password", "passwd", "token", "apikey", "privatekey", "signature", "authorization", "cookie"}

// Sensitive reports whether an attribute key names something secret, such as "api_secret",
// "apiKey", "X-MBX-APIKEY" or "vault.passphrase".
func Sensitive(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ':
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, key)
	for _, w := range sensitiveWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// RedactingHandler wraps another handler and hides secrets: values under a sensitive key (see
// Sensitive), and raw byte slices, which is how key material travels in QuantDeck. Values that
// implement slog.LogValuer are resolved first, so types such as vault.Secret that redact
// themselves stay redacted, and one that resolves to a group is checked inside.
type RedactingHandler struct {
	inner slog.Handler
}

// NewRedactingHandler returns a handler that redacts before passing records to inner.
func NewRedactingHandler(inner slog.Handler) *RedactingHandler {
	return &RedactingHandler{inner: inner}
}

// Enabled implements slog.Handler.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redact(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redact(a)
	}
	return &RedactingHandler{inner: h.inner.WithAttrs(clean)}
}

// WithGroup implements slog.Handler. A sensitive group name hides nothing by itself; its
// attributes are checked one by one.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{inner: h.inner.WithGroup(name)}
}

func redact(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if Sensitive(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	switch a.Value.Kind() {
	case slog.KindGroup:
		g := a.Value.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = redact(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		switch a.Value.Any().(type) {
		case []byte:
			return slog.String(a.Key, Redacted)
		}
	}
	return a
}
