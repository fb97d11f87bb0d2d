package instance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// SocketFile is the control socket's name inside the data directory.
const SocketFile = "control.sock"

// maxSocketPath is the longest path a unix socket address can hold on Linux (sun_path less
// the terminating NUL).
const maxSocketPath = 107

// SocketPath is the control socket's path for a data directory.
func SocketPath(home string) string { return filepath.Join(home, SocketFile) }

// ServeControl serves h on home/control.sock until ctx ends, then shuts down and removes the
// socket. The socket is created 0600 (bound in a private directory, then renamed into place, so
// it is never reachable with looser permissions) and every connection from another user id is
// dropped. Call it only while holding the Lock for home: it replaces a stale socket.
func ServeControl(ctx context.Context, home string, h http.Handler) error {
	path := SocketPath(home)
	if len(path) > maxSocketPath {
		return fmt.Errorf("instance: control socket path %s is longer than %d bytes; use a shorter QUANTDECK_HOME", path, maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return fmt.Errorf("instance: %s exists and is not a socket; move it away", path)
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("instance: removing stale control socket: %w", err)
		}
	}
	ln, err := listenPrivate(home, path)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&peerListener{Listener: ln, uid: os.Getuid()}) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
		if err != nil {
			srv.Close()
		}
		<-errc
	}
	_ = os.Remove(path)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("instance: control socket: %w", err)
	}
	return nil
}

// listenPrivate binds the socket inside a fresh 0700 directory, makes it 0600, then renames it
// to path.
func listenPrivate(home, path string) (*net.UnixListener, error) {
	dir, err := os.MkdirTemp(home, ".control-")
	if err != nil {
		return nil, fmt.Errorf("instance: creating control socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	if len(tmp) > maxSocketPath {
		return nil, fmt.Errorf("instance: control socket path under %s is too long; use a shorter QUANTDECK_HOME", home)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("instance: creating control socket: %w", err)
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("instance: protecting control socket: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("instance: placing control socket at %s: %w", path, err)
	}
	return ln, nil
}

// errPeerCredUnsupported means this system cannot tell who is on the other end of a unix socket.
var errPeerCredUnsupported = errors.New("peer credentials not supported")

// peerListener drops connections from other user ids (defence in depth: the file mode already
// keeps them out), and connections whose peer cannot be identified where the system can say.
type peerListener struct {
	net.Listener
	uid int
	// uidOf reads a connection's peer uid; peerUID when nil.
	uidOf func(*net.UnixConn) (int, error)
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uc, ok := c.(*net.UnixConn)
		if !ok {
			return c, nil
		}
		uidOf := l.uidOf
		if uidOf == nil {
			uidOf = peerUID
		}
		uid, err := uidOf(uc)
		switch {
		case errors.Is(err, errPeerCredUnsupported):
			// Only the file mode protects the socket on this system.
		case err != nil || uid != l.uid:
			c.Close()
			continue
		}
		return c, nil
	}
}
