package sshd

import "time"

// SetHandshakeTimeout shortens the unauthenticated-connection timeout for tests.
func (s *Server) SetHandshakeTimeout(d time.Duration) { s.handshakeTimeout = d }
