package store

import (
	"context"
	"testing"
)

// Each database has one write turn, whoever asks for it.
func TestWriteTurnIsOnePerDatabase(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	first, again := WriteTurn(a), WriteTurn(a)
	if first != again {
		t.Fatal("two write turns for one database")
	}
	if first == WriteTurn(b) {
		t.Fatal("two databases share a write turn")
	}
}
