-- Tables other packages own keep their migrations beside their queries (store.Schema); how far
-- each owner's migrations have been applied is kept here, apart from the store's user_version.
CREATE TABLE IF NOT EXISTS schema_versions (
    owner    TEXT    PRIMARY KEY,
    version  INTEGER NOT NULL
);
