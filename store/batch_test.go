package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/models"
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

// A multi-row INSERT binds each alike column once, numbers every placeholder with the
// dialect's mark, and takes as many rows as the bound on bound values allows.
func TestInsertLayout(t *testing.T) {
	cols := []string{"a", "b", "c"}
	values := []any{
		"a0", "same", int64(0),
		"a1", "same", int64(1),
		"a2", "same", nil,
		"a3", "same", int64(3),
		"a4", "same", int64(4),
	}
	// 1 value bound once, 2 a row: 3 rows in 7 values, not 4.
	per, alike, stmt, args := store.InsertLayoutOf("t", cols, values, 7, 2, '?')
	if per != 3 {
		t.Errorf("%d rows a statement, want 3", per)
	}
	if want := []bool{false, true, false}; !reflect.DeepEqual(alike, want) {
		t.Errorf("alike = %v, want %v", alike, want)
	}
	if want := `INSERT INTO "t" ("a", "b", "c") VALUES (?2, ?1, ?3), (?4, ?1, ?5)`; stmt != want {
		t.Errorf("statement\n%s\nwant\n%s", stmt, want)
	}
	if want := []any{"same", "a0", int64(0), "a1", int64(1)}; !reflect.DeepEqual(args, want) {
		t.Errorf("args = %v, want %v", args, want)
	}
	_, _, stmt, _ = store.InsertLayoutOf("t", cols, values, 7, 1, '$')
	if want := `INSERT INTO "t" ("a", "b", "c") VALUES ($2, $1, $3)`; stmt != want {
		t.Errorf("PostgreSQL's statement\n%s\nwant\n%s", stmt, want)
	}
	// Exactly at the bound: 1 + 3*2 = 7 values.
	if per, _, _, _ := store.InsertLayoutOf("t", cols, values, 6, 1, '?'); per != 2 {
		t.Errorf("%d rows a statement under 6 values, want 2", per)
	}
	// One row: nothing is alike. Every column alike: a row still counts one.
	if _, alike, stmt, _ := store.InsertLayoutOf("t", cols, values[:3], 7, 1, '?'); !reflect.DeepEqual(alike, []bool{false, false, false}) ||
		stmt != `INSERT INTO "t" ("a", "b", "c") VALUES (?1, ?2, ?3)` {
		t.Errorf("one row: alike %v, %s", alike, stmt)
	}
	same := []any{"x", nil, "x", nil, "x", nil}
	per, alike, stmt, args = store.InsertLayoutOf("t", []string{"a", "b"}, same, 5, 3, '?')
	if per != 3 || !reflect.DeepEqual(alike, []bool{true, true}) || stmt != `INSERT INTO "t" ("a", "b") VALUES (?1, ?2), (?1, ?2), (?1, ?2)` ||
		!reflect.DeepEqual(args, []any{"x", nil}) {
		t.Errorf("all alike: %d a statement, alike %v, %s %v", per, alike, stmt, args)
	}
	// Floats are never shared (NaN, -0).
	if _, alike, _, _ := store.InsertLayoutOf("t", []string{"f"}, []any{1.5, 1.5}, 7, 1, '?'); alike[0] {
		t.Error("a float column is bound once")
	}
}

// PutRows stores rows of more statements than one, at the dialect's real bound, each with
// its values and what the store fills in (id, timestamps).
func TestPutRowsAcrossStatements(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	versions := st.Registry().Lookup("versions")
	cols := []string{"resource_type", "resource_id", "event", "changes", "who", "organization_id"}
	// resource_id, changes and the id vary: 3 values a row at least.
	n := store.MaxInsertBinds(st)/3 + 5
	values := make([]any, 0, n*len(cols))
	for i := 0; i < n; i++ {
		values = append(values, "roles", fmt.Sprintf("bulk%06d", i), "create", fmt.Sprintf(`{"n":[null,%d]}`, i), "{}", "orgGreenGr")
	}
	if err := st.Tx(ctx, func(tx *store.Store) error { return tx.PutRows(ctx, versions, cols, values) }); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetMany(ctx, versions, "organization_id", []string{"orgGreenGr"}, store.Cond{Column: "resource_type", Value: "roles"},
		store.Cond{Column: "event", Value: "create"})
	if err != nil {
		t.Fatal(err)
	}
	byResource := map[string]store.Record{}
	for _, v := range got {
		byResource[v.String("resource_id")] = v
	}
	for i := 0; i < n; i++ {
		v := byResource[fmt.Sprintf("bulk%06d", i)]
		if v == nil {
			t.Fatalf("row %d of %d not stored", i, n)
		}
		if string(v["changes"].(json.RawMessage)) != fmt.Sprintf(`{"n":[null,%d]}`, i) || v.ID() == "" || v.String("created_at") == "" ||
			v["created_at"] != v["updated_at"] || string(v["who"].(json.RawMessage)) != "{}" {
			t.Fatalf("row %d stored as %v", i, v)
		}
	}
	if err := st.PutRows(ctx, versions, cols, values[:5]); err == nil {
		t.Error("rows of 6 columns from 5 values stored")
	}
	if err := st.PutRows(ctx, versions, []string{"nope"}, []any{1}); err == nil {
		t.Error("a column the type lacks stored")
	}
}

// countingStore opens an empty store whose clock ticks a second a reading and whose ids
// count, loaded with the demo data: two of them make the same records.
func countingStore(t *testing.T) *store.Store {
	t.Helper()
	var tick, ids atomic.Int64
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return demoStoreWith(t, store.Options{
		Now:   func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) },
		NewID: func() string { return fmt.Sprintf("id%08d", ids.Add(1)) },
	})
}

