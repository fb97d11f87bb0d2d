PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE vault (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    salt            BLOB    NOT NULL CHECK (length(salt) = 16),
    iterations      INTEGER NOT NULL CHECK (iterations > 0),
    verifier        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    failed_unlocks  INTEGER NOT NULL DEFAULT 0 CHECK (failed_unlocks >= 0),
    last_failed_at  TEXT
);
CREATE TABLE credentials (
    id               INTEGER PRIMARY KEY,
    label            TEXT    NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
    exchange         TEXT    NOT NULL,
    api_key          TEXT    NOT NULL,
    api_secret       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    retired_at       TEXT,
    replaced_by      INTEGER REFERENCES credentials(id) ON DELETE SET NULL,
    can_trade        INTEGER NOT NULL DEFAULT 0,
    can_withdraw     INTEGER NOT NULL DEFAULT 0,
    ip_restricted    INTEGER NOT NULL DEFAULT 0,
    perms_checked    INTEGER NOT NULL DEFAULT 0,
    perms_note       TEXT    NOT NULL DEFAULT '',
    checked_at       TEXT,
    last_used_at     TEXT
);
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
INSERT INTO bots VALUES('dca1','BTCUSDT','dca','{"amount":"25","interval":"1h"}','paper','','500','0',0,'0','running','running','','2026-12-01T10:00:00.000000000Z','2026-12-01T10:00:00.000000000Z',NULL);
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
INSERT INTO orders VALUES('qd-v5ab-dca1-1',7,'dca1','buy','paper','','BTCUSDT','BUY','MARKET','0','0','25','0.0004','25','filled','',1,'2026-12-01T10:00:01.000000000Z','2026-12-01T10:00:01.500000000Z','2026-12-01T10:00:01.100000000Z');
INSERT INTO orders VALUES('qd-v5ab-m-2',0,'','','live','main','BTCUSDT','BUY','LIMIT','60000','0.001','0','0','0','sent','',1,'2026-12-01T10:00:02.000000000Z','2026-12-01T10:00:02.000000000Z','2026-12-01T10:00:02.000000000Z');
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
INSERT INTO fills VALUES('paper','BTCUSDT',11,'qd-v5ab-dca1-1','dca1','BUY','62500','0.0004','0','BTC','2026-12-01T10:00:01.400000000Z');
CREATE TABLE bot_events (
    id       INTEGER PRIMARY KEY,
    bot      TEXT    NOT NULL,                           -- '' for engine-wide events
    time     TEXT    NOT NULL,
    level    TEXT    NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    message  TEXT    NOT NULL
);
INSERT INTO bot_events VALUES(1,'dca1','2026-12-01T10:00:00.000000000Z','info','started');
CREATE TABLE kill_switch (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    engaged     INTEGER NOT NULL DEFAULT 0,
    reason      TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT    NOT NULL
);
INSERT INTO kill_switch VALUES(1,0,'','2026-12-01T09:00:00.000000000Z');
CREATE TABLE engine_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO engine_state VALUES('instance','v5ab');
INSERT INTO engine_state VALUES('order_seq','3');
CREATE TABLE order_sends (
    id             INTEGER PRIMARY KEY,
    client_id      TEXT    NOT NULL REFERENCES orders(client_id),
    attempt        INTEGER NOT NULL,                     -- orders.attempts when it was sent
    -- 'signed': reported by the adapter with the timestamp it signed;
    -- 'bound': the adapter reports nothing, so the call's deadline stands in for it;
    -- 'legacy': sent before sends were recorded (sent_at plus the longest receive window).
    source         TEXT    NOT NULL CHECK (source IN ('signed', 'bound', 'legacy')),
    signed_ms      INTEGER NOT NULL DEFAULT 0,           -- the timestamp signed (exchange clock, unix ms)
    recv_window_ms INTEGER NOT NULL DEFAULT 0,
    offset_ms      INTEGER NOT NULL DEFAULT 0,           -- exchange clock minus local clock
    uncertainty_ms INTEGER NOT NULL DEFAULT 0,           -- bound on offset_ms's error
    recorded_at    TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL                      -- local clock: the exchange refuses it after this
);
INSERT INTO order_sends VALUES(1,'qd-v5ab-m-2',1,'signed',1764583202000,5000,0,3,'2026-12-01T10:00:02.000000000Z','2026-12-01T10:00:07.003000000Z');
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX credentials_active_label ON credentials(label) WHERE retired_at IS NULL;
CREATE INDEX credentials_label ON credentials(label, created_at);
CREATE INDEX paper_orders_open ON paper_orders(account) WHERE status = 'NEW';
CREATE INDEX paper_fills_order ON paper_fills(order_id);
CREATE INDEX orders_open ON orders(state) WHERE state NOT IN ('filled', 'cancelled', 'rejected');
CREATE INDEX orders_bot ON orders(bot, created_at);
CREATE INDEX fills_bot ON fills(bot, time);
CREATE INDEX fills_order ON fills(client_id);
CREATE INDEX bot_events_bot ON bot_events(bot, id);
CREATE INDEX order_sends_order ON order_sends(client_id);
COMMIT;
PRAGMA user_version=5;
