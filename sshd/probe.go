package sshd

import (
	"bufio"
	"context"
	"net"
	"strings"
	"time"
)

// serverVersion is what the server announces; Probe recognises it.
const serverVersion = "QuantDeck"

// Probe reports whether QuantDeck's SSH cockpit answers at addr: it connects, reads the
// server's version line and hangs up without authenticating. A wildcard host (0.0.0.0, ::,
// "") is probed on loopback.
func Probe(ctx context.Context, addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return false
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	line, err := bufio.NewReaderSize(conn, 256).ReadString('\n')
	if err != nil {
		return false
	}
	return strings.TrimRight(line, "\r\n") == "SSH-2.0-"+serverVersion
}

// AttachHint is what `quantdeck` prints when a serve already runs for the same data directory:
// the ssh command when that serve hosts the cockpit at addr (QUANTDECK_SSH_ADDR), otherwise how
// to get there.
func AttachHint(ctx context.Context, addr string) string {
	if Probe(ctx, addr) {
		return "Its cockpit is served over SSH; attach with: " + SSHCommand(addr)
	}
	return "It does not host the cockpit over SSH (" + addr + "): restart it with `quantdeck serve --ssh` to attach, " +
		"or use `quantdeck bots` and `quantdeck seal`, which talk to it directly"
}
