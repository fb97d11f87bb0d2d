package sshd_test

import (
	"net"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/quantdeck/quantdeck/sshd"
)

// connectFrom opens a TCP connection to addr from the loopback address src and reports whether
// the server admitted it (sent its SSH banner) or hung up at once.
func connectFrom(t *testing.T, src, addr string) (net.Conn, bool) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connecting from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	banner := make([]byte, 8)
	n, _ := c.Read(banner)
	return c, n == len(banner) && string(banner) == "SSH-2.0-"
}

// loginFrom logs in with signer from src and opens a session channel.
func loginFrom(t *testing.T, src string, ts *testServer, signer gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", ts.addr)
	if err != nil {
		return nil, err
	}
	conn, chans, reqs, err := gossh.NewClientConn(c, ts.addr, &gossh.ClientConfig{
		User: "trader", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey(t)), Timeout: 5 * time.Second,
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	client := gossh.NewClient(conn, chans, reqs)
	sess, err := client.NewSession()
	if err != nil {
		client.Close()
		return nil, err
	}
	t.Cleanup(func() { sess.Close(); client.Close() })
	return client, nil
}

// TestPendingConnectionsCappedPerSource holds connections that never log in from one loopback
// address: past the per-source cap that address is refused, while another address still gets
// in, and a connection that reached a session no longer counts against its address.
func TestPendingConnectionsCappedPerSource(t *testing.T) {
	home := t.TempDir()
	signer, line := newClientKey(t, "me@laptop")
	ts := startServer(t, home, standInModel, func(s *sshd.Server) { s.SetMaxPendingPerSource(2) })
	authorize(t, home, line)

	held := make([]net.Conn, 0, 2)
	for i := range 2 {
		c, ok := connectFrom(t, "127.0.0.1", ts.addr)
		if !ok {
			t.Fatalf("silent connection %d under the cap was refused", i+1)
		}
		held = append(held, c)
	}
	if _, ok := connectFrom(t, "127.0.0.1", ts.addr); ok {
		t.Fatal("a third connection still logging in from 127.0.0.1 was admitted over the per-source cap of 2")
	}
	if _, err := loginFrom(t, "127.0.0.1", ts, signer); err == nil {
		t.Fatal("a login from the saturated address got through")
	}
	if _, err := loginFrom(t, "127.0.0.2", ts, signer); err != nil {
		t.Fatalf("another address was locked out by the first one's pending connections: %v", err)
	}

	// Free one pending slot of 127.0.0.1 and log in there: the session does not count, so
	// the address can again hold a pending connection.
	held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := loginFrom(t, "127.0.0.1", ts, signer); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the freed slot never came back: %v", err)
		}
		<-time.After(10 * time.Millisecond) // polling with a deadline: the close is noticed asynchronously
	}
	if _, ok := connectFrom(t, "127.0.0.1", ts.addr); !ok {
		t.Fatal("a logged-in session still counts as a pending connection of its address")
	}
}

// TestTimedOutConnectionsFreeTheirSlot lets the server drop silent connections on its own
// handshake timeout and checks that their address can connect again afterwards.
func TestTimedOutConnectionsFreeTheirSlot(t *testing.T) {
	ts := startServer(t, t.TempDir(), standInModel, func(s *sshd.Server) {
		s.SetMaxPendingPerSource(1)
		s.SetHandshakeTimeout(100 * time.Millisecond)
	})
	c, ok := connectFrom(t, "127.0.0.1", ts.addr)
	if !ok {
		t.Fatal("the first connection was refused")
	}
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept a silent connection past its handshake timeout")
			}
			break
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := connectFrom(t, "127.0.0.1", ts.addr); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a timed-out connection kept its address's only slot")
		}
		<-time.After(10 * time.Millisecond) // polling with a deadline
	}
}

func TestDefaultsBoundWhatOneSourceHolds(t *testing.T) {
	if sshd.DefaultHandshakeTimeout > 10*time.Second || sshd.DefaultMaxPendingPerSource >= 64 {
		t.Fatalf("a silent source may hold %d connections for %s each", sshd.DefaultMaxPendingPerSource, sshd.DefaultHandshakeTimeout)
	}
}
