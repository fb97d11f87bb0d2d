package logging

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const plain = "TOPSECRET-9f8e7d"

// selfRedacting stands in for vault.Secret: a LogValuer that hides itself.
type selfRedacting []byte

func (selfRedacting) LogValue() slog.Value { return slog.StringValue(Redacted) }

// groupValuer resolves to a group holding a secret under a sensitive key.
type groupValuer struct{ secret string }

func (g groupValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("exchange", "binance"), slog.String("api_secret", g.secret))
}

func TestOpenWritesPrivateJSONLines(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	log, closer, err := Open(home)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("key added", "label", "main", "exchange", "sim")
	log.Debug("not at info level")
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{home: 0o700, filepath.Join(home, FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	// Appends, and narrows a log others could read.
	if err := os.Chmod(filepath.Join(home, FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	log, closer, err = Open(home)
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("second")
	closer.Close()
	fi, _ := os.Stat(filepath.Join(home, FileName))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("reopened log mode %04o, want 0600", fi.Mode().Perm())
	}
	lines := readLines(t, filepath.Join(home, FileName))
	if len(lines) != 2 || lines[0]["msg"] != "key added" || lines[0]["label"] != "main" || lines[1]["msg"] != "second" {
		t.Fatalf("log lines %v", lines)
	}
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestRedaction(t *testing.T) {
	cases := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"secret key", func(l *slog.Logger) { l.Info("m", "api_secret", plain) }},
		{"camel case key", func(l *slog.Logger) { l.Info("m", "apiKey", plain) }},
		{"header style key", func(l *slog.Logger) { l.Info("m", "X-MBX-APIKEY", plain) }},
		{"passphrase", func(l *slog.Logger) { l.Info("m", "Passphrase", plain) }},
		{"token", func(l *slog.Logger) { l.Info("m", "bearer_token", plain) }},
		{"raw bytes", func(l *slog.Logger) { l.Info("m", "buf", []byte(plain)) }},
		{"self-redacting value", func(l *slog.Logger) { l.Info("m", "whatever", selfRedacting(plain)) }},
		{"valuer resolving to a group", func(l *slog.Logger) { l.Info("m", "cred", groupValuer{plain}) }},
		{"nested group", func(l *slog.Logger) { l.Info("m", slog.Group("outer", slog.Group("inner", "signature", plain))) }},
		{"With attrs", func(l *slog.Logger) { l.With("secret", plain).Info("m") }},
		{"WithGroup then attrs", func(l *slog.Logger) { l.WithGroup("vault").With("passphrase", plain).Info("m", "token", plain) }},
		{"sensitive WithGroup", func(l *slog.Logger) { l.WithGroup("api_secret").Info("m", "value", plain) }},
		{"attrs under a sensitive WithGroup", func(l *slog.Logger) { l.WithGroup("Signature").With("hex", plain).Info("m") }},
		{"group nested in a sensitive WithGroup", func(l *slog.Logger) {
			l.WithGroup("passphrase").WithGroup("new").Info("m", slog.Group("g", "v", plain))
		}},
		{"LogAttrs", func(l *slog.Logger) {
			l.LogAttrs(context.Background(), slog.LevelError, "m", slog.Any("password", plain))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			c.log(slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, nil))))
			out := buf.String()
			if strings.Contains(out, plain) || !strings.Contains(out, Redacted) {
				t.Fatalf("output %s", out)
			}
		})
	}
	var buf bytes.Buffer
	slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, nil))).Info("m", "label", "main", "symbol", "BTCUSDT", "keys", 3)
	if !strings.Contains(buf.String(), `"label":"main"`) || !strings.Contains(buf.String(), `"keys":3`) || strings.Contains(buf.String(), Redacted) {
		t.Fatalf("harmless attrs changed: %s", buf.String())
	}
}

func TestSensitive(t *testing.T) {
	for key, want := range map[string]bool{
		"api_secret": true, "apiSecret": true, "API_KEY": true, "x-mbx-apikey": true,
		"new_passphrase": true, "password": true, "token": true, "Authorization": true,
		"label": false, "exchange": false, "key_count": false, "symbol": false, "err": false,
	} {
		if got := Sensitive(key); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestOpenRefusesBadHome(t *testing.T) {
	if _, _, err := Open(""); err == nil {
		t.Error("empty home accepted")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir); err == nil {
		t.Error("a directory named quantdeck.log accepted")
	}
}

func BenchmarkRedactingHandler(b *testing.B) {
	l := slog.New(NewRedactingHandler(slog.NewJSONHandler(discard{}, nil)))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("order placed", "symbol", "BTCUSDT", "client_id", "qd-123", "api_secret", plain)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
