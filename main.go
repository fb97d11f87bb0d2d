// Command quantdeck is a self-hosted crypto trading cockpit for the terminal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/quantdeck/quantdeck/cli"
	"github.com/quantdeck/quantdeck/store"
)

func main() {
	os.Exit(run())
}

func run() int {
	store.ReserveSyncProcs(os.Getenv) // before any goroutine: see store.SyncProcs
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return cli.Run(ctx, cli.OSEnv(), os.Args[1:])
}
