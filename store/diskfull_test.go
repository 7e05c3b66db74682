package store_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

func TestAFullDatabaseRefusesWritesWithErrDiskFull(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: the page limit is SQLite's max_page_count")
	}
	ctx := context.Background()
	reg := models.Provisioning()
	// An in-memory database of the schema and a few pages more.
	probe, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	image, err := probe.Serialize(ctx)
	probe.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Memory, reg, store.Options{MaxPages: int64(len(image)/4096) + 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users := reg.Lookup("users")
	if _, err := st.Insert(ctx, users, store.Record{"id": "usrSmall01", "email": "a@example.com"}); err != nil {
		t.Fatalf("a small write: %v", err)
	}
	big := store.Record{"id": "usrLarge01", "email": "b@example.com", "first_name": strings.Repeat("x", 64<<10)}
	checks := map[string]func() error{
		"outside a transaction": func() error { _, err := st.Insert(ctx, users, maps.Clone(big)); return err },
		"in a transaction": func() error {
			return st.Tx(ctx, func(tx *store.Store) error {
				_, err := tx.Insert(ctx, users, maps.Clone(big))
				return err
			})
		},
	}
	for name, write := range checks {
		err := write()
		if !errors.Is(err, store.ErrDiskFull) || !store.IsDiskFull(err) {
			t.Errorf("%s: error = %v, want ErrDiskFull", name, err)
		}
	}
	if _, err := st.Get(ctx, users, "usrLarge01"); !store.IsNotFound(err) {
		t.Errorf("the refused record: %v, want not found", err)
	}
	if got, err := st.Get(ctx, users, "usrSmall01"); err != nil || got["email"] != "a@example.com" {
		t.Errorf("the stored record reads %v, %v", got, err)
	}
	if store.IsDiskFull(errors.New("store: other")) || store.IsDiskFull(nil) {
		t.Error("IsDiskFull holds of other errors")
	}
}
