package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/store"
	"github.com/quantdeck/quantdeck/store/storetest"
)

func TestWriteTx(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE w (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	insert := func(v string, fail error) error {
		return store.WriteTx(ctx, db, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO w (v) VALUES (?)`, v); err != nil {
				return err
			}
			if turn := store.WriteTurn(db); turn.TryLock() {
				turn.Unlock()
				t.Error("the write turn is free inside the transaction")
			}
			return fail
		})
	}

	storetest.CheckWriteTurn(t, db, func() error { return insert("kept", nil) })
	own := errors.New("the rows failed")
	if err := insert("dropped", own); err != own {
		t.Fatalf("WriteTx with a failing fn = %v, want fn's error as it is", err)
	}
	var got []string
	rows, err := db.QueryContext(ctx, `SELECT v FROM w`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "kept" {
		t.Fatalf("rows %q, want the committed one alone", got)
	}
	if !store.WriteTurn(db).TryLock() {
		t.Fatal("the write turn is held after a failed transaction")
	}
	store.WriteTurn(db).Unlock()

	db.Close()
	if err := insert("closed", nil); err == nil || !strings.Contains(err.Error(), "beginning a write") {
		t.Fatalf("WriteTx on a closed database = %v, want the failure to begin", err)
	}
}
