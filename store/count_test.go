package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// A count by complement must be the count of the records the user sees, whatever lies
// around the allowed values in the index: other organizations before, between and after
// them, values that name no organization, repeated values.
func TestCountVisibleByComplement(t *testing.T) {
	reg := models.Provisioning()
	st, err := Open(Memory, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	orgs, creds := reg.Lookup("organizations"), reg.Lookup("api_credentials")
	perOrg := map[string]int{"orgA": 3, "orgB": 2, "orgC": 4, "orgD": 1}
	for org, n := range perOrg {
		if _, err := st.Insert(ctx, orgs, Record{"id": org, "name": org, "slug": org}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if _, err := st.Insert(ctx, creds, Record{"id": fmt.Sprintf("%s%d", org, i), "name": "x", "kind": "webapp", "organization_id": org}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A record of no organization is seen by nobody.
	if _, err := st.Insert(ctx, creds, Record{"id": "orphan", "name": "x", "kind": "webapp"}); err != nil {
		t.Fatal(err)
	}
	defer func(cap int) { complementCap = cap }(complementCap)
	for _, tc := range []struct {
		allowed []string
		cap     int
		want    int64
		byComp  bool
	}{
		{[]string{"orgA", "orgB", "orgC", "orgD"}, 1000, 10, true},
		{[]string{"orgC", "orgA", "orgC"}, 1000, 7, true},
		{[]string{"orgB", "orgZ"}, 1000, 2, true},
		{[]string{"orgD"}, 1000, 1, true},
		{[]string{"nowhere"}, 1000, 0, true},
		{[]string{"orgA", "orgC"}, 4, 7, false}, // orgB, orgD and the orphan: 4, counted the usual way
		{[]string{"orgA", "orgC"}, 5, 7, true},
	} {
		complementCap = tc.cap
		allowed := tc.allowed
		scoped := st.As(&Scope{Actor: "usr", Allowed: func(context.Context, *Store) (Allowed, error) {
			return Allowed{models.OrgDimension: allowed}, nil
		}})
		n, ok, err := scoped.countVisible(ctx, creds, ListQuery{})
		tc.byComp = tc.byComp && st.dialect.countsByComplement() // not PostgreSQL's
		if err != nil || ok != tc.byComp || (ok && n != tc.want) {
			t.Errorf("%v, cap %d: countVisible = %d, %v, %v; want %d, %v", tc.allowed, tc.cap, n, ok, err, tc.want, tc.byComp)
		}
		if _, total, err := scoped.List(ctx, creds, ListQuery{Limit: 1}); err != nil || total != tc.want {
			t.Errorf("%v, cap %d: List total = %d, %v; want %d", tc.allowed, tc.cap, total, err, tc.want)
		}
	}
	// Any other condition is counted the usual way, as is an unscoped count.
	p, err := query.Parse(reg, creds, map[string][]string{"filter[q][kind_eq]": {"webapp"}}, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scoped := st.As(&Scope{Actor: "usr", Allowed: func(context.Context, *Store) (Allowed, error) {
		return Allowed{models.OrgDimension: {"orgA"}}, nil
	}})
	for name, q := range map[string]ListQuery{"a filter": {Filters: p.Filters}, "a condition": {Where: []Cond{{Column: "kind", Value: "webapp"}}}} {
		if _, ok, err := scoped.countVisible(ctx, creds, q); ok || err != nil {
			t.Errorf("with %s: counted by complement (%v)", name, err)
		}
	}
	if _, ok, err := st.countVisible(ctx, creds, ListQuery{}); ok || err != nil {
		t.Errorf("unscoped: counted by complement (%v)", err)
	}
}
