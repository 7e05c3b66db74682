package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// grants describes a type as an older build has it (its kind indexed alone, as is its
// owner's key) or as a newer one does (its kind indexed within its owner).
func grants(t *testing.T, newer bool) (*models.Registry, *models.Resource) {
	t.Helper()
	kind := models.Attr{Name: "kind", Kind: models.String, Flags: models.Create | models.Filterable | models.Indexed}
	if newer {
		kind.IndexWithin = "owner_id"
	}
	owners := &models.Resource{Type: "owners", Attrs: []models.Attr{{Name: "name", Kind: models.String, Flags: models.Create}}}
	def := &models.Resource{Type: "grants", Attrs: []models.Attr{kind},
		Rels: []models.Rel{{Name: "owner", Type: "owners", FK: "owner_id", Flags: models.Create}}}
	reg, err := models.NewRegistry([]*models.Resource{owners, def})
	if err != nil {
		t.Fatal(err)
	}
	return reg, reg.Lookup("grants")
}

// TestAnIndexWithinAColumnReplacesTheirOwn: an attribute indexed within a column gets one
// index on both, and neither an index of its own nor one of the column's; a database an
// older build made (with those two) is upgraded to it, the two dropped, its records kept and
// still found by the filter.
func TestAnIndexWithinAColumnReplacesTheirOwn(t *testing.T) {
	ctx := context.Background()
	want := map[string]string{
		"idx_grants_owner_id_kind": "owner_id,kind",
		"idx_grants_created_at":    "created_at",
		"idx_grants_reference":     "reference",
	}
	for name, db := range sharedDatabases(t) {
		t.Run(name, func(t *testing.T) {
			oldReg, oldDef := grants(t, false)
			older, err := store.Open(db, oldReg, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			owner, err := older.Insert(ctx, oldReg.Lookup("owners"), store.Record{"name": "one"})
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"read", "write"} {
				if _, err := older.Insert(ctx, oldDef, store.Record{"kind": kind, "owner_id": owner.ID()}); err != nil {
					t.Fatal(err)
				}
			}
			had, err := store.IndexesOf(older, "grants")
			if err != nil {
				t.Fatal(err)
			}
			if had["idx_grants_kind"] != "kind" || had["idx_grants_owner_id"] != "owner_id" {
				t.Fatalf("the older build's indexes: %v", had)
			}
			older.Close()

			newReg, newDef := grants(t, true)
			newer, err := store.Open(db, newReg, store.Options{})
			if err != nil {
				t.Fatalf("the newer build refused the older one's database: %v", err)
			}
			defer newer.Close()
			got, err := store.IndexesOf(newer, "grants")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("indexes after the upgrade: %v, want %v", got, want)
			}
			found, err := newer.Unscoped().Count(ctx, newDef, store.Cond{Column: "kind", Value: "write"}, store.Cond{Column: "owner_id", Value: owner.ID()})
			if err != nil || found != 1 {
				t.Errorf("kind write of the owner: %d (%v), want 1", found, err)
			}
		})
	}
	// A new database is made with the same indexes.
	reg, _ := grants(t, true)
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := store.IndexesOf(st, "grants")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("indexes of a new database: %v, want %v", got, want)
	}
}

// TestIndexWithinNamesAStoredColumn: the descriptions are refused when the column an index
// leads with is not one the type stores.
func TestIndexWithinNamesAStoredColumn(t *testing.T) {
	def := &models.Resource{Type: "grants", Attrs: []models.Attr{
		{Name: "kind", Kind: models.String, Flags: models.Indexed, IndexWithin: "nowhere"}}}
	if _, err := models.NewRegistry([]*models.Resource{def}); err == nil {
		t.Error("an index within a column the type lacks was accepted")
	}
}
