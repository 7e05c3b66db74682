package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/store"
)

const (
	benchRows = 100_000
	benchOrgs = 20
)

var (
	benchKinds   = []string{"webapp", "integration", "sales_channel", "orders", "webapp"}
	benchExpires = []int64{7200, 9000, 14400, 20000, 100000, 31536000}
	benchWords   = []string{"storefront", "sync", "Café", "dashboard", "ERP", "CAFÉ noir", "loader"}
)

// mustBenchServer returns a server over testdata/filters.yaml plus benchOrgs organizations
// (slugs org-00, org-01, ...) owned by the dataset's user and benchRows api_credentials
// spread over them, inserted in one transaction. Kinds, expires_in and names vary independently of the organization;
// created_at is a permutation of benchRows seconds, so that no order comes for free.
func mustBenchServer(b *testing.B) *testServer {
	b.Helper()
	s := mustFiltersServer(b, handlers.Config{})
	reg := s.st.Registry()
	orgs, members, creds := reg.Lookup("organizations"), reg.Lookup("memberships"), reg.Lookup("api_credentials")
	ctx := context.Background()
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	err := s.st.Tx(ctx, func(tx *store.Store) error {
		for o := 0; o < benchOrgs; o++ {
			_, err := tx.Insert(ctx, orgs, store.Record{
				"id": fmt.Sprintf("benchOrg%02d", o), "name": fmt.Sprintf("Org %02d", o), "slug": fmt.Sprintf("org-%02d", o),
				"domain": fmt.Sprintf("org-%02d.commercelayer.io", o), "region": "eu-west-1",
				"created_at": base.Format(store.TimeFormat),
			})
			if err != nil {
				return err
			}
			// The dataset's user (whose token the requests carry) owns every organization.
			_, err = tx.Insert(ctx, members, store.Record{
				"id": fmt.Sprintf("benchMem%02d", o), "user_id": "usrFilters", "user_email": "filters@example.com", "status": "active", "owner": true,
				"access_scope": "all_access", "organization_id": fmt.Sprintf("benchOrg%02d", o), "created_at": base.Format(store.TimeFormat),
			})
			if err != nil {
				return err
			}
		}
		for i := 0; i < benchRows; i++ {
			created := base.Add(time.Duration((i*7919)%benchRows) * time.Second).Format(store.TimeFormat)
			_, err := tx.Insert(ctx, creds, store.Record{
				"id":              fmt.Sprintf("bench%05d", i),
				"name":            fmt.Sprintf("Credential %06d %s", i, benchWords[(i/11)%len(benchWords)]),
				"kind":            benchKinds[(i/3)%len(benchKinds)],
				"confidential":    i%4 != 0,
				"client_id":       fmt.Sprintf("bench-client-%06d", i),
				"scopes":          "market:all",
				"expires_in":      benchExpires[(i/7)%len(benchExpires)],
				"mode":            []string{"test", "live"}[(i/13)%2],
				"custom":          false,
				"organization_id": fmt.Sprintf("benchOrg%02d", i%benchOrgs),
				"created_at":      created,
				"updated_at":      created,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = s.st.Analyze(ctx) // as the fixtures loader does after its bulk load
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d api_credentials in %v", benchRows, time.Since(start).Round(time.Millisecond))
	return s
}

// BenchmarkFilteredList100k lists api_credentials of a 100,000-row table through the router
// with three filters and a sort, every time from the database (not from the response cache).
// The data is loaded once: sub-benchmarks share it.
//
//	go test -run='^$' -bench=FilteredList100k -benchtime=200x ./handlers/
func BenchmarkFilteredList100k(b *testing.B) {
	s := mustBenchServer(b)
	org := func(i int) bool { return i%benchOrgs == 7 }
	webapp := func(i int) bool { return benchKinds[(i/3)%len(benchKinds)] == "webapp" }
	long := func(i int) bool { return benchExpires[(i/7)%len(benchExpires)] > 10000 }
	word := func(i int) string { return benchWords[(i/11)%len(benchWords)] }
	for _, bc := range []struct {
		name  string
		query string
		match func(i int) bool // which rows the filters select
		extra int              // and how many of the dataset's
	}{
		// The dataset's own credentials count too: 8 visible, 2 of them named "Café ...".
		{"unfiltered first page", "", func(int) bool { return true }, 8},
		{"unfiltered+sort", "sort=-created_at", func(int) bool { return true }, 8},
		{"name_cont_ascii", fq("name_cont", "caf"), func(i int) bool { return word(i) == "Café" || word(i) == "CAFÉ noir" }, 2},
		{"name_cont_non_ascii", fq("name_cont", "café"), func(i int) bool { return word(i) == "Café" || word(i) == "CAFÉ noir" }, 2},
		{"name_start", fq("name_start", "credential 0001"), func(i int) bool { return i >= 100 && i < 200 }, 0},
		// A substring few records hold: what a trigram index is for.
		{"name_cont_selective", fq("name_cont", "04217"), func(i int) bool { return strings.Contains(fmt.Sprintf("%06d", i), "04217") }, 0},
		{"name_cont_selective_non_ascii", fq("name_cont", "4217 cafÉ"), func(i int) bool {
			return strings.HasSuffix(fmt.Sprintf("%06d", i), "4217") && (word(i) == "Café" || word(i) == "CAFÉ noir")
		}, 0},
		{"kind_eq+expires_in_gt+organization_slug_eq+sort",
			fq("kind_eq", "webapp", "expires_in_gt", "10000", "organization_slug_eq", "org-07") + "&sort=-created_at",
			func(i int) bool { return webapp(i) && long(i) && org(i) }, 0},
		{"kind_eq+name_cont+organization_slug_eq+sort",
			fq("kind_eq", "webapp", "name_cont", "dash", "organization_slug_eq", "org-07") + "&sort=-created_at",
			func(i int) bool { return webapp(i) && word(i) == "dashboard" && org(i) }, 0},
		{"kind_eq+expires_in_gt+name_cont_ascii+sort",
			fq("kind_eq", "webapp", "expires_in_gt", "10000", "name_cont", "caf") + "&sort=-created_at",
			func(i int) bool { return webapp(i) && long(i) && (word(i) == "Café" || word(i) == "CAFÉ noir") }, 0},
		{"kind_eq+expires_in_gt+name_cont_non_ascii+sort",
			fq("kind_eq", "webapp", "expires_in_gt", "10000", "name_cont", "café") + "&sort=-created_at",
			func(i int) bool { return webapp(i) && long(i) && (word(i) == "Café" || word(i) == "CAFÉ noir") }, 0},
	} {
		want := bc.extra
		for i := 0; i < benchRows; i++ {
			if bc.match(i) {
				want++
			}
		}
		b.Run(bc.name, func(b *testing.B) {
			path := "/api/api_credentials?page[size]=25&" + bc.query
			rec := s.get(b, path)
			mustStatus(b, rec, http.StatusOK)
			meta, _ := decode(b, rec)["meta"].(map[string]any)
			if n, _ := meta["record_count"].(float64); int(n) != want || want == 0 {
				b.Fatalf("record_count = %v, want %d (> 0)", meta["record_count"], want)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The server caches GET answers until a table they read is written: move every
				// table's generation (outside the timer) so that every request runs the query.
				b.StopTimer()
				s.st.MoveGenerations() // as a write of every table would
				b.StartTimer()
				if rec := s.get(b, path); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
