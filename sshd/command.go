package sshd

import (
	"net"
	"strings"
)

// SSHCommand is the command a user on the same machine runs to open the cockpit served at
// addr, e.g. "ssh -p 2222 localhost" for 127.0.0.1:2222. A wildcard or loopback host becomes
// localhost; port 22 needs no -p. Anything unusual is single-quoted and a host that looks like
// an option follows "--", so pasting the command never runs more than ssh to that host.
func SSHCommand(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "22"
	}
	switch host {
	case "", "0.0.0.0", "::", "127.0.0.1", "::1":
		host = "localhost"
	}
	dest := shellQuote(host)
	if strings.HasPrefix(host, "-") {
		// Quotes do not stop ssh from reading "-o..." as an option; "--" does.
		dest = "-- " + dest
	}
	if port == "22" {
		return "ssh " + dest
	}
	return "ssh -p " + shellQuote(port) + " " + dest
}

// shellQuote returns s as one shell word: unchanged when it holds only characters that are
// safe in any POSIX shell, single-quoted otherwise.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%[]") == "" && s[0] != '-' {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
