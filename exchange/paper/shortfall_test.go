package paper

import (
	"errors"
	"fmt"
	"testing"

	"github.com/quantdeck/quantdeck/exchange"
	"github.com/quantdeck/quantdeck/exchange/sim"
)

// A refusal for want of funds reads as it always has, matches ErrInsufficientBalance, and is
// handed out again only while it says the same.
func TestBalanceError(t *testing.T) {
	a, err := NewMemory(Options{Rules: sim.New(sim.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		asset        string
		needed, free string
	}{
		{"USDT", "50.00", "12.3456"},
		{"BTC", "0.00098", "0"},
		{"USDT", "1234567890.123456789", "0.000000001"},
		{"ETH", "-1", "100"},
	}
	var prev error
	for _, tt := range tests {
		needed, free := d(tt.needed), d(tt.free)
		got := a.shortfall(tt.asset, needed, free)
		want := fmt.Errorf("paper: %s %s needed, %s free: %w", needed.Trim(0), tt.asset, free.Trim(0), exchange.ErrInsufficientBalance)
		if got.Error() != want.Error() {
			t.Errorf("got %q, want %q", got, want)
		}
		if !errors.Is(got, exchange.ErrInsufficientBalance) {
			t.Errorf("%v does not match exchange.ErrInsufficientBalance", got)
		}
		if got == prev {
			t.Errorf("%v: the previous refusal was reused for a different one", got)
		}
		if again := a.shortfall(tt.asset, needed, free); again != got {
			t.Errorf("%v: the same refusal was made anew", got)
		}
		prev = got
	}
}
