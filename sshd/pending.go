package sshd

import (
	"net"
	"sync"
	"time"
)

// pendingBySource counts the connections of each source address that are not in a session yet.
type pendingBySource struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newPendingBySource(max int) *pendingBySource {
	return &pendingBySource{max: max, n: make(map[string]int)}
}

// take counts one more pending connection from src, or reports false when src is at its cap.
func (p *pendingBySource) take(src string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n[src] >= p.max {
		return false
	}
	p.n[src]++
	return true
}

func (p *pendingBySource) release(src string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n[src] <= 1 {
		delete(p.n, src) // the map holds only sources with pending connections
		return
	}
	p.n[src]--
}

// pendingConn is a connection between accept and its first session: the timer that closes it
// if it stays there too long, and its place in its source's count.
type pendingConn struct {
	timer   *time.Timer
	once    sync.Once
	release func()
}

// settled ends the pending state once: the connection reached a session, or it closed.
func (p *pendingConn) settled() {
	p.once.Do(func() {
		p.timer.Stop()
		p.release()
	})
}

// sourceOf is the address a connection's pending count is kept under: its IP, without the port.
func sourceOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
