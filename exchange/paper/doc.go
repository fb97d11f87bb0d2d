// Package paper owns paper trading: a simulated account that trades against any market feed
// (the simulated market or real exchange prices) with the same symbol rules as the real
// exchange, simulated fills and fees, and balances, orders and fills kept in SQLite so a
// restart keeps them.
//
// The engine feeds every tick to (*Account).OnTick. Market orders fill at once at the last
// tick's ask (buy) or bid (sell). A limit order that can trade when placed fills at once at the
// ask or bid, as a taker would; otherwise it rests, holding its funds, and fills at its own
// price when a later tick crosses it (a buy when the ask is at or below its price, a sell when
// the bid is at or above it). Orders always fill in full, in one trade: there are no partial
// fills. Fees are FeeRate of what the order receives, in the received asset.
//
// A saved account matches in memory and never waits on the disk on the tick path: one writer
// goroutine per account saves its changes in the order they were made, many to a durable
// commit, and only then reports them on OrderUpdates, so the engine never records a fill that a
// crash could take back. PlaceOrder and CancelOrder wait for their own change to be saved, without
// holding the account's lock. Balances and OpenOrders show the account as matched, including
// changes still being saved; GetOrder and OrderFills answer from the file once it holds every
// change made before the call.
//
// NewMemory opens the same account without a database: backtests replay history through the
// very matching paper trading runs, with nothing saved.
//
// One Account per account name may be open on a database at a time.
package paper
