package store_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

func TestGenerationMovesOnlyWhenWritesEnd(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	roles := st.Registry().Lookup("roles")
	g0 := st.Generation()

	if _, err := st.Get(ctx, roles, "rolBBAdmin"); err != nil {
		t.Fatal(err)
	}
	if st.Generation() != g0 {
		t.Fatal("a read moved the generation")
	}
	if _, err := st.Update(ctx, roles, "rolBBMktEd", store.Record{"reference": "x"}); err != nil {
		t.Fatal(err)
	}
	g1 := st.Generation()
	if g1 == g0 {
		t.Fatal("a write outside a transaction did not move the generation")
	}
	err := st.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.Update(ctx, roles, "rolBBMktEd", store.Record{"reference": "y"}); err != nil {
			return err
		}
		if tx.Generation() != g1 {
			t.Error("the generation moved before the transaction ended")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation() != g1+1 {
		t.Fatalf("generation = %d after a transaction, want %d", st.Generation(), g1+1)
	}
	// A rolled-back transaction may move it too (a spurious miss), never leave it behind.
	_ = st.Tx(ctx, func(tx *store.Store) error { return errors.New("roll back") })
	if st.Generation() < g1+1 {
		t.Fatal("generation went backwards")
	}
	// Handles made from the store share its generation.
	if st.As(domain.UserScope("usrDemoOwn")).Generation() != st.Generation() {
		t.Fatal("a scoped handle has its own generation")
	}
}

// movedSince returns the tables whose generation moved since before, in registry order.
func movedSince(t *testing.T, st *store.Store, before store.Generations) []string {
	t.Helper()
	now := st.Generations(context.Background())
	var out []string
	for _, def := range st.Registry().All() {
		stamp, ok := before.Stamp([]string{def.Type})
		if !ok {
			t.Fatalf("no generation of %s", def.Type)
		}
		if !stamp.CurrentIn(now) {
			out = append(out, def.Type)
		}
	}
	return out
}

func TestTableGenerationsMoveWithTheirWrites(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	roles := st.Registry().Lookup("roles")
	versions := st.Registry().Lookup("versions")

	g0 := st.Generations(ctx)
	if _, err := st.Get(ctx, roles, "rolBBAdmin"); err != nil {
		t.Fatal(err)
	}
	if got := movedSince(t, st, g0); len(got) != 0 {
		t.Fatalf("a read moved %v", got)
	}
	if _, err := st.Update(ctx, roles, "rolBBMktEd", store.Record{"reference": "x"}); err != nil {
		t.Fatal(err)
	}
	if got := movedSince(t, st, g0); !slices.Equal(got, []string{"roles"}) {
		t.Fatalf("an update of a role moved %v", got)
	}

	g1 := st.Generations(ctx)
	err := st.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.Update(ctx, roles, "rolBBMktEd", store.Record{"reference": "y"}); err != nil {
			return err
		}
		if err := tx.PutAll(ctx, versions, []store.Record{{"resource_type": "roles", "resource_id": "rolBBMktEd", "event": "update", "organization_id": "orgBlueBrd"}}); err != nil {
			return err
		}
		if got := movedSince(t, st, g1); len(got) != 0 {
			t.Errorf("%v moved before the transaction ended", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := movedSince(t, st, g1); !slices.Equal(got, []string{"roles", "versions"}) {
		t.Fatalf("a transaction writing roles and versions moved %v", got)
	}

	// A rolled-back transaction may move what it wrote (a spurious miss), nothing else.
	g2 := st.Generations(ctx)
	_ = st.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.Update(ctx, roles, "rolBBMktEd", store.Record{"reference": "z"}); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if got := movedSince(t, st, g2); len(got) > 1 || len(got) == 1 && got[0] != "roles" {
		t.Fatalf("a rolled-back write of roles moved %v", got)
	}
}

// Writes that replace everything (a reset, fixtures replaced, a snapshot or image restored)
// move every table's generation, even of tables that were and stay empty.
func TestWholesaleWritesMoveEveryTable(t *testing.T) {
	ctx := context.Background()
	st := mustDemoStore(t)
	every := func(t *testing.T, what string, before store.Generations) {
		t.Helper()
		if got := movedSince(t, st, before); len(got) != len(st.Registry().All()) {
			t.Fatalf("%s moved only %v", what, got)
		}
	}
	snap, err := st.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := st.Generations(ctx)
	if err := st.Restore(ctx, snap); err != nil {
		t.Fatal(err)
	}
	every(t, "Restore", g)
	g = st.Generations(ctx)
	if err := st.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	every(t, "DeleteAll", g)
	g = st.Generations(ctx)
	st.MoveGenerations()
	every(t, "MoveGenerations", g)
	if store.MemoryIsSQLite() {
		other := mustDemoStore(t)
		data, err := other.Serialize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g = st.Generations(ctx)
		if err := st.RestoreImage(ctx, store.NewImage(data)); err != nil {
			t.Fatal(err)
		}
		every(t, "RestoreImage", g)
	}
}

// Reads under TrackReads note their own table, those their filters reach, and those the
// handle's scope read, also when the scope's answer is reused.
func TestTrackReadsNotesEveryTableRead(t *testing.T) {
	st := mustDemoStore(t)
	reg := st.Registry()
	creds := reg.Lookup("api_credentials")
	scoped := st.As(domain.UserScope("usrDemoOwn"))

	ctx, reads := store.TrackReads(context.Background())
	p, err := query.Parse(reg, creds, url.Values{"filter[q][role_name_eq]": {"Admin"}}, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := scoped.List(ctx, creds, store.ListQuery{Filters: p.Filters}); err != nil {
		t.Fatal(err)
	}
	got := reads.Tables()
	slices.Sort(got)
	if want := []string{"api_credentials", "memberships", "roles"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}

	// The same handle again: its scope is reused, and still noted.
	ctx, reads = store.TrackReads(context.Background())
	if _, err := scoped.Get(ctx, reg.Lookup("organizations"), "orgBlueBrd"); err != nil {
		t.Fatal(err)
	}
	got = reads.Tables()
	slices.Sort(got)
	if want := []string{"memberships", "organizations"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
}
