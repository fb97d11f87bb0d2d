-- Paper trading: simulated accounts with balances, orders and fills, so a restart keeps them.
-- Money is decimal text (never REAL); times are RFC 3339 UTC text.

CREATE TABLE paper_accounts (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    created_at  TEXT NOT NULL
);

CREATE TABLE paper_balances (
    account  TEXT NOT NULL REFERENCES paper_accounts(name),
    asset    TEXT NOT NULL,
    free     TEXT NOT NULL DEFAULT '0',
    locked   TEXT NOT NULL DEFAULT '0',
    PRIMARY KEY (account, asset)
);

-- id is the order's exchange id. base_asset/quote_asset are the symbol's, kept so a fill needs
-- no rule lookup. lock_asset/lock_amount are what a resting order holds back.
CREATE TABLE paper_orders (
    id            INTEGER PRIMARY KEY,
    account       TEXT    NOT NULL REFERENCES paper_accounts(name),
    client_id     TEXT    NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64),
    symbol        TEXT    NOT NULL,
    side          TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    type          TEXT    NOT NULL CHECK (type IN ('LIMIT', 'MARKET')),
    status        TEXT    NOT NULL,
    price         TEXT    NOT NULL DEFAULT '0',
    quantity      TEXT    NOT NULL DEFAULT '0',
    executed_qty  TEXT    NOT NULL DEFAULT '0',
    quote_qty     TEXT    NOT NULL DEFAULT '0',
    base_asset    TEXT    NOT NULL,
    quote_asset   TEXT    NOT NULL,
    lock_asset    TEXT    NOT NULL DEFAULT '',
    lock_amount   TEXT    NOT NULL DEFAULT '0',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    UNIQUE (account, client_id)
);
CREATE INDEX paper_orders_open ON paper_orders(account) WHERE status = 'NEW';

-- trade_id is unique across every paper account.
CREATE TABLE paper_fills (
    trade_id   INTEGER PRIMARY KEY,
    account    TEXT    NOT NULL REFERENCES paper_accounts(name),
    order_id   INTEGER NOT NULL REFERENCES paper_orders(id),
    client_id  TEXT    NOT NULL,
    symbol     TEXT    NOT NULL,
    side       TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price      TEXT    NOT NULL,
    qty        TEXT    NOT NULL,
    fee        TEXT    NOT NULL,
    fee_asset  TEXT    NOT NULL,
    time       TEXT    NOT NULL
);
CREATE INDEX paper_fills_order ON paper_fills(order_id);
