package store_test

import (
	"context"
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
