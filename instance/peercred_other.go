//go:build !linux

package instance

import (
	"errors"
	"net"
)

// peerUID is unavailable here; the socket's file mode is the protection.
func peerUID(*net.UnixConn) (int, error) { return 0, errors.New("peer credentials not supported") }
