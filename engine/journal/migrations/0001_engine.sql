-- The engine: bots, the write-ahead order journal, fills, bot history, the kill switch and
-- small engine counters. Money is decimal text (never REAL); times are RFC 3339 UTC text.

CREATE TABLE bots (
    name               TEXT    PRIMARY KEY,
    symbol             TEXT    NOT NULL,
    strategy           TEXT    NOT NULL CHECK (strategy IN ('dca', 'grid')),
    params             TEXT    NOT NULL,                 -- JSON object of strings, as typed
    mode               TEXT    NOT NULL CHECK (mode IN ('paper', 'live')),
    key_label          TEXT    NOT NULL DEFAULT '',
    budget             TEXT    NOT NULL DEFAULT '0',
    max_order_notional TEXT    NOT NULL DEFAULT '0',
    max_open_orders    INTEGER NOT NULL DEFAULT 0,
    daily_loss_limit   TEXT    NOT NULL DEFAULT '0',
    desired            TEXT    NOT NULL DEFAULT 'stopped' CHECK (desired IN ('stopped', 'running')),
    state              TEXT    NOT NULL DEFAULT 'stopped',
    reason             TEXT    NOT NULL DEFAULT '',
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    started_at         TEXT
);

-- One row per order, written (state 'intent') before the exchange is called.
CREATE TABLE orders (
    client_id    TEXT    PRIMARY KEY CHECK (length(client_id) BETWEEN 1 AND 36),
    exchange_id  INTEGER NOT NULL DEFAULT 0,
    bot          TEXT    NOT NULL DEFAULT '',            -- '' for manual orders
    tag          TEXT    NOT NULL DEFAULT '',            -- the strategy's name for the order
    mode         TEXT    NOT NULL CHECK (mode IN ('paper', 'live')),
    key_label    TEXT    NOT NULL DEFAULT '',
    symbol       TEXT    NOT NULL,
    side         TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    type         TEXT    NOT NULL CHECK (type IN ('LIMIT', 'MARKET')),
    price        TEXT    NOT NULL DEFAULT '0',
    quantity     TEXT    NOT NULL DEFAULT '0',
    quote_qty    TEXT    NOT NULL DEFAULT '0',
    executed     TEXT    NOT NULL DEFAULT '0',
    quote_exec   TEXT    NOT NULL DEFAULT '0',
    state        TEXT    NOT NULL CHECK (state IN ('intent', 'sent', 'acked', 'partial', 'filled', 'cancelled', 'rejected', 'unknown')),
    reason       TEXT    NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    sent_at      TEXT
);
CREATE INDEX orders_open ON orders(state) WHERE state NOT IN ('filled', 'cancelled', 'rejected');
CREATE INDEX orders_bot ON orders(bot, created_at);

-- Fills are recorded once: the trade id is unique per mode and symbol, and per order too, so
-- both sides of a self-trade (one trade id, two of our orders) are kept.
CREATE TABLE fills (
    mode       TEXT    NOT NULL,
    symbol     TEXT    NOT NULL,
    trade_id   INTEGER NOT NULL,
    client_id  TEXT    NOT NULL REFERENCES orders(client_id),
    bot        TEXT    NOT NULL DEFAULT '',
    side       TEXT    NOT NULL,
    price      TEXT    NOT NULL,
    qty        TEXT    NOT NULL,
    fee        TEXT    NOT NULL DEFAULT '0',
    fee_asset  TEXT    NOT NULL DEFAULT '',
    time       TEXT    NOT NULL,
    PRIMARY KEY (mode, symbol, trade_id, client_id)
);
CREATE INDEX fills_bot ON fills(bot, time);
CREATE INDEX fills_order ON fills(client_id);

CREATE TABLE bot_events (
    id       INTEGER PRIMARY KEY,
    bot      TEXT    NOT NULL,                           -- '' for engine-wide events
    time     TEXT    NOT NULL,
    level    TEXT    NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    message  TEXT    NOT NULL
);
CREATE INDEX bot_events_bot ON bot_events(bot, id);

-- The kill switch: one row; stays engaged across restarts until released.
CREATE TABLE kill_switch (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    engaged     INTEGER NOT NULL DEFAULT 0,
    reason      TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT    NOT NULL
);

-- Small engine counters: the client order id sequence and this database's instance tag.
CREATE TABLE engine_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
