package store_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

func mustDemoStore(tb testing.TB) *store.Store {
	tb.Helper()
	return demoStoreWith(tb, store.Options{})
}

// mustEmptyStore opens an in-memory store of reg's types, empty, and closes it when the test
// ends.
func mustEmptyStore(tb testing.TB, reg *models.Registry) *store.Store {
	tb.Helper()
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// demoStoreWith opens an in-memory store of every family's types with opts, loaded with the
// demo data, and closes it when the test ends.
func demoStoreWith(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	reg := models.All()
	st, err := store.Open(store.Memory, reg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ds, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo(), reg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ds.Load(context.Background(), st); err != nil {
		tb.Fatal(err)
	}
	return st
}

func visibleIDs(t *testing.T, st *store.Store, typ string) []string {
	t.Helper()
	recs, total, err := st.List(context.Background(), st.Registry().Lookup(typ), store.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != len(recs) {
		t.Fatalf("%s: total %d, %d records", typ, total, len(recs))
	}
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID())
	}
	sort.Strings(out)
	return out
}

func TestScopeLimitsWhatAUserSees(t *testing.T) {
	st := mustDemoStore(t)
	viewer := st.As(domain.UserScope("usrViewer1"))
	owner := st.As(domain.UserScope("usrDemoOwn"))
	stranger := st.As(domain.UserScope("nobody"))
	cases := []struct {
		typ                    string
		viewer, owner, strange []string
	}{
		{"organizations", []string{"orgBlueBrd"}, []string{"orgBlueBrd", "orgGreenGr"}, []string{}},
		{"roles", []string{"rolBBAdmin", "rolBBMktEd", "rolBBReadO"}, []string{"rolBBAdmin", "rolBBMktEd", "rolBBReadO", "rolGGAdmin", "rolGGReadO"}, []string{}},
		{"identity_providers", []string{}, []string{"idpBBOkta1", "idpGGAuth0"}, []string{}},
		{"users", []string{"usrViewer1"}, []string{"usrDemoOwn"}, []string{}},
		{"versions", []string{"verMemJm01", "verMemVw01", "verPrmMk01", "verRolMk01", "verRolMk02"}, []string{"verMemJm01", "verMemVw01", "verPrmMk01", "verRolMk01", "verRolMk02"}, []string{}},
		{"api_credentials", []string{"apcBBDashb", "apcBBErpIn", "apcBBOrdAp", "apcBBStore"}, []string{"apcBBDashb", "apcBBErpIn", "apcBBOrdAp", "apcBBStore", "apcGGInteg", "apcGGStore"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			if got := visibleIDs(t, viewer, c.typ); !reflect.DeepEqual(got, c.viewer) {
				t.Errorf("viewer sees %v, want %v", got, c.viewer)
			}
			if got := visibleIDs(t, owner, c.typ); !reflect.DeepEqual(got, c.owner) {
				t.Errorf("owner sees %v, want %v", got, c.owner)
			}
			if got := visibleIDs(t, stranger, c.typ); !reflect.DeepEqual(got, c.strange) {
				t.Errorf("stranger sees %v, want %v", got, c.strange)
			}
		})
	}
}

func TestScopedWritesMissInvisibleRecords(t *testing.T) {
	st := mustDemoStore(t)
	ctx := context.Background()
	viewer := st.As(domain.UserScope("usrViewer1"))
	creds := st.Registry().Lookup("api_credentials")
	if _, err := viewer.Update(ctx, creds, "apcGGStore", store.Record{"name": "hijacked"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of an invisible record: %v, want ErrNotFound", err)
	}
	if err := viewer.Delete(ctx, creds, "apcGGStore"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete of an invisible record: %v, want ErrNotFound", err)
	}
	rec, err := st.Get(ctx, creds, "apcGGStore")
	if err != nil || rec["name"] != "Green Grocer storefront" {
		t.Fatalf("record changed: %v %v", rec, err)
	}
	if err := viewer.Delete(ctx, creds, "apcBBStore"); err != nil {
		t.Fatalf("delete of a visible record: %v", err)
	}
	if _, err := st.Get(ctx, creds, "apcBBStore"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted record still there: %v", err)
	}
}

// requestContext is what a request's reads run with: on a shared database, the generations
// ReadShared read.
func requestContext(t *testing.T, st *store.Store) context.Context {
	t.Helper()
	ctx, _, err := st.ReadShared(context.Background())
	if errors.Is(err, store.ErrNotShared) {
		return context.Background()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// countingScope is UserScope for the user, counting the times its Allowed is computed.
func countingScope(userID string, calls *int) *store.Scope {
	inner := domain.UserScope(userID)
	return &store.Scope{Actor: inner.Actor, Key: inner.Key, Allowed: func(ctx context.Context, all *store.Store) (store.Allowed, error) {
		*calls++
		return inner.Allowed(ctx, all)
	}}
}

func TestScopeSharedAcrossHandlesUntilItsTablesMove(t *testing.T) {
	st := mustDemoStore(t)
	orgs := st.Registry().Lookup("organizations")
	calls := 0
	list := func() []string {
		t.Helper()
		recs, _, err := st.As(countingScope("usrViewer1", &calls)).List(requestContext(t, st), orgs, store.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, r := range recs {
			ids = append(ids, r.ID())
		}
		return ids
	}
	if got := list(); !reflect.DeepEqual(got, []string{"orgBlueBrd"}) || calls != 1 {
		t.Fatalf("first handle: %v, %d computations", got, calls)
	}
	if got := list(); !reflect.DeepEqual(got, []string{"orgBlueBrd"}) || calls != 1 {
		t.Fatalf("second handle: %v, %d computations, want the first's", got, calls)
	}
	// A write of a table the scope did not read keeps it.
	if _, err := st.Update(context.Background(), st.Registry().Lookup("api_credentials"), "apcBBStore", store.Record{"name": "renamed"}); err != nil {
		t.Fatal(err)
	}
	if list(); calls != 1 {
		t.Fatalf("%d computations after a write of another table", calls)
	}
	// The viewer's membership revoked: the very next handle sees it.
	if _, err := st.Update(context.Background(), st.Registry().Lookup("memberships"), "memBBViewr", store.Record{"status": "pending"}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 0 || calls != 2 {
		t.Fatalf("after the membership was revoked: %v, %d computations", got, calls)
	}
	// Inside a transaction, the scope is computed there, as the transaction sees it.
	err := st.Tx(context.Background(), func(tx *store.Store) error {
		if _, err := tx.Update(context.Background(), st.Registry().Lookup("memberships"), "memBBViewr", store.Record{"status": "active"}); err != nil {
			return err
		}
		recs, _, err := tx.As(countingScope("usrViewer1", &calls)).List(context.Background(), orgs, store.ListQuery{})
		if err != nil {
			return err
		}
		if len(recs) != 1 || calls != 3 {
			t.Errorf("in the transaction: %d organizations, %d computations", len(recs), calls)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(); !reflect.DeepEqual(got, []string{"orgBlueBrd"}) || calls != 4 {
		t.Fatalf("after the transaction: %v, %d computations", got, calls)
	}
}
