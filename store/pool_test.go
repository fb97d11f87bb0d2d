package store

import (
	"context"
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
