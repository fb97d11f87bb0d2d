//go:build !linux

package instance

import "net"

// peerUID is unavailable here; the socket's file mode is the protection.
func peerUID(*net.UnixConn) (int, error) { return 0, errPeerCredUnsupported }
