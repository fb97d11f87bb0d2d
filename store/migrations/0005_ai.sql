-- IF NOT EXISTS: a database rewound to an older version number migrates again.
-- The optional Claude enrichment: one row per answer, for the tokens shown per answer and the
-- daily budget (summed per UTC day). No prompt, answer or key is stored here.
CREATE TABLE IF NOT EXISTS ai_usage (
    id             INTEGER PRIMARY KEY,
    at             TEXT    NOT NULL,                 -- RFC 3339 UTC
    day            TEXT    NOT NULL,                 -- YYYY-MM-DD, UTC
    kind           TEXT    NOT NULL,                 -- explain, review, ask, backtest
    model          TEXT    NOT NULL,
    input_tokens   INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens  INTEGER NOT NULL CHECK (output_tokens >= 0)
);
CREATE INDEX IF NOT EXISTS ai_usage_day ON ai_usage(day);
