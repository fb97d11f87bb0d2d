-- The vault: one row. Fernet key = base64url(PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32)).
-- verifier is a Fernet token of a fixed known plaintext, so a wrong passphrase is rejected without
-- touching any credential. failed_unlocks and last_failed_at drive the growing delay after wrong
-- passphrases, across processes.
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

-- One row per key version. api_key and api_secret are Fernet tokens under the vault's key.
-- Permissions are what the exchange reported at checked_at; perms_checked is 0 when it could not
-- be asked. Times are UTC RFC 3339.
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
-- At most one active version per label.
CREATE UNIQUE INDEX credentials_active_label ON credentials(label) WHERE retired_at IS NULL;
CREATE INDEX credentials_label ON credentials(label, created_at);
