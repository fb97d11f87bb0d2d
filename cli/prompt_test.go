package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/vault"
)

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", maxLineLen+1)
	cases := []struct {
		name, in   string
		want, rest string
		err        error
		errText    string
	}{
		{name: "line", in: "abc\nrest", want: "abc", rest: "rest"},
		{name: "crlf", in: "abc\r\nrest", want: "abc", rest: "rest"},
		{name: "no newline at EOF", in: "abc", want: "abc"},
		{name: "empty line", in: "\nrest", want: "", rest: "rest"},
		{name: "nothing", in: "", err: io.EOF},
		{name: "longer than any key", in: long + "\n", errText: "longer than"},
		{name: "max length", in: long[:maxLineLen] + "\n", want: long[:maxLineLen]},
		{name: "bytes kept as given", in: "a b\tc\x00\n", want: "a b\tc\x00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := strings.NewReader(c.in)
			got, err := readLine(r)
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			case c.errText != "":
				if err == nil || !strings.Contains(err.Error(), c.errText) {
					t.Fatalf("err = %v, want %q", err, c.errText)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
			if rest, _ := io.ReadAll(r); string(rest) != c.rest {
				t.Errorf("consumed past the line: rest %q, want %q", rest, c.rest)
			}
		})
	}
}

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"KEY\nSECRET\n", "a\r\n", "", "\n\n", "x\ry\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := readLine(bytes.NewReader(in))
		if err != nil {
			if len(in) == 0 && errors.Is(err, io.EOF) {
				return
			}
			if len(in) > maxLineLen {
				return
			}
			t.Fatalf("readLine(%q): %v", in, err)
		}
		if bytes.IndexByte(got, '\n') >= 0 || len(got) > maxLineLen || !bytes.HasPrefix(in, got) {
			t.Fatalf("readLine(%q) = %q", in, got)
		}
	})
}

func TestAge(t *testing.T) {
	cases := map[string]string{"30s": "now", "5m": "5m", "3h": "3h", "47h": "47h", "72h": "3d"}
	for in, want := range cases {
		d, err := time.ParseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := age(d); got != want {
			t.Errorf("age(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteKeyTable(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	created := now.Add(-72 * time.Hour)
	retired := now.Add(-2 * time.Hour)
	used := now.Add(-5 * time.Minute)
	list := []vault.Credential{
		{ID: 1, Label: "main", Exchange: "binance", CreatedAt: created, RetiredAt: &retired,
			Perms: exchange.Permissions{CanTrade: true, IPRestricted: true, Checked: true}, CheckedAt: &created},
		{ID: 2, Label: "main", Exchange: "binance", CreatedAt: retired, Perms: exchange.Permissions{CanTrade: true}, LastUsedAt: &used},
	}
	var b bytes.Buffer
	writeKeyTable(&b, list, now)
	want := []string{
		"LABEL  EXCHANGE  AGE  STATUS   PERMISSIONS              CHECKED  USED",
		"main   binance   3d   retired  trade,no-withdraw,ip-locked  3d   -",
		"main   binance   2h   active   unchecked                -        5m",
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table:\n%s", b.String())
	}
	for i, w := range want {
		if strings.Join(strings.Fields(lines[i]), " ") != strings.Join(strings.Fields(w), " ") {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], w)
		}
		if len(lines[i]) > 80 {
			t.Errorf("line %d is %d columns wide", i, len(lines[i]))
		}
	}
}
