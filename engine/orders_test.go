package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quantdeck/quantdeck/exchange"
)

func manualBuy() ManualOrder {
	return ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Quantity: d("0.1"), Price: d("90"), Mode: Paper}
}

// The intent row must be durable, with its client id, before the exchange hears of the order.
func TestIntentWrittenBeforeExchangeCall(t *testing.T) {
	r := newRig(t, nil, nil)
	var seen OrderState
	r.x.onPlace = func(req exchange.OrderRequest) {
		seen = orderState(t, r.db, req.ClientID)
	}
	v, err := r.e.PlaceManual(context.Background(), manualBuy())
	if err != nil {
		t.Fatal(err)
	}
	if seen != OrderSent {
		t.Fatalf("journal state during the exchange call = %q, want %q", seen, OrderSent)
	}
	if v.State != OrderAcked {
		t.Fatalf("state after the call = %q, want acked", v.State)
	}
	answersRecorded(t, r.e)
	if got := orderState(t, r.db, v.ClientID); got != OrderAcked {
		t.Fatalf("journal state = %q, want acked", got)
	}
}

// An order's answer is staged, not waited for, yet it is on disk before anything placed after
// it leaves: the next order's first request finds the previous order's answer (and its fill)
// committed, read through a connection of its own.
func TestAnswerDurableBeforeTheNextOrderLeaves(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	var prev string
	checked := 0
	r.x.onPlace = func(req exchange.OrderRequest) {
		if prev == "" {
			return
		}
		checked++
		if got := orderState(t, r.db, prev); got != OrderAcked {
			t.Errorf("order %s is %q on disk while the next order leaves, want its answer (acked) recorded", prev, got)
		}
	}
	for i := 0; i < 5; i++ {
		v, err := r.e.PlaceManual(ctx, manualBuy())
		if err != nil {
			t.Fatal(err)
		}
		if v.State != OrderAcked {
			t.Fatalf("order %d: state %q, want acked", i, v.State)
		}
		prev = v.ClientID
	}
	if checked != 4 {
		t.Fatalf("checked %d orders' predecessors, want 4", checked)
	}
	answersRecorded(t, r.e)
	if got := orderState(t, r.db, prev); got != OrderAcked {
		t.Fatalf("the last order is %q once recorded, want acked", got)
	}
}

// What PlaceManual returned is what a read of the journal through the engine finds next, though
// the answer was only staged when it returned.
func TestOrdersReadTheAnswerPlaceManualReturned(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		v, err := r.e.PlaceManual(ctx, manualBuy())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := r.e.Orders(ctx, OrderFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range rows {
			if o.ClientID == v.ClientID {
				found = true
				if o.State != v.State {
					t.Fatalf("order %s: Orders says %q right after PlaceManual returned %q", v.ClientID, o.State, v.State)
				}
			}
		}
		if !found {
			t.Fatalf("order %s missing from Orders", v.ClientID)
		}
	}
}

func TestClientIDsAreUniqueAndValid(t *testing.T) {
	r := newRig(t, nil, nil)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		v, err := r.e.PlaceManual(context.Background(), manualBuy())
		if err != nil {
			t.Fatal(err)
		}
		if seen[v.ClientID] {
			t.Fatalf("client id %s reused", v.ClientID)
		}
		seen[v.ClientID] = true
		if len(v.ClientID) > 36 || strings.Trim(v.ClientID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			t.Fatalf("client id %q breaks [a-zA-Z0-9-_]{1,36}", v.ClientID)
		}
	}
}

// Ambiguous failures are resolved by lookup; a second order goes out only after the exchange
// has said it does not know the first, and then with the same client id.
func TestAmbiguousPlacement(t *testing.T) {
	tests := []struct {
		name      string
		faults    []fault
		lookups   []fault
		wantState OrderState
		wantReqs  int // new-order requests that reached the exchange code
	}{
		{"dropped response: found by lookup, never resent", []fault{faultDropAfter}, nil, OrderAcked, 1},
		{"dropped response and failing lookups", []fault{faultDropAfter}, []fault{faultLookupFails, faultLookupFails, faultLookupFails}, OrderAcked, 1},
		{"request lost: resent with the same id", []fault{faultDropBefore}, nil, OrderAcked, 2},
		{"request lost twice", []fault{faultDropBefore, faultDropBefore}, nil, OrderAcked, 3},
		{"request lost every time: gives up", []fault{faultDropBefore, faultDropBefore, faultDropBefore}, nil, OrderRejected, 3},
		{"definite rejection: not retried", []fault{faultReject}, nil, OrderRejected, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil, nil)
			r.x.script(tc.faults...)
			r.x.scriptLookups(tc.lookups...)
			v, err := r.e.PlaceManual(context.Background(), manualBuy())
			if tc.wantState == OrderRejected {
				if err == nil {
					t.Fatal("want an error for a rejected order")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if v.State != tc.wantState {
				t.Fatalf("state = %q (%s), want %q", v.State, v.Reason, tc.wantState)
			}
			answersRecorded(t, r.e)
			if got := orderState(t, r.db, v.ClientID); got != tc.wantState {
				t.Fatalf("journal state = %q, want %q", got, tc.wantState)
			}
			r.x.mu.Lock()
			reqs := r.x.requests
			r.x.mu.Unlock()
			if reqs != tc.wantReqs {
				t.Fatalf("new-order requests = %d, want %d", reqs, tc.wantReqs)
			}
			for id, n := range r.x.placedCounts() {
				if n != 1 {
					t.Fatalf("client id %s placed %d times", id, n)
				}
			}
		})
	}
}

