// Package journal owns the engine's tables and the SQL over them: the write-ahead order
// journal (orders, and the signed sends of each), fills, bots, bot events, the kill switch and
// the engine's counters. Each table's schema sits beside its queries as numbered migrations in
// migrations/, applied by store.MigrateSchema (Migrate); a database an older QuantDeck made,
// where the store created these tables, is adopted as it is.
//
// Rows are written in the engine's order: an order row, and each request that carries its
// client id, is durable on disk before the request leaves. The order path's writes go through
// one writer that groups the callers queued at once into one transaction and one sync (group
// commit, writer.go). A Write returns only once its rows are committed; a staged write (Stage,
// StageAll) returns at once and is committed, in queue order, no later than the next Write, so
// rows that only have to be on disk before something that depends on them happens (an intent,
// an attempt, an exchange's answer) share that Write's sync. Stored money is decimal text and
// stored times are UTC text; a value that does not parse is a *BadRowError, never a zero.
package journal
