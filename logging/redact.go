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
	// hidden is set under a group with a sensitive name (WithGroup("api_secret")): every value
	// logged below it is hidden, as a sensitive slog.Group attribute's would be.
	hidden bool
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
		out.AddAttrs(h.redact(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.redact(a)
	}
	return &RedactingHandler{inner: h.inner.WithAttrs(clean), hidden: h.hidden}
}

// WithGroup implements slog.Handler. Under a group with a sensitive name every value is hidden.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{inner: h.inner.WithGroup(name), hidden: h.hidden || Sensitive(name)}
}

func (h *RedactingHandler) redact(a slog.Attr) slog.Attr {
	if h.hidden {
		return slog.String(a.Key, Redacted)
	}
	return redact(a)
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