// A market order whose response was dropped is found filled by lookup, and its fills come
// from OrderFills exactly once.
func TestDroppedResponseFillsRecordedOnce(t *testing.T) {
	r := newRig(t, nil, nil)
	r.x.script(faultDropAfter)
	v, err := r.e.PlaceManual(context.Background(), ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Market, Quantity: d("0.5"), Mode: Paper})
	if err != nil {
		t.Fatal(err)
	}
	if v.State != OrderFilled {
		t.Fatalf("state = %q, want filled", v.State)
	}
	// Feed the same order again through every path: nothing changes.
	o, _ := r.x.order(v.ClientID)
	full, _ := r.x.OrderFills(context.Background(), "BTCUSDT", v.ClientID)
	o.Fills = full
	for i := 0; i < 3; i++ {
		if err := r.e.applyOrder(context.Background(), r.x, o); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := r.db.QueryRow(`SELECT count(*) FROM fills WHERE client_id = ?`, v.ClientID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("fills recorded = %d, want 1", n)
	}
}

func TestKillSwitchRefusesManualOrders(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	if err := r.e.EngageKillSwitch(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.PlaceManual(ctx, manualBuy()); !errors.Is(err, ErrKillSwitch) {
		t.Fatalf("err = %v, want ErrKillSwitch", err)
	}
	if err := r.e.ReleaseKillSwitch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.PlaceManual(ctx, manualBuy()); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// An order that reaches the book while the kill switch is being engaged is cancelled once its
// answer is settled: the switch's sweep ran while the row was still on its way (state sent),
// so it could not see it.
func TestKillSwitchCancelsAnOrderAnsweredAfterIt(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	r.x.onPlace = func(exchange.OrderRequest) {
		r.x.onPlace = nil
		if err := r.e.EngageKillSwitch(ctx, "engaged mid-flight"); err != nil {
			t.Error(err)
		}
	}
	v, err := r.e.PlaceManual(ctx, manualBuy()) // a limit buy below the market: it rests
	if err != nil {
		t.Fatal(err)
	}
	if v.State != OrderAcked {
		t.Fatalf("answer %q, want acked (resting)", v.State)
	}
	eventually(t, "the order cancelled on the exchange", func() bool {
		r.x.mu.Lock()
		defer r.x.mu.Unlock()
		return r.x.orders[v.ClientID].Status == exchange.StatusCanceled
	})
	eventually(t, "the order cancelled in the journal", func() bool { return orderState(t, r.db, v.ClientID) == OrderCancelled })
}

func TestManualOrderRulesChecked(t *testing.T) {
	r := newRig(t, nil, nil)
	_, err := r.e.PlaceManual(context.Background(), ManualOrder{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.Limit, Quantity: d("0.01"), Price: d("90"), Mode: Paper})
	if !errors.Is(err, exchange.ErrFilter) {
		t.Fatalf("err = %v, want a min-notional ErrFilter", err)
	}
	var n int
	r.db.QueryRow(`SELECT count(*) FROM orders`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d journal rows for a refused order, want 0", n)
	}
}

func TestCancel(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()
	v, err := r.e.PlaceManual(ctx, manualBuy())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.e.Cancel(ctx, v.ClientID); err != nil {
		t.Fatal(err)
	}
	if got := orderState(t, r.db, v.ClientID); got != OrderCancelled {
		t.Fatalf("journal state %s, want cancelled", got)
	}
	if o, _ := r.x.order(v.ClientID); o.Status != exchange.StatusCanceled {
		t.Fatalf("exchange status %s, want CANCELED", o.Status)
	}
	if err := r.e.Cancel(ctx, v.ClientID); err != nil {
		t.Fatalf("cancelling a final order: %v, want nil", err)
	}
	if err := r.e.Cancel(ctx, "qd-nope"); !errors.Is(err, ErrNoOrder) {
		t.Fatalf("unknown id: err = %v, want ErrNoOrder", err)
	}
}

func TestUpdateBot(t *testing.T) {
	r := newRig(t, nil, nil)
	r.running(t)
	ctx := context.Background()
	if err := r.e.AddBot(ctx, dcaBot("d")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.StartBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.UpdateBot(ctx, dcaBot("d", "amount", "20")); !errors.Is(err, ErrBotRunning) {
		t.Fatalf("update while running: err = %v, want ErrBotRunning", err)
	}
	if err := r.e.StopBot(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := r.e.UpdateBot(ctx, dcaBot("d", "amount", "20")); err != nil {
		t.Fatal(err)
	}
	live := dcaBot("d")
	live.Mode, live.KeyLabel, live.Budget = Live, "main", d("100")
	if err := r.e.UpdateBot(ctx, live); !errors.Is(err, ErrLiveUnavailable) {
		t.Fatalf("switching to live without a checked key: err = %v, want ErrLiveUnavailable", err)
	}
	bots, err := NewRegistry(r.db, nil).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bots) != 1 || bots[0].Config.Params["amount"] != "20" || bots[0].Config.Mode != Paper {
		t.Fatalf("stored bot %+v, want amount 20 on paper", bots)
	}
}

func TestAmbiguousClassification(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("placing: read timeout: %w", exchange.ErrAmbiguous), true},
		{errors.New("something nobody classified"), true},
		{context.DeadlineExceeded, true},
		{&exchange.APIError{Code: -2010, Kind: exchange.ErrInsufficientBalance}, false},
		{&exchange.RateLimitError{RetryAfter: time.Second}, false},
		{fmt.Errorf("503: %w", exchange.ErrUnavailable), false},
		{fmt.Errorf("using the API key: vault: %w", exchange.ErrLocked), false},
	}
	for _, tc := range tests {
		if got := ambiguous(tc.err); got != tc.want {
			t.Errorf("ambiguous(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
