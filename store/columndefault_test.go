package store

import (
	"context"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
)

// TestADatabaseMadeBeforeColumnsHadDefaultsIsServed: a database whose columns carry no
// DEFAULT (as builds before made them) opens, keeps its records, and, where the engine can
// alter a column (PostgreSQL), has its columns' defaults set, so that an older instance still
// running inserts them.
func TestADatabaseMadeBeforeColumnsHadDefaultsIsServed(t *testing.T) {
	ctx := context.Background()
	newRegistry := func() *models.Registry {
		reg, err := models.NewRegistry([]*models.Resource{{Type: "gadgets", Attrs: []models.Attr{
			{Name: "name", Kind: models.String, Flags: models.Create},
			{Name: "color", Kind: models.String, Default: "red"},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		return reg
	}
	path := Memory
	if testMemory == nil { // SQLite: a file, which a second store can open
		path = t.TempDir() + "/gadgets.db"
	}
	first, err := Open(path, newRegistry(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, ok := first.dialect.(postgresDialect); !ok {
		// SQLite cannot drop a default: make the table as an earlier build did.
		script := "DROP TABLE gadgets; CREATE TABLE gadgets (id TEXT NOT NULL PRIMARY KEY, name TEXT, color TEXT," +
			" created_at TEXT, updated_at TEXT, reference TEXT, reference_origin TEXT, metadata TEXT);" +
			" CREATE INDEX idx_gadgets_created_at ON gadgets(created_at); CREATE INDEX idx_gadgets_reference ON gadgets(reference);"
		if err := first.unprepared.Exec(script).Error; err != nil {
			t.Fatal(err)
		}
	} else if err := first.unprepared.Exec(`ALTER TABLE gadgets ALTER COLUMN color DROP DEFAULT`).Error; err != nil {
		t.Fatal(err)
	}
	if err := first.unprepared.Exec(first.dialect.stampStatement(12345)).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := first.Insert(ctx, first.reg.Lookup("gadgets"), Record{"id": "g1", "name": "kept", "color": "green"}); err != nil {
		t.Fatal(err)
	}

	// The upgrade, as a newer build's start makes it (on the same database).
	if err := first.upgradeSchema(path); err != nil {
		t.Fatalf("refused: %v", err)
	}
	rec, err := first.Get(ctx, first.reg.Lookup("gadgets"), "g1")
	if err != nil || rec["color"] != "green" || rec["name"] != "kept" {
		t.Fatalf("record after the upgrade = %v, %v", rec, err)
	}
	have, err := first.dialect.readSchema(first.unprepared)
	if err != nil {
		t.Fatal(err)
	}
	var dflt *string
	for _, c := range have["gadgets"].Columns {
		if c.Name == "color" {
			dflt = c.Default
		}
	}
	_, pg := first.dialect.(postgresDialect)
	switch {
	case pg && (dflt == nil || *dflt != "'red'::text"):
		t.Errorf("color's default on PostgreSQL = %v, want 'red'::text", dflt)
	case !pg && dflt != nil:
		t.Errorf("color's default on SQLite = %q, want the file's column as it was", *dflt)
	}
}
