package sshd

import "time"

// SetHandshakeTimeout shortens the unauthenticated-connection timeout for tests.
func (s *Server) SetHandshakeTimeout(d time.Duration) { s.handshakeTimeout = d }

// SetMaxConns changes how many connections are held at once, for tests.
func (s *Server) SetMaxConns(n int) { s.conns = make(chan struct{}, n) }

// SetShutdownGrace changes how long Serve waits for sessions on shutdown, for tests.
func (s *Server) SetShutdownGrace(d time.Duration) { s.shutdownGrace = d }

// SetMaxPendingPerSource changes how many connections one address may hold before they are
// in a session, for tests.
func (s *Server) SetMaxPendingPerSource(n int) { s.pending = newPendingBySource(n) }
