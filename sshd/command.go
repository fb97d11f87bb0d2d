package sshd

import (
	"net"
	"strings"
)

// SSHCommand is the command a user on the same machine runs to open the cockpit served at
// addr, e.g. "ssh -p 2222 localhost" for 127.0.0.1:2222. A wildcard host (0.0.0.0, ::, "")
// becomes localhost; port 22 needs no -p.
func SSHCommand(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "ssh " + addr
	}
	switch host {
	case "", "0.0.0.0", "::", "127.0.0.1", "::1":
		host = "localhost"
	}
	if strings.ContainsAny(host, " \t'\"$`\\;&|<>") {
		// Never print something a user would paste into a shell that does more than ssh.
		host = "'" + strings.ReplaceAll(host, "'", `'\''`) + "'"
	}
	if port == "22" {
		return "ssh " + host
	}
	return "ssh -p " + port + " " + host
}
