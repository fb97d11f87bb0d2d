package cli

import (
	"context"
	"log/slog"
	"os"
)

// sshLogger sends the SSH server's events to the log file and to standard error, where the
// person starting serve (or the systemd journal) sees the host key fingerprint, the command to
// attach and any warning.
func sshLogger(file *slog.Logger) *slog.Logger {
	term := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(teeHandler{file: file.Handler(), term: term})
}

// teeHandler writes every record to both handlers.
type teeHandler struct {
	file, term slog.Handler
}

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.file.Enabled(ctx, l) || h.term.Enabled(ctx, l)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.file.Enabled(ctx, r.Level) {
		err = h.file.Handle(ctx, r.Clone())
	}
	if h.term.Enabled(ctx, r.Level) {
		if e := h.term.Handle(ctx, r); err == nil {
			err = e
		}
	}
	return err
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{file: h.file.WithAttrs(as), term: h.term.WithAttrs(as)}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{file: h.file.WithGroup(name), term: h.term.WithGroup(name)}
}
