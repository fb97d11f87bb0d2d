// Package ai owns QuantDeck's optional Claude enrichment: building what is sent from an
// allow-list of fields (candles and statistics derived from them, a bot's parameters, its trades
// and PnL, backtest metrics; balances only when the user opts in for one request), streaming the
// answer through the official Anthropic SDK with timeouts and retries, and counting tokens per
// answer and per UTC day against a daily budget.
//
// It is off unless QUANTDECK_AI=claude: New refuses to build a client otherwise, so nothing in
// QuantDeck opens a connection to Anthropic. The API key lives in the vault and is lent for one
// call. Nothing here can place or cancel an order: an answer is text, and a suggested parameter
// change is data the cockpit may pre-fill into the bot form for the user to confirm.
package ai
