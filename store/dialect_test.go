package store_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// TestDefaultOrderIsInsertionOrderWithinAMillisecond: records created in the same
// millisecond list in the order they were inserted (the dialect's tie-break), not by id,
// on a new database and on a file opened again.
func TestDefaultOrderIsInsertionOrderWithinAMillisecond(t *testing.T) {
	reg := models.Provisioning()
	def := reg.Lookup("users")
	frozen := func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	ids := []string{"usrZZZZZZ1", "usrAAAAAA2", "usrMMMMMM3", "usrBBBBBB4"}
	path := filepath.Join(t.TempDir(), "order.db")
	ctx := context.Background()
	listed := func(st *store.Store) []string {
		recs, _, err := st.List(ctx, def, store.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, r.ID())
		}
		return got
	}
	for _, where := range []string{store.Memory, path} {
		st, err := store.Open(where, reg, store.Options{Now: frozen})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if _, err := st.Insert(ctx, def, store.Record{"id": id}); err != nil {
				t.Fatal(err)
			}
		}
		if got := listed(st); !reflect.DeepEqual(got, ids) {
			t.Errorf("%s: order %v, want insertion order %v", where, got, ids)
		}
		st.Close()
	}
	st, err := store.Open(path, reg, store.Options{Now: frozen})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := listed(st); !reflect.DeepEqual(got, ids) {
		t.Errorf("reopened: order %v, want insertion order %v", got, ids)
	}
}
