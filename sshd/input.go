package sshd

import (
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
// (never when timeout is nil).
func (in *input) read(p []byte, timeout <-chan time.Time) (int, error) {
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
	return n, nil
}

// querying is the session as MakeRenderer sees it: reads give up at the query's deadline.
type querying struct {
	*session
	deadline <-chan time.Time
}

func (q querying) Read(p []byte) (int, error) { return q.in.read(p, q.deadline) }
