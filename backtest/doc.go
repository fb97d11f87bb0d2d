// Package backtest replays candle history through the very strategies the engine runs
// (engine/strategy) and the very matching paper trading runs (exchange/paper, in memory), and
// measures the result; it also sweeps parameter grids on every core.
//
// # Fill model
//
// Each candle of the fill interval is walked as four prices: open, low, high, close for a
// candle that closes at or above its open, open, high, low, close for one that closes below
// (the nearer extreme first is unknowable from a candle; this choice is fixed and documented
// so results are reproducible). The points are at the candle's open, a third and two thirds
// into it, and its close.
//
//   - The strategy sees one tick per strategy interval (a multiple of the fill interval), at
//     the close of its last fill candle, priced at that close. Its intents go to the paper
//     account at once.
//   - Market orders fill in full at that close plus (buys) or minus (sells) the slippage in
//     basis points: the account's ask and bid for the order.
//   - Limit orders fill in full at their own price when a later path point reaches it (a buy
//     when the price is at or below it, a sell at or above), as paper trading fills them; a
//     limit order that can trade when placed fills at once at the close, as a taker.
//   - Fees are the account's fee rate on what a fill receives (base for buys, quote for sells),
//     as on Binance spot and in paper trading.
//   - Partial fills are off by default (orders fill whole, as in paper trading). With
//     Config.VolumeShare set, the resting limit orders a candle crosses fill, oldest first,
//     for at most that share of the candle's volume in all, less what other fills of the
//     candle took; the rest of an order stays on the book. Market orders and limit orders
//     that trade when placed still fill whole.
//
// The budget is the account's starting quote balance; an order it cannot pay is refused and
// the strategy is told, as the engine tells it about a refusal by its risk guard.
//
// # Cost
//
// A replay allocates per run, not per candle or per order: the paper account reuses its
// order structures and lends each fill to the replay, which copies it into slices that grow
// amortised (the trade list). An order refused for want of funds is the exception, at two
// allocations (its error and the error's text). TestAllocationsDoNotGrowWithCandles and
// TestAllocationsDoNotGrowWithOrders hold this; BenchmarkBacktestDCA and
// BenchmarkBacktestGrid measure the speed.
package backtest
