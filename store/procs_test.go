package store

import (
	"runtime"
	"testing"
)

func TestReserveSyncProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })

	if got := ReserveSyncProcs(func(string) string { return "" }); got != before+SyncProcs {
		t.Fatalf("ReserveSyncProcs = %d, want %d", got, before+SyncProcs)
	}
	if now := runtime.GOMAXPROCS(0); now != before+SyncProcs {
		t.Fatalf("GOMAXPROCS is %d, want %d", now, before+SyncProcs)
	}
	runtime.GOMAXPROCS(before)

	set := func(k string) string {
		if k == "GOMAXPROCS" {
			return "1"
		}
		return ""
	}
	if got := ReserveSyncProcs(set); got != before {
		t.Fatalf("with GOMAXPROCS set, ReserveSyncProcs = %d, want it left at %d", got, before)
	}
	if now := runtime.GOMAXPROCS(0); now != before {
		t.Fatalf("with GOMAXPROCS set, GOMAXPROCS changed to %d", now)
	}
}
