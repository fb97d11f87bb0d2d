package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func widgetSchema(files map[string]string, adopt func(context.Context, *sql.Tx) (int, error)) Schema {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Schema{Owner: "widgets", FS: fsys, Adopt: adopt}
}

var widgetFiles = map[string]string{
	"0001_widgets.sql": `CREATE TABLE widgets (id INTEGER PRIMARY KEY);`,
	"0002_colour.sql":  `ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT 'red';`,
}

func ownerVersion(t *testing.T, db *sql.DB, owner string) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_versions WHERE owner = ?`, owner).Scan(&v); err != nil {
		t.Fatalf("version of %s: %v", owner, err)
	}
	return v
}

func TestMigrateSchema(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		before  string // SQL run on a fresh database first: what an older version left
		adopt   func(context.Context, *sql.Tx) (int, error)
		wantErr error
	}{
		{name: "fresh database"},
		{name: "tables from before the owner kept its schema", before: `CREATE TABLE widgets (id INTEGER PRIMARY KEY); INSERT INTO widgets VALUES (7)`,
			adopt: func(ctx context.Context, tx *sql.Tx) (int, error) {
				if ok, err := TableExists(ctx, tx, "widgets"); err != nil || !ok {
					return 0, err
				}
				return 1, nil
			}},
		{name: "half applied earlier", before: `CREATE TABLE widgets (id INTEGER PRIMARY KEY); INSERT INTO schema_versions VALUES ('widgets', 1)`},
		{name: "newer binary", before: `INSERT INTO schema_versions VALUES ('widgets', 3)`, wantErr: ErrTooNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpen(t, t.TempDir())
			if tc.before != "" {
				if _, err := db.Exec(tc.before); err != nil {
					t.Fatal(err)
				}
			}
			s := widgetSchema(widgetFiles, tc.adopt)
			err := MigrateSchema(ctx, db, s)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Running again changes nothing.
			if err := MigrateSchema(ctx, db, s); err != nil {
				t.Fatalf("second run: %v", err)
			}
			if v := ownerVersion(t, db, "widgets"); v != 2 {
				t.Fatalf("version %d, want 2", v)
			}
			if _, err := db.Exec(`INSERT INTO widgets(id, colour) VALUES (100, 'blue')`); err != nil {
				t.Fatalf("the latest schema is not in place: %v", err)
			}
		})
	}
}

// A migration that fails leaves neither its tables nor a version behind.
func TestMigrateSchemaFailureLeavesNothing(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	s := widgetSchema(map[string]string{
		"0001_widgets.sql": widgetFiles["0001_widgets.sql"],
		"0002_broken.sql":  `ALTER TABLE nowhere ADD COLUMN x TEXT;`,
	}, nil)
	if err := MigrateSchema(context.Background(), db, s); err == nil || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("err %v, want the broken migration named", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'widgets'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("widgets table left behind (%d, %v)", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM schema_versions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a version was recorded (%d, %v)", n, err)
	}
}

func TestSchemaNumberingChecked(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	for name, files := range map[string]map[string]string{
		"gap":     {"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"},
		"no name": {"one.sql": "SELECT 1;"},
		"empty":   {},
	} {
		if err := MigrateSchema(context.Background(), db, widgetSchema(files, nil)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
