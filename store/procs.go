package store

import "runtime"

// SyncProcs is how many goroutines may sit in a commit's disk sync at once: the engine
// journal's writer and the paper account's writer.
//
// A sync runs inside SQLite's C code, and Go counts a goroutine in a C call as running: its
// processor (one of GOMAXPROCS) stays with it until the call returns or the runtime's monitor
// takes it back, which can be milliseconds later. With one processor per core, a commit on a
// one-core box stops every bot, the cockpit and the market stream for the length of its sync
// (measured: a bot's tick-to-intent median 0.8 ms instead of 30 µs), and two at once do the
// same on two cores. A thread waiting for the disk uses no core, so the spare processors cost
// nothing while the writers sync.
const SyncProcs = 2

// ReserveSyncProcs raises GOMAXPROCS by SyncProcs unless the user set the GOMAXPROCS
// variable (getenv reads the environment), and returns the count in force. The count is then
// fixed: the runtime no longer follows a change of the container's CPU limit while QuantDeck
// runs (it still starts from it).
func ReserveSyncProcs(getenv func(string) string) int {
	n := runtime.GOMAXPROCS(0)
	if getenv("GOMAXPROCS") != "" {
		return n
	}
	runtime.GOMAXPROCS(n + SyncProcs)
	return n + SyncProcs
}

// giveWay lets the goroutines queued behind this one on its processor run first. WriteTx
// calls it before it begins a transaction and before it commits.
//
// A goroutine readied by another (a bot handed a tick, a worker handed an order) waits in the
// run queue of that goroutine's processor, and a writer readied on the tick path runs before
// the bots it queued behind. Each statement and the commit's sync are calls into C, during
// which the processor stays with the writer; the runtime hands its queue to an idle processor
// only on its monitor's next pass, which can come milliseconds later. So bots waited for a
// whole transaction though other processors were idle. Yielding costs about a microsecond
// when nothing waits.
func giveWay() { runtime.Gosched() }
