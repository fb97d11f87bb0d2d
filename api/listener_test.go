package api

import (
	"errors"
	"net"
	"testing"
)

// TestLimitListener: with the cap reached, Accept waits for a slot; closing a connection frees
// it (once, however often Close is called); Close ends a waiting Accept.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(inner, 1)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := dial()
	defer c1.Close()
	s1, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if len(l.sem) != cap(l.sem) {
		t.Fatalf("slots used %d of %d after one Accept", len(l.sem), cap(l.sem))
	}
	c2 := dial() // queued in the backlog; Accept must wait for a slot
	defer c2.Close()
	got := make(chan net.Conn, 1)
	go func() {
		s, err := l.Accept()
		if err == nil {
			got <- s
		}
		close(got)
	}()
	s1.Close()
	s1.Close()
	s2, ok := <-got
	if !ok {
		t.Fatal("Accept failed after a slot was freed")
	}
	if len(l.sem) != 1 {
		t.Errorf("slots used %d, want 1 (double Close must free once)", len(l.sem))
	}
	s2.Close()

	// Fill the slot again, then Close: the waiting Accept returns net.ErrClosed.
	c3 := dial()
	defer c3.Close()
	s3, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	errc := make(chan error, 1)
	go func() { _, err := l.Accept(); errc <- err }()
	l.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
}
