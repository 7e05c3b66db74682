//go:build provmock_postgres

package store

import (
	"context"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
)

// On a shared database, one instance's write moves the generations another reads, of the
// tables it wrote only, as soon as it is acknowledged.
func TestSharedGenerationsMoveAcrossInstances(t *testing.T) {
	ctx := context.Background()
	url := testMemory() // a fresh schema; opened by URL, the store shares it
	open := func() *Store {
		st, err := Open(url, models.All(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	t.Cleanup(func() {
		a.unprepared.Exec(`DROP SCHEMA IF EXISTS "` + a.dialect.(postgresDialect).schema + `" CASCADE`)
	})
	if !a.Shared() {
		t.Fatal("a store opened by URL is not shared")
	}
	roles, orgs := a.reg.Lookup("roles"), a.reg.Lookup("organizations")
	current := func(g Generations, table string) bool {
		st, ok := g.Stamp([]string{table})
		return ok && st.CurrentIn(b.Generations(ctx))
	}

	before := b.Generations(ctx)
	if !before.Known() {
		t.Fatal("the shared generations cannot be read")
	}
	org, err := a.Insert(ctx, orgs, Record{"name": "Shared", "slug": "shared"})
	if err != nil {
		t.Fatal(err)
	}
	if current(before, "organizations") || !current(before, "roles") {
		t.Fatal("an insert of an organization outside a transaction did not move exactly its table")
	}
	before = b.Generations(ctx)
	err = a.Tx(ctx, func(tx *Store) error {
		_, err := tx.Insert(ctx, roles, Record{"name": "Shared role", "organization_id": org.ID()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if current(before, "roles") || !current(before, "organizations") {
		t.Fatal("a transaction writing roles did not move exactly roles")
	}
	before = b.Generations(ctx)
	if err := a.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, def := range a.reg.All() {
		if current(before, def.Type) {
			t.Fatalf("DeleteAll left %s's generation", def.Type)
		}
	}
}
