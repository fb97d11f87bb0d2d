package sshd

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// feed is a reader the test writes to chunk by chunk.
type feed struct {
	chunks chan string
	err    error
}

func (f *feed) Read(p []byte) (int, error) {
	s, ok := <-f.chunks
	if !ok {
		return 0, f.err
	}
	return copy(p, s), nil
}

func TestInputRead(t *testing.T) {
	broken := errors.New("channel reset")
	tests := []struct {
		name     string
		chunks   []string // sent after the first read gave up
		end      error    // the reader's error after the chunks; nil leaves it open
		want     string
		wantErr  error
		stopDone bool // close done instead of ending the reader
	}{
		{"keys after a query timeout", []string{"ab", "c"}, io.EOF, "abc", io.EOF, false},
		{"reader error", []string{"x"}, broken, "x", broken, false},
		{"session over", nil, nil, "", io.EOF, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &feed{chunks: make(chan string), err: tt.end}
			done := make(chan struct{})
			in := newInput(f, done)
			buf := make([]byte, 8)

			expired := make(chan time.Time, 1)
			expired <- time.Time{}
			if n, err := in.read(buf, expired, false); n != 0 || !errors.Is(err, errNoAnswer) {
				t.Fatalf("read with an expired deadline = %d, %v; want 0, errNoAnswer", n, err)
			}
			go func() {
				for _, c := range tt.chunks {
					f.chunks <- c
				}
				if tt.stopDone {
					close(done)
				} else if tt.end != nil {
					close(f.chunks)
				}
			}()
			got := ""
			var err error
			for err == nil {
				var n int
				n, err = in.read(buf[:2], nil, false)
				got += string(buf[:n])
			}
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("read %q then %v; want %q then %v", got, err, tt.want, tt.wantErr)
			}
			if !tt.stopDone {
				close(done)
			}
		})
	}
}

func TestStripAnswers(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"keys only", "abc\x1b[A", "abc\x1b[A"},
		{"both answers, BEL", "\x1b]11;rgb:0000/0000/0000\a\x1b[?62;22c", ""},
		{"both answers, ST", "\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?1;2c", ""},
		{"keys around answers", "a\x1b]11;rgb:0/0/0\ab\x1b[?6cc", "abc"},
		{"cut-short answer", "ab\x1b]11;rgb:00", "ab"},
		{"cut-short attributes", "ab\x1b[?62;", "ab"},
		{"arrow key kept", "\x1b[?x", "\x1b[?x"},
		{"escape then answer", "\x1b]11;\x1bOA", "\x1b]11;\x1bOA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(stripAnswers([]byte(tt.in))); got != tt.want {
				t.Errorf("stripAnswers(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestReplayKeepsKeysTypedDuringTheQuery(t *testing.T) {
	f := &feed{chunks: make(chan string), err: io.EOF}
	done := make(chan struct{})
	defer close(done)
	in := newInput(f, done)
	go func() {
		f.chunks <- "q\x1b]11;rgb:0000/0000/0000\a"
		f.chunks <- "\x1b[?62cxyz"
	}()
	buf := make([]byte, 64)
	// The query reads both chunks, the second only partly.
	if n, err := in.read(buf, nil, true); err != nil || n == 0 {
		t.Fatalf("query read = %d, %v", n, err)
	}
	if n, err := in.read(buf[:7], nil, true); err != nil || n != 7 {
		t.Fatalf("query read = %d, %v", n, err)
	}
	in.replay()
	got := ""
	for len(got) < 4 {
		n, err := in.read(buf, nil, false)
		if err != nil {
			t.Fatalf("read after replay: %v (got %q)", err, got)
		}
		got += string(buf[:n])
	}
	if got != "qxyz" {
		t.Errorf("after the query the cockpit reads %q, want %q", got, "qxyz")
	}
}

func FuzzStripAnswers(f *testing.F) {
	for _, s := range []string{"abc", "\x1b]11;rgb:0/0/0\a", "\x1b[?62;22c", "a\x1b]11;\x1b\\b", "\x1b[?", "\x1b]11;\x1b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := stripAnswers(b)
		if !bytes.Contains(b, []byte{0x1b}) && !bytes.Equal(out, b) {
			t.Fatalf("input without escapes changed: %q -> %q", b, out)
		}
		// The output is what remains of the input, in order.
		i := 0
		for _, c := range out {
			for i < len(b) && b[i] != c {
				i++
			}
			if i == len(b) {
				t.Fatalf("%q is not a subsequence of %q", out, b)
			}
			i++
		}
	})
}
