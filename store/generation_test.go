package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commercelayer-mock/provmock/domain"
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
