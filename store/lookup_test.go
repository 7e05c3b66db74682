package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// TestLookupsByAFewValuesNameAnIndexThatServesThem: every read of records by a few values of
// a column whose index it names (SQLite's INDEXED BY, which fails a statement the index
// cannot serve) runs, on every type, and finds what it should; after ANALYZE saw the table
// small and it grew, it still does.
func TestLookupsByAFewValuesNameAnIndexThatServesThem(t *testing.T) {
	ctx := context.Background()
	reg := models.Provisioning()
	st := mustEmptyStore(t, reg)
	all := st.Unscoped()
	orgs := reg.Lookup("organizations")
	var ids []string
	for i := 0; i < 3; i++ {
		org, err := all.Insert(ctx, orgs, store.Record{"name": "Org", "slug": "org"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, org.ID())
		if i == 0 {
			if err := all.Analyze(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	found, err := all.GetManyColumns(ctx, orgs, []string{"slug"}, "id", ids[1:])
	if err != nil || len(found) != 2 || found[0].ID() != ids[1] || found[1].ID() != ids[2] {
		t.Errorf("organizations by id: %v (%v), want %v in order", found, err, ids[1:])
	}
	for _, def := range reg.All() {
		for _, col := range store.LookupColumns(st, def) {
			if _, err := all.GetManyColumns(ctx, def, nil, col, []string{"a", "b"}); err != nil {
				t.Errorf("%s by %s: %v", def.Type, col, err)
			}
			if _, err := all.CountEach(ctx, def, col, []string{"a", "b"}); err != nil {
				t.Errorf("%s counted by %s: %v", def.Type, col, err)
			}
		}
	}
}

// TestLookupsKeepToTheIndexesTheFileHas: a file whose table declares its primary key after
// another unique constraint (as another program may) has SQLite's first automatic index on
// that other column; a lookup by id must not name it (SQLite would read all of that index).
func TestLookupsKeepToTheIndexesTheFileHas(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: INDEXED BY and automatic index names are SQLite's")
	}
	ctx := context.Background()
	reg := models.Provisioning()
	path := filepath.Join(t.TempDir(), "other.db")
	st, err := store.Open(path, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	var create string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'identity_providers'`).Scan(&create); err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(create, `"id" TEXT PRIMARY KEY NOT NULL`, `"id" TEXT NOT NULL`, 1)
	other = other[:strings.LastIndex(other, ")")] + `, UNIQUE ("name"), PRIMARY KEY ("id"))`
	if other == create || !strings.Contains(create, `"id" TEXT PRIMARY KEY NOT NULL`) {
		t.Fatalf("the table's declaration is not as this test expects: %s", create)
	}
	for _, q := range []string{`DROP TABLE "identity_providers"`, other} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var idIndex string
	if err := db.QueryRow(`SELECT il.name FROM pragma_index_list('identity_providers') AS il, pragma_index_info(il.name) AS ii WHERE ii.name = 'id'`).Scan(&idIndex); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err = store.Open(path, reg, store.Options{})
	if err != nil {
		t.Fatalf("the file was refused: %v", err)
	}
	defer st.Close()
	def := reg.Lookup("identity_providers")
	if got := store.LookupIndex(st, def, "id"); got != "" && got != idIndex {
		t.Errorf("a read by id names the index %s; the primary key's is %s", got, idIndex)
	}
	rec, err := st.Unscoped().Insert(ctx, def, store.Record{"name": "Okta"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Unscoped().Get(ctx, def, rec.ID())
	if err != nil || got.ID() != rec.ID() {
		t.Fatalf("read by id: %v, %v", got, err)
	}
}
