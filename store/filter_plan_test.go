package store

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// capturedSQL records the SELECT statements a store runs.
type capturedSQL struct {
	stmts []sqlStmt
}

type sqlStmt struct {
	sql  string
	vars []any
}

func captureSQL(t *testing.T, s *Store) *capturedSQL {
	t.Helper()
	c := &capturedSQL{}
	record := func(db *gorm.DB) {
		if sql := db.Statement.SQL.String(); strings.HasPrefix(sql, "SELECT") {
			c.stmts = append(c.stmts, sqlStmt{sql, append([]any(nil), db.Statement.Vars...)})
		}
	}
	if err := s.db.Callback().Query().After("gorm:query").Register("test:capture_query", record); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Callback().Row().After("gorm:row").Register("test:capture_row", record); err != nil {
		t.Fatal(err)
	}
	// The statements the store runs itself (List's count and page).
	observe := func(q string, args []any) {
		if strings.HasPrefix(q, "SELECT") {
			c.stmts = append(c.stmts, sqlStmt{q, append([]any(nil), args...)})
		}
	}
	s.observer.fn.Store(&observe)
	t.Cleanup(func() { s.observer.fn.Store(nil) })
	return c
}

func explainPlan(t *testing.T, s *Store, stmt sqlStmt) string {
	t.Helper()
	rows, err := s.db.Session(&gorm.Session{NewDB: true}).Raw("EXPLAIN QUERY PLAN "+stmt.sql, stmt.vars...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// TestFilterPlans checks with EXPLAIN QUERY PLAN that the queries List runs for filtered lists
// (count and page) reach the rows through the indexes the descriptions declare, instead of
// scanning the table, for the filters lists are usually filtered by. The plans are those of
// the SQLite that mattn/go-sqlite3 bundles, without ANALYZE statistics.
func TestFilterPlans(t *testing.T) {
	if !MemoryIsSQLite() {
		t.Skip("SQLite only: the plans are SQLite's EXPLAIN QUERY PLAN")
	}
	reg := models.Provisioning()
	st, err := Open(Memory, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// An organization with the slug the filters name, and a role of it: a filter through
	// them reads their ids first (relatedIn), and the list's statements bind them.
	ctx := context.Background()
	if _, err := st.Insert(ctx, reg.Lookup("organizations"), Record{"id": "org1", "name": "X", "slug": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Insert(ctx, reg.Lookup("roles"), Record{"id": "rol1", "name": "admin", "kind": "admin", "organization_id": "org1"}); err != nil {
		t.Fatal(err)
	}
	c := captureSQL(t, st)
	// A user in two organizations: what the Provisioning scope (domain.UserScope) computes.
	scoped := st.As(&Scope{Actor: "usr", Allowed: func(context.Context, *Store) (Allowed, error) {
		return Allowed{models.OrgDimension: {"org1", "org2"}, models.UserDimension: {"usr"}}, nil
	}})
	for _, tc := range []struct {
		name   string
		store  *Store
		typ    string
		where  []Cond
		query  string
		want   []string // in this order in the plan (a count may use the index as covering)
		reject []string
	}{
		{name: "name_eq", store: scoped, typ: "api_credentials", query: "filter[q][name_eq]=x",
			want: []string{"INDEX idx_api_credentials_name (name=?)"}},
		{name: "client_id_eq", store: scoped, typ: "api_credentials", query: "filter[q][client_id_eq]=x",
			want: []string{"INDEX idx_api_credentials_client_id (client_id=?)"}},
		// Through a scoped handle the user's organizations, bound as a short list, drive the
		// organization_id index: a few index lookups, whatever the filter.
		{name: "reference_in", store: scoped, typ: "api_credentials", query: "filter[q][reference_in]=a,b",
			want: []string{"SEARCH api_credentials USING INDEX idx_api_credentials_organization_id (organization_id=?)"}, reject: []string{"SCAN"}},
		{name: "reference_in, unscoped", store: st, typ: "api_credentials", query: "filter[q][reference_in]=a,b",
			want: []string{"INDEX idx_api_credentials_reference (reference=?)"}},
		{name: "organization_id_eq compares the foreign key", store: scoped, typ: "api_credentials", query: "filter[q][organization_id_eq]=x&filter[q][kind_eq]=webapp",
			want: []string{"SEARCH api_credentials USING INDEX idx_api_credentials_organization_id (organization_id=?)"}},
		{name: "organization_slug_eq", store: scoped, typ: "api_credentials",
			query: "filter[q][organization_slug_eq]=x&filter[q][kind_eq]=webapp&filter[q][expires_in_gt]=10000&sort=-created_at",
			want:  []string{"SEARCH api_credentials USING INDEX idx_api_credentials_organization_id (organization_id=?)"}, reject: []string{"SCAN", "LIST SUBQUERY"}},
		{name: "organization_slug_eq, unscoped", store: st, typ: "api_credentials", query: "filter[q][organization_slug_eq]=x",
			want: []string{"INDEX idx_api_credentials_organization_id (organization_id=?)"}, reject: []string{"SCAN", "LIST SUBQUERY"}},
		{name: "role_organization_slug_eq", store: scoped, typ: "api_credentials", query: "filter[q][role_organization_slug_eq]=x",
			want: []string{"SEARCH api_credentials USING INDEX"}, reject: []string{"SCAN", "LIST SUBQUERY"}},
		{name: "role_name_null keeps the index", store: scoped, typ: "api_credentials", query: "filter[q][role_name_null]=true",
			want: []string{"SEARCH roles"}, reject: []string{"SCAN api_credentials\n"}},
		{name: "relationship list with a filter", store: scoped, typ: "api_credentials", where: []Cond{{Column: "organization_id", Value: "x"}},
			query: "filter[q][name_cont]=x&filter[q][kind_eq]=webapp",
			want:  []string{"SEARCH api_credentials USING INDEX idx_api_credentials_organization_id (organization_id=?)"}},
		// A prefix reads a range of the searched attribute's NOCASE index, ASCII or not.
		{name: "name_start, unscoped", store: st, typ: "api_credentials", query: "filter[q][name_start]=Credential 0001",
			want: []string{"INDEX idx_api_credentials_name_nocase (name>? AND name<?)"}, reject: []string{"SCAN"}},
		{name: "name_start non-ASCII, unscoped", store: st, typ: "organizations", query: "filter[q][name_start]=Caffè",
			want: []string{"INDEX idx_organizations_name_nocase (name>? AND name<?)"}, reject: []string{"SCAN"}},
		{name: "created_at range, unscoped", store: st, typ: "api_credentials", query: "filter[q][created_at_gteq]=2024-01-01",
			want: []string{"INDEX idx_api_credentials_created_at (created_at>?)"}},
		{name: "memberships user_email_eq", store: scoped, typ: "memberships", query: "filter[q][user_email_eq]=x",
			want: []string{"INDEX idx_memberships_user_email (user_email=?)"}},
		{name: "versions resource_id_eq", store: st, typ: "versions", query: "filter[q][resource_id_eq]=x",
			want: []string{"INDEX idx_versions_resource_id (resource_id=?)"}},
		{name: "organizations slug_eq", store: scoped, typ: "organizations", query: "filter[q][slug_eq]=x",
			want: []string{"SEARCH organizations USING INDEX sqlite_autoindex_organizations_1 (id=?)"}, reject: []string{"SCAN"}},
		{name: "organizations slug_eq, unscoped", store: st, typ: "organizations", query: "filter[q][slug_eq]=x",
			want: []string{"INDEX idx_organizations_slug (slug=?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := reg.Lookup(tc.typ)
			values, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			p, err := query.Parse(reg, def, values, query.Options{})
			if err != nil {
				t.Fatal(err)
			}
			c.stmts = nil
			// Page 2 of one record: List runs both the count and the page query even when empty.
			if _, _, err := tc.store.List(context.Background(), def, ListQuery{Where: tc.where, Filters: p.Filters, Sort: p.Sort, Limit: 1, Offset: -1}); err != nil {
				t.Fatal(err)
			}
			if len(c.stmts) == 0 {
				t.Fatal("no statement captured")
			}
			for _, stmt := range c.stmts {
				if isSearchProbe(stmt.sql) {
					continue
				}
				plan := explainPlan(t, st, stmt) + "\n"
				want := tc.want
				if !strings.Contains(stmt.sql, "FROM "+quote(tc.typ)) {
					want = nil // a related type's ids, read first: rejected plans only
				}
				at := 0
				for _, w := range want {
					i := strings.Index(plan[at:], w)
					if i < 0 {
						t.Fatalf("plan of %s\nlacks (in order) %q:\n%s", stmt.sql, w, plan)
					}
					at += i + len(w)
				}
				for _, r := range tc.reject {
					if strings.Contains(plan, r) {
						t.Fatalf("plan of %s\nhas %q:\n%s", stmt.sql, r, plan)
					}
				}
			}
		})
	}
}

// isSearchProbe reports whether the statement is one with which List decides whether to read
// a trigram index (findDenseSubstrings), not the list's own.
func isSearchProbe(sql string) bool {
	return !strings.Contains(sql, " WHERE ") || strings.Contains(sql, " MATCH ? AND rowid <= ? LIMIT ?)")
}

// TestSortByCreationNamesItOnce checks that the default order that follows the sort keys
// does not name created_at again when they sort by it: SQLite then sorted every matching row
// instead of reading the created_at index backwards (sort=-created_at over 100,000 records:
// 30 ms instead of 0.1 ms; on an empty table, as here, the planner sorts either way).
func TestSortByCreationNamesItOnce(t *testing.T) {
	reg := models.Provisioning()
	st, err := Open(Memory, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := captureSQL(t, st)
	def := reg.Lookup("api_credentials")
	for _, sort := range []string{"created_at", "-created_at", "-updated_at,created_at"} {
		p, err := query.Parse(reg, def, url.Values{"sort": {sort}}, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.stmts = nil
		if _, _, err := st.List(context.Background(), def, ListQuery{Sort: p.Sort, Limit: 1, Offset: -1}); err != nil {
			t.Fatal(err)
		}
		var page *sqlStmt
		for i := range c.stmts {
			if strings.Contains(c.stmts[i].sql, "ORDER BY") {
				page = &c.stmts[i]
			}
		}
		if page == nil {
			t.Fatalf("sort=%s: no page query captured", sort)
		}
		_, order, _ := strings.Cut(page.sql, "ORDER BY")
		if n := strings.Count(order, `"created_at"`); n != 1 {
			t.Errorf("sort=%s: ORDER BY names created_at %d times: %s", sort, n, page.sql)
		}
	}
}
