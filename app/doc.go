// Package app is QuantDeck's application host. It opens the data directory (log, store,
// vault), builds the market, the paper account and the engine, and is the one door through
// which the vault is unlocked and the engine resumed: the cockpit, `serve`, the SSH sessions
// and the command line all go through it. It owns the live traders, the background retry of a
// failed resume, sealing, the services that run beside the engine (control socket, control
// API, SSH cockpit) and the orderly close of all of it.
//
// The command line keeps flags, prompts and output; it holds no runtime of its own.
package app
