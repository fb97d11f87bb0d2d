package journal

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/quantdeck/quantdeck/engine/strategy"
)

// quoted lists the quoted words of an SQL fragment.
func quoted(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`'([a-z]+)'`).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// The open states the queries name are exactly the states the orders table allows that are
// not final: a state added to one and not the other would hide open orders from restarts.
func TestOpenStatesAreTheNonFinalOnes(t *testing.T) {
	schema, err := migrationFS.ReadFile("migrations/0001_engine.sql")
	if err != nil {
		t.Fatal(err)
	}
	check := regexp.MustCompile(`state\s+TEXT\s+NOT NULL CHECK \(state IN \(([^)]*)\)\)`).FindSubmatch(schema)
	if check == nil {
		t.Fatal("the orders table's state check was not found")
	}
	all, open := quoted(string(check[1])), quoted(openStates)
	if len(all) < 8 || len(open) == 0 {
		t.Fatalf("states %v, open %v", all, open)
	}
	for _, s := range all {
		if final := strategy.OrderState(s).Final(); final == slices.Contains(open, s) {
			t.Errorf("state %s: final %v, but listed as open: %v", s, final, !final)
		}
	}
	for _, s := range open {
		if !slices.Contains(all, s) {
			t.Errorf("open state %s is not a state the table allows", s)
		}
	}
}

// The open-order lookups run on the index, not over every order ever placed.
func TestOpenOrdersUseTheIndex(t *testing.T) {
	db := openStore(t, t.TempDir())
	if _, err := Open(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT client_id FROM orders WHERE ` + openStates,
		`SELECT count(*) FROM orders WHERE bot = 'b' AND ` + openStates,
	} {
		rows, err := db.Query(`EXPLAIN QUERY PLAN ` + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "orders_open") {
			t.Errorf("%s: plan %q does not use orders_open", q, p)
		}
	}
}
