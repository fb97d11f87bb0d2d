package store

import (
	"context"
	"database/sql"
	"sync"
	"testing"
)

// Connections stay open between uses: many writers at once reuse them instead of opening a new
// one (and running its PRAGMAs) per call.
func TestPoolKeepsConnections(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	if _, err := db.Exec(`CREATE TABLE p (x)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				if _, err := db.ExecContext(context.Background(), `INSERT INTO p VALUES (1)`); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := db.Stats()
	if st.MaxIdleClosed != 0 {
		t.Fatalf("%d connections closed for lack of idle room (stats %+v)", st.MaxIdleClosed, st)
	}
}

// Every pooled connection runs with the settings the journal's durability rests on (see dsn):
// a connection opened later, for a second caller at once, as much as the first.
func TestPooledConnectionsKeepTheirSettings(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	ctx := context.Background()
	want := map[string]int64{"synchronous": 2, "foreign_keys": 1, "busy_timeout": 10000}
	var held []*sql.Conn
	for i := 0; i < 3; i++ {
		c, err := db.Conn(ctx) // held, so each round gets another connection
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("connection %d: journal_mode %q (%v), want wal", i, mode, err)
		}
		for pragma, v := range want {
			var got int64
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != v {
				t.Errorf("connection %d: %s = %d (%v), want %d", i, pragma, got, err, v)
			}
		}
	}
	for _, c := range held {
		c.Close()
	}
}
