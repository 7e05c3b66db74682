package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/store"
)

// CountEach counts per value, 0 for a value no record holds, within the handle's scope.
func TestCountEach(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	roles := st.Registry().Lookup("roles")
	got, err := st.CountEach(ctx, roles, "organization_id", []string{"orgBlueBrd", "orgGreenGr", "orgNone"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"orgBlueBrd": 3, "orgGreenGr": 2, "orgNone": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("all: %v, want %v", got, want)
	}
	got, err = st.As(domain.UserScope("usrViewer1")).CountEach(ctx, roles, "organization_id", []string{"orgBlueBrd", "orgGreenGr"},
		store.Cond{Column: "kind", Value: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"orgBlueBrd": 1, "orgGreenGr": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("the viewer's admin roles: %v, want %v", got, want)
	}
}

// SetEach writes each record its own value, leaves updated_at and every other column alone,
// and passes over records the handle cannot see, in statements of a bounded number of rows.
func TestSetEach(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	roles := st.Registry().Lookup("roles")
	before, err := st.GetMany(ctx, roles, "organization_id", []string{"orgBlueBrd", "orgGreenGr"})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"rolNoSuch": map[string]any{"x": 1}}
	for _, r := range before {
		values[r.ID()] = map[string]any{"role": r.ID()}
	}
	// The viewer sees The Blue Brand only: The Green Grocer's roles keep their metadata.
	if err := st.As(domain.UserScope("usrViewer1")).SetEach(ctx, roles, "metadata", values); err != nil {
		t.Fatal(err)
	}
	after, err := st.GetMany(ctx, roles, "organization_id", []string{"orgBlueBrd", "orgGreenGr"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range after {
		old := before[i]
		want := old["metadata"]
		if r.String("organization_id") == "orgBlueBrd" {
			want = json.RawMessage(`{"role":"` + r.ID() + `"}`)
		}
		if !reflect.DeepEqual(r["metadata"], want) {
			t.Errorf("%s metadata = %s, want %s", r.ID(), r["metadata"], want)
		}
		for col, v := range old {
			if col != "metadata" && !reflect.DeepEqual(r[col], v) {
				t.Errorf("%s.%s = %v, was %v", r.ID(), col, r[col], v)
			}
		}
	}
	// More records than one statement writes.
	extra := make([]store.Record, 70)
	for i := range extra {
		extra[i] = store.Record{"name": "Extra", "kind": "custom", "organization_id": "orgGreenGr"}
	}
	if err := st.Tx(ctx, func(tx *store.Store) error { return tx.PutAll(ctx, roles, extra) }); err != nil {
		t.Fatal(err)
	}
	all, err := st.GetManyColumns(ctx, roles, nil, "organization_id", []string{"orgGreenGr"})
	if err != nil {
		t.Fatal(err)
	}
	many := map[string]any{}
	for _, r := range all {
		if len(r) != 1 {
			t.Fatalf("GetManyColumns with no columns read %v, want the id only", r)
		}
		many[r.ID()] = "n-" + r.ID()
	}
	if err := st.SetEach(ctx, roles, "name", many); err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		got, err := st.Get(ctx, roles, r.ID())
		if err != nil {
			t.Fatal(err)
		}
		if got["name"] != "n-"+r.ID() {
			t.Errorf("%s name = %v", r.ID(), got["name"])
		}
	}
	if len(all) <= 64 {
		t.Fatalf("%d roles: too few for two statements", len(all))
	}
}

// PutAll binds a column alike in every record once: each record still stores its own values,
// whichever columns are alike (some, none, a NULL in all), in one statement or in several.
func TestPutAllAlikeColumns(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	roles := st.Registry().Lookup("roles")
	batches := [][]store.Record{
		{ // kind, organization and reference alike; names and metadata (but one) differ
			{"name": "A1", "kind": "custom", "organization_id": "orgGreenGr", "metadata": map[string]any{"n": 1}},
			{"name": "A2", "kind": "custom", "organization_id": "orgGreenGr", "metadata": map[string]any{"n": 1}},
			{"name": "A3", "kind": "custom", "organization_id": "orgGreenGr", "metadata": map[string]any{"n": 2}},
		},
		{ // nothing alike but the timestamps' columns may be
			{"name": "B1", "kind": "custom", "organization_id": "orgGreenGr", "reference": "r1"},
			{"name": "B2", "kind": "admin", "organization_id": "orgBlueBrd", "reference": nil},
		},
		{{"name": "C1", "kind": "custom", "organization_id": "orgBlueBrd", "reference": "one"}}, // a single record
	}
	for _, batch := range batches {
		want := make([]store.Record, len(batch))
		for i, rec := range batch {
			want[i] = store.Record{}
			for k, v := range rec {
				want[i][k] = v
			}
		}
		if err := st.Tx(ctx, func(tx *store.Store) error { return tx.PutAll(ctx, roles, batch) }); err != nil {
			t.Fatal(err)
		}
		for i, rec := range batch {
			got, err := st.Get(ctx, roles, rec.ID())
			if err != nil {
				t.Fatalf("%s: %v", want[i]["name"], err)
			}
			for col, v := range want[i] {
				if m, ok := v.(map[string]any); ok {
					text, _ := json.Marshal(m)
					v = json.RawMessage(text)
				}
				if !reflect.DeepEqual(got[col], v) {
					t.Errorf("%s.%s = %#v, want %#v", want[i]["name"], col, got[col], v)
				}
			}
			if got["created_at"] != rec["created_at"] {
				t.Errorf("%s created_at = %v, want %v", want[i]["name"], got["created_at"], rec["created_at"])
			}
		}
	}
}
