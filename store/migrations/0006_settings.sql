-- Settings changed at runtime that the next start picks up: the watchlist's edits and the
-- simulated market's last prices. Values are text (JSON where structured); times RFC 3339 UTC.
CREATE TABLE IF NOT EXISTS settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
