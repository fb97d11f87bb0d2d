-- The vault: one row. Fernet key = base64url(PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32)).
CREATE TABLE vault (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    salt        BLOB    NOT NULL CHECK (length(salt) = 16),
    iterations  INTEGER NOT NULL CHECK (iterations > 0),
    verifier    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- One row per key version. api_key and api_secret are Fernet tokens.
CREATE TABLE credentials (
    id               INTEGER PRIMARY KEY,
    label            TEXT    NOT NULL,
    exchange         TEXT    NOT NULL,
    api_key          TEXT    NOT NULL,
    api_secret       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    retired_at       TEXT,
    replaced_by      INTEGER REFERENCES credentials(id),
    can_trade        INTEGER,
    can_withdraw     INTEGER,
    ip_restricted    INTEGER,
    perms_checked    INTEGER NOT NULL DEFAULT 0,
    checked_at       TEXT,
    last_used_at     TEXT
);
-- At most one active version per label.
CREATE UNIQUE INDEX credentials_active_label ON credentials(label) WHERE retired_at IS NULL;
