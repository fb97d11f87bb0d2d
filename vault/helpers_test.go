package vault

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/store"
)

// testIter keeps key derivations fast in tests; production never goes below MinIterations.
const testIter = 1000

var testPass = []byte("correct horse battery")

// fakeClock is a settable clock; sleeping on it advances it and records the wait.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

// After advances the clock by d, like Sleep, and delivers the new time at once.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	_ = c.Sleep(context.Background(), d)
	ch <- c.Now()
	return ch
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// openDB opens a real store in a temp dir.
func openDB(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func newTestVault(t testing.TB, db *sql.DB, clk *fakeClock) *Vault {
	t.Helper()
	return New(db, WithMinIterations(testIter), WithClock(clk))
}

// createdVault returns an unlocked vault with testPass.
func createdVault(t testing.TB) (*Vault, *sql.DB, *fakeClock, string) {
	t.Helper()
	db, dir := openDB(t)
	clk := newFakeClock()
	v := newTestVault(t, db, clk)
	if err := v.Create(context.Background(), testPass, testIter); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return v, db, clk, dir
}
