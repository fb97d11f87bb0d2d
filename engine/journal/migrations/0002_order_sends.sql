-- Every request that carried a client order id, recorded before it left. An id is declared
-- unknown to the exchange only after the last of these has expired (expires_at, by the local
-- clock), so a restart applies the same rule as the process that sent them.
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
CREATE INDEX order_sends_order ON order_sends(client_id);

-- Rows sent by an older version: their requests may still be accepted up to the longest
-- receive window Binance allows (60 s) after they were sent; a minute more covers clock error.
INSERT INTO order_sends(client_id, attempt, source, recv_window_ms, recorded_at, expires_at)
    SELECT client_id, attempts, 'legacy', 60000, sent_at, strftime('%Y-%m-%dT%H:%M:%fZ', sent_at, '+120 seconds')
    FROM orders
    WHERE sent_at IS NOT NULL AND state IN ('sent', 'unknown');