// An organization's create batched (roles, permissions, versions in multi-row statements)
// stores exactly the records, versions included, that inserting them row by row stores.
func TestOrganizationCreateBatchedStoresAsRowByRow(t *testing.T) {
	ctx := context.Background()
	dumps := make([]store.Snapshot, 2)
	for i, rowByRow := range []bool{false, true} {
		st := countingStore(t)
		store.SetRowByRow(st, rowByRow)
		actor, err := st.Get(ctx, st.Registry().Lookup("users"), "usrDemoOwn")
		if err != nil {
			t.Fatal(err)
		}
		org, err := domain.New(st.As(domain.UserScope(actor.ID()))).Create(ctx, st.Registry().Lookup("organizations"),
			domain.Input{Attrs: map[string]any{"name": "Batch & Co"}}, actor)
		if err != nil {
			t.Fatal(err)
		}
		if dumps[i], err = st.Dump(ctx); err != nil {
			t.Fatal(err)
		}
		perms, err := st.Count(ctx, st.Registry().Lookup("permissions"), store.Cond{Column: "organization_id", Value: org.ID()})
		if err != nil {
			t.Fatal(err)
		}
		versions, err := st.Count(ctx, st.Registry().Lookup("versions"), store.Cond{Column: "organization_id", Value: org.ID()})
		if err != nil {
			t.Fatal(err)
		}
		// 2 roles, a permission of each on every base subject, the owner's membership, and
		// a version of each (organizations have none).
		if want := 2 * len(models.BaseSubjects); perms != int64(want) || versions != int64(want+3) {
			t.Fatalf("row by row %t: %d permissions, %d versions, want %d and %d", rowByRow, perms, versions, want, want+3)
		}
	}
	for typ, recs := range dumps[0] {
		other := dumps[1][typ]
		if len(recs) != len(other) {
			t.Errorf("%s: %d records batched, %d row by row", typ, len(recs), len(other))
			continue
		}
		for i := range recs {
			if !reflect.DeepEqual(recs[i], other[i]) {
				t.Errorf("%s %d:\nbatched     %v\nrow by row  %v", typ, i, recs[i], other[i])
			}
		}
	}
}

// Every record an organization's create makes in batches has the version a single create
// writes: its rendered attributes and links as stored, each from null, by the creating user.
func TestOrganizationCreateVersionsShowRecordsAsStored(t *testing.T) {
	ctx := context.Background()
	st := countingStore(t)
	reg := st.Registry()
	actor, err := st.Get(ctx, reg.Lookup("users"), "usrDemoOwn")
	if err != nil {
		t.Fatal(err)
	}
	org, err := domain.New(st.As(domain.UserScope(actor.ID()))).Create(ctx, reg.Lookup("organizations"),
		domain.Input{Attrs: map[string]any{"name": "Versions Co"}}, actor)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := st.GetMany(ctx, reg.Lookup("versions"), "organization_id", []string{org.ID()})
	if err != nil {
		t.Fatal(err)
	}
	byResource := map[string]store.Record{}
	for _, v := range versions {
		byResource[v.String("resource_id")] = v
	}
	whom, _ := json.Marshal(map[string]any{"user": map[string]any{
		"id": actor.ID(), "email": actor["email"], "first_name": actor["first_name"], "last_name": actor["last_name"]}})
	checked := 0
	for _, typ := range []string{"roles", "permissions", "memberships"} {
		def := reg.Lookup(typ)
		recs, err := st.GetMany(ctx, def, "organization_id", []string{org.ID()})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			changes := map[string][2]any{}
			for _, a := range def.Attrs {
				if a.Rendered() && a.Name != "created_at" && a.Name != "updated_at" && rec[a.Name] != nil {
					changes[a.Name] = [2]any{nil, rec[a.Name]}
				}
			}
			for _, rel := range def.Rels {
				if !rel.ToMany && rec[rel.FK] != nil {
					changes[rel.FK] = [2]any{nil, rec[rel.FK]}
				}
			}
			want, _ := json.Marshal(changes)
			v := byResource[rec.ID()]
			if v == nil {
				t.Errorf("%s %s has no version", typ, rec.ID())
				continue
			}
			checked++
			if got := v["changes"].(json.RawMessage); string(got) != string(want) || v["resource_type"] != typ || v["event"] != "create" ||
				string(v["who"].(json.RawMessage)) != string(whom) {
				t.Errorf("%s %s: version %v, want changes %s by %s", typ, rec.ID(), v, want, whom)
			}
		}
	}
	if want := 2 + 2*len(models.BaseSubjects) + 1; checked != want || len(versions) != want {
		t.Errorf("%d records checked of %d versions, want %d", checked, len(versions), want)
	}
}

// The store writes a time as time.Format would, whatever the time.
func TestFormatTimeIsFormat(t *testing.T) {
	times := []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 3, 4, 5, 6, 7, 8e6, time.UTC), time.Date(2026, 7, 8, 9, 10, 11, 12345678, time.FixedZone("x", 3600)),
		time.Now(), time.Now().UTC(), time.Now().UTC().Truncate(time.Millisecond),
	}
	for i := 0; i < 1000; i++ {
		times = append(times, time.Unix(int64(i)*7919*86400+int64(i)*3571, int64(i)*999331).UTC())
	}
	for _, at := range times {
		for _, layout := range []string{store.TimeFormat, time.RFC3339Nano} {
			if got, want := store.FormatTime(at, layout), at.Format(layout); got != want {
				t.Errorf("FormatTime(%v, %q) = %s, want %s", at, layout, got, want)
			}
		}
	}
}
