// Package store owns QuantDeck's SQLite database: where it lives, how it is opened (WAL,
// synchronous=FULL, foreign keys, a busy timeout, file modes 0700/0600) and its schema, as
// numbered SQL migrations embedded in the binary, for the tables it keeps itself (the vault's,
// the paper accounts', settings). A package that owns tables brings their schema as a Schema
// beside its queries and applies it with MigrateSchema; the runner, the file and its
// settings stay here.
package store
