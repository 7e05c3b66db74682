package store_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// TestFiltersThroughRelatedRecordsFindTheSameWhateverHowMany: a filter on a related record's
// attribute reads the related ids first and binds them when they are few, and selects them in
// the list's statement when they are many; both find exactly the records whose related record
// matches and the user may see, and none when no related record matches.
func TestFiltersThroughRelatedRecordsFindTheSameWhateverHowMany(t *testing.T) {
	ctx := context.Background()
	reg := models.Provisioning()
	st := mustEmptyStore(t, reg)
	orgs, creds := reg.Lookup("organizations"), reg.Lookup("api_credentials")
	const n = 100 // more organizations than the ids a filter binds
	var visible []string
	for i := range n {
		org := fmt.Sprintf("org%03d", i)
		if _, err := st.Insert(ctx, orgs, store.Record{"id": org, "name": fmt.Sprintf("Shop %03d", i), "slug": fmt.Sprintf("shop-%03d", i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Insert(ctx, creds, store.Record{"id": fmt.Sprintf("cred%03d", i), "name": "app", "kind": "webapp", "organization_id": org}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			visible = append(visible, org)
		}
	}
	scoped := st.As(&store.Scope{Actor: "usr", Allowed: func(context.Context, *store.Store) (store.Allowed, error) {
		return store.Allowed{models.OrgDimension: visible, models.UserDimension: {"usr"}}, nil
	}})
	list := func(t *testing.T, s *store.Store, filter string) []string {
		t.Helper()
		values, err := url.ParseQuery(filter)
		if err != nil {
			t.Fatal(err)
		}
		p, err := query.Parse(reg, creds, values, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		recs, total, err := s.List(ctx, creds, store.ListQuery{Filters: p.Filters})
		if err != nil {
			t.Fatal(err)
		}
		if int(total) != len(recs) {
			t.Fatalf("%s: total %d, %d records", filter, total, len(recs))
		}
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID())
		}
		sort.Strings(ids)
		return ids
	}
	want := func(match func(i int) bool, visibleOnly bool) []string {
		var ids []string
		for i := range n {
			if match(i) && (!visibleOnly || i%2 == 0) {
				ids = append(ids, fmt.Sprintf("cred%03d", i))
			}
		}
		return ids
	}
	for _, tc := range []struct {
		name, filter string
		match        func(i int) bool
	}{
		{"one organization (ids bound)", "filter[q][organization_slug_eq]=shop-042", func(i int) bool { return i == 42 }},
		{"a few (ids bound)", "filter[q][organization_name_start]=Shop 01", func(i int) bool { return i >= 10 && i < 20 }},
		{"many (selected in the statement)", "filter[q][organization_name_start]=Shop", func(int) bool { return true }},
		{"none", "filter[q][organization_slug_eq]=nowhere", func(int) bool { return false }},
		{"null or one", "filter[q][organization_slug_null]=true", func(int) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, w := list(t, st.Unscoped(), tc.filter), want(tc.match, false); !slices.Equal(got, w) {
				t.Errorf("unscoped: %v, want %v", got, w)
			}
			if got, w := list(t, scoped, tc.filter), want(tc.match, true); !slices.Equal(got, w) {
				t.Errorf("scoped: %v, want %v", got, w)
			}
		})
	}
}
