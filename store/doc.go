// Package store owns QuantDeck's SQLite database: where it lives, how it is opened (WAL,
// synchronous=FULL, foreign keys, a busy timeout, file modes 0700/0600) and its schema, as
// numbered SQL migrations embedded in the binary. Other packages run their own queries on the
// *sql.DB it returns; the schema itself changes only here.
package store
