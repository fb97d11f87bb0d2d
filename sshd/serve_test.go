package sshd_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/sshd"
)

func TestServeReportsABusyAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, err := sshd.New(sshd.Config{Addr: busy.Addr().String(), Home: t.TempDir(), NewModel: standInModel})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Serve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "QUANTDECK_SSH_ADDR") {
		t.Fatalf("Serve on a busy address = %v, want an error naming QUANTDECK_SSH_ADDR", err)
	}
}

func TestServeListenerReportsAFailedListener(t *testing.T) {
	srv, err := newServer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := srv.ServeListener(context.Background(), ln); err == nil {
		t.Fatal("ServeListener on a closed listener returned nil")
	}
}

func TestServeBindsAndStops(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()
	srv, err := sshd.New(sshd.Config{Addr: addr, Home: t.TempDir(), NewModel: standInModel})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	up := false
	deadline := time.After(10 * time.Second)
	for !up {
		if up = sshd.Probe(context.Background(), addr); up {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Serve returned early: %v", err)
		case <-deadline:
			t.Fatal("Serve never answered on its address")
		case <-time.After(10 * time.Millisecond): // polling with a deadline
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	if sshd.Probe(context.Background(), addr) {
		t.Error("the address still answers after Serve returned")
	}
}
