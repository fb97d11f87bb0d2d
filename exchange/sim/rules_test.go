package sim

import (
	"context"
	"errors"
	"testing"

	"github.com/govalues/decimal"

	"github.com/quantdeck/quantdeck/exchange"
)

func TestRules(t *testing.T) {
	m := New(Options{})
	for _, tc := range []struct {
		symbol                  string
		tick, step, minNotional string
		base, quote             string
	}{
		{"BTCUSDT", "0.01", "0.00001", "5", "BTC", "USDT"},
		{"ETHUSDT", "0.01", "0.0001", "5", "ETH", "USDT"},
		{"SOLUSDT", "0.01", "0.001", "5", "SOL", "USDT"},
		{"BNBUSDT", "0.01", "0.001", "5", "BNB", "USDT"},
		{"DOGEUSDT", "0.00001", "1", "5", "DOGE", "USDT"},
		{"ETHBTC", "0.00001", "0.0001", "0.0001", "ETH", "BTC"},
	} {
		r, err := m.Rules(context.Background(), tc.symbol)
		if err != nil {
			t.Fatalf("%s: %v", tc.symbol, err)
		}
		if r.Symbol != tc.symbol || r.Base != tc.base || r.Quote != tc.quote || r.Status != "TRADING" ||
			r.TickSize.String() != tc.tick || r.StepSize.String() != tc.step || r.MinNotional.String() != tc.minNotional {
			t.Errorf("%s: got %+v", tc.symbol, r)
		}
	}
}

func TestGenericRules(t *testing.T) {
	m := New(Options{Seed: 1})
	other := New(Options{Seed: 2})
	for _, sym := range []string{"PEPEUSDT", "WIFUSDC", "ARBFDUSD", "LINKBTC", "XYZ1TRY"} {
		r, err := m.Rules(context.Background(), sym)
		if err != nil {
			t.Fatalf("%s: %v", sym, err)
		}
		if !r.TickSize.IsPos() || !r.StepSize.IsPos() || !r.MinNotional.IsPos() || r.Base+r.Quote != sym {
			t.Errorf("%s: incomplete generic rules %+v", sym, r)
		}
		// Rules never depend on the seed.
		r2, err := other.Rules(context.Background(), sym)
		if err != nil || r2 != r {
			t.Errorf("%s: rules differ between seeds: %+v / %+v (%v)", sym, r, r2, err)
		}
	}
}

func TestRulesRefuseNonsense(t *testing.T) {
	m := New(Options{})
	for _, sym := range []string{"", "btcusdt", "BTC", "USDT", "BTC-USDT", "BTC USDT", "ABCDEFG", "XUSDT", "ÄÖÜUSDT", "AVERYLONGNAMEWAYTOOLONGUSDT"} {
		if _, err := m.Rules(context.Background(), sym); !errors.Is(err, ErrUnknownSymbol) || !errors.Is(err, exchange.ErrFilter) {
			t.Errorf("Rules(%q) error %v, want ErrUnknownSymbol and ErrFilter", sym, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Rules(ctx, "BTCUSDT"); !errors.Is(err, context.Canceled) {
		t.Errorf("Rules with a cancelled context: %v", err)
	}
}

// The rules work with the shared normalisation: an order is rounded the Binance way.
func TestRulesNormalize(t *testing.T) {
	m := New(Options{})
	r, err := m.Rules(context.Background(), "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	req := exchange.OrderRequest{
		ClientID: "a", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit,
		Quantity: decimal.MustParse("0.000129"), Price: decimal.MustParse("65000.019"),
	}
	got, err := r.Normalize(req, decimal.Decimal{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Quantity.String() != "0.00012" || got.Price.String() != "65000.01" {
		t.Fatalf("normalized to qty %s price %s", got.Quantity, got.Price)
	}
	req.Quantity = decimal.MustParse("0.00007") // 4.55 USDT, under the 5 USDT minimum
	if _, err := r.Normalize(req, decimal.Decimal{}); !errors.Is(err, exchange.ErrFilter) {
		t.Fatalf("under min notional: %v", err)
	}
}

func FuzzRules(f *testing.F) {
	for _, s := range []string{"BTCUSDT", "PEPEUSDT", "", "btc", "USDTUSDT", "0000BTC", "ETHBTC"} {
		f.Add(s)
	}
	m := New(Options{})
	f.Fuzz(func(t *testing.T, sym string) {
		r, err := m.Rules(context.Background(), sym)
		if err != nil {
			if !errors.Is(err, ErrUnknownSymbol) {
				t.Fatalf("Rules(%q): %v does not wrap ErrUnknownSymbol", sym, err)
			}
			return
		}
		if !r.TickSize.IsPos() || !r.StepSize.IsPos() || r.Base == "" || r.Quote == "" || r.Base+r.Quote != sym {
			t.Fatalf("Rules(%q) = %+v", sym, r)
		}
	})
}

func FuzzPush(f *testing.F) {
	for _, s := range []string{"1", "0.01", "-1", "1e5", "abc", "99999999999999999999999", ""} {
		f.Add("BTCUSDT", s)
	}
	f.Fuzz(func(t *testing.T, sym, price string) {
		m := New(Options{Manual: true})
		if err := m.Push(sym, price); err != nil {
			return
		}
		p, err := decimal.Parse(price)
		if err != nil || !p.IsPos() {
			t.Fatalf("Push(%q, %q) accepted a price that is not a positive decimal", sym, price)
		}
	})
}
