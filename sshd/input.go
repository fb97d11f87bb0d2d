package sshd

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"
)

// queryWait bounds how long a session waits for the client's terminal to answer the
// background-colour query MakeRenderer sends. It is shorter than MakeRenderer's own timeout,
// so the query gives up by itself and never reads past it.
const queryWait = 800 * time.Millisecond

// errNoAnswer ends the terminal query of a client that does not answer it.
var errNoAnswer = errors.New("the terminal did not answer")

// input reads what the client types in one goroutine and hands it out on request. A read can
// then give up at a deadline without losing anything: a terminal that never answers the
// background query delays the session by queryWait at most, and its keystrokes still reach
// the cockpit afterwards.
type input struct {
	chunks chan []byte
	done   <-chan struct{}
	err    error // why the client's input ended; set before chunks is closed

	mu      sync.Mutex
	pending []byte
	asked   []byte // what the terminal query read: the answers, and keys typed meanwhile
}

// newInput starts reading r until it fails or done is closed. The goroutine also ends when
// the SSH channel closes, which the server does once the session handler returns.
func newInput(r io.Reader, done <-chan struct{}) *input {
	in := &input{chunks: make(chan []byte), done: done}
	go func() {
		defer close(in.chunks)
		for {
			buf := make([]byte, 1024)
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case in.chunks <- buf[:n]:
				case <-done:
					in.err = io.EOF
					return
				}
			}
			if err != nil {
				in.err = err
				return
			}
		}
	}()
	return in
}

// read copies input into p, waiting until some arrives, the input ends, or timeout fires
// (never when timeout is nil). With keep, what it returns is also kept for replay.
func (in *input) read(p []byte, timeout <-chan time.Time, keep bool) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.pending) == 0 {
		select {
		case b, ok := <-in.chunks:
			if !ok {
				return 0, in.err
			}
			in.pending = b
		case <-timeout:
			return 0, errNoAnswer
		case <-in.done:
			return 0, io.EOF
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	if keep {
		in.asked = append(in.asked, p[:n]...)
	}
	return n, nil
}

// replay puts back what the terminal query read, less the terminal's answers, so keys typed
// while it waited reach the cockpit.
func (in *input) replay() {
	in.mu.Lock()
	defer in.mu.Unlock()
	keys := stripAnswers(in.asked)
	in.asked = nil
	if len(keys) > 0 {
		in.pending = append(keys, in.pending...)
	}
}

// stripAnswers removes the terminal's answers to the background query (OSC 11, ended by BEL
// or ST) and to the device-attributes query (CSI ? ... c) from b, keeping everything else.
// An answer cut short at the end of b is dropped: it is no keystroke.
func stripAnswers(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n, ok := answerLen(b[i:]); ok {
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// answerLen reports whether b starts with a terminal answer (or a cut-short one) and its length.
func answerLen(b []byte) (int, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("\x1b]11;")):
		for j := len("\x1b]11;"); j < len(b); j++ {
			switch {
			case b[j] == '\a':
				return j + 1, true
			case b[j] == '\x1b' && j+1 < len(b) && b[j+1] == '\\':
				return j + 2, true
			case b[j] == '\x1b' && j+1 < len(b):
				return 0, false // another sequence starts: this one was not an answer
			}
		}
		return len(b), true
	case bytes.HasPrefix(b, []byte("\x1b[?")):
		for j := len("\x1b[?"); j < len(b); j++ {
			switch c := b[j]; {
			case c == 'c':
				return j + 1, true
			case c != ';' && (c < '0' || c > '9'):
				return 0, false
			}
		}
		return len(b), true
	}
	return 0, false
}

// querying is the session as MakeRenderer sees it: reads give up at the query's deadline.
type querying struct {
	*session
	deadline <-chan time.Time
}

func (q querying) Read(p []byte) (int, error) { return q.in.read(p, q.deadline, true) }
