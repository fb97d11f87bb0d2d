-- Rows without a final state are found through a plain index on (state, bot), looked up by the
-- open states, instead of a partial index whose condition (state NOT IN the final ones) SQLite
-- had to evaluate again at every change of an order's state: on the journal's one writer, which
-- carries every bot's order rows, keeping that partial index cost more than half of each
-- order's write time (about 1,050 against 3,000 orders a second with 20 bots).
DROP INDEX IF EXISTS orders_open;
CREATE INDEX orders_open ON orders(state, bot);
