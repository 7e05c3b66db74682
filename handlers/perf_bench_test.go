package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/commercelayer-mock/provmock/store"
)

// mustDemoWith30Credentials is the demo data plus 30 api_credentials of The Blue Brand with
// a role, so that a page of 25 with include=organization,role is full.
func mustDemoWith30Credentials(b *testing.B) *testServer {
	b.Helper()
	s := mustServer(b)
	ctx := context.Background()
	creds := s.st.Registry().Lookup("api_credentials")
	err := s.st.Tx(ctx, func(tx *store.Store) error {
		for i := 0; i < 30; i++ {
			_, err := tx.Insert(ctx, creds, store.Record{
				"name": fmt.Sprintf("Bench app %02d", i), "kind": "integration", "confidential": true,
				"client_id": fmt.Sprintf("bench-client-%02d", i), "client_secret": "s", "expires_in": int64(7200),
				"organization_id": "orgBlueBrd", "role_id": "rolBBAdmin",
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchGET measures a GET through the router with a bearer token. Uncached, every table's
// generation moves (outside the timer) before each request, so that the response cache
// cannot answer and the request is served from the database.
func benchGET(b *testing.B, s *testServer, path string, cached bool) {
	// One token for the whole run, as a client reuses its token.
	r := request{path: path, headers: map[string]string{"Authorization": "Bearer " + s.tokenFor(b, demoOwner)}}
	rec := s.do(b, r)
	mustStatus(b, rec, http.StatusOK)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !cached {
			b.StopTimer()
			s.st.MoveGenerations() // as a write of every table would
			b.StartTimer()
		}
		if rec := s.do(b, r); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkRetrieve: GET /api/organizations/{id}.
func BenchmarkRetrieve(b *testing.B) {
	s := mustServer(b)
	b.Run("cached", func(b *testing.B) { benchGET(b, s, "/api/organizations/orgBlueBrd", true) })
	b.Run("uncached", func(b *testing.B) { benchGET(b, s, "/api/organizations/orgBlueBrd", false) })
}

// BenchmarkListInclude25: a page of 25 api_credentials with their organization and role.
func BenchmarkListInclude25(b *testing.B) {
	s := mustDemoWith30Credentials(b)
	const path = "/api/api_credentials?include=organization,role&page[size]=25"
	if n := len(ids(b, s.get(b, path))); n != 25 {
		b.Fatalf("page has %d records, want 25", n)
	}
	b.Run("cached", func(b *testing.B) { benchGET(b, s, path, true) })
	b.Run("uncached", func(b *testing.B) { benchGET(b, s, path, false) })
}

// BenchmarkCreate: POST /api/roles (a versioned type: the create writes a version too).
func BenchmarkCreate(b *testing.B) {
	s := mustServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := s.do(b, request{method: http.MethodPost, path: "/api/roles",
			body: fmt.Sprintf(`{"data":{"type":"roles","attributes":{"name":"Role %d"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`, i)})
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkCreateOrganization creates organizations: each with its admin and read_only
// roles, a permission of each on every base subject, and a version of every record.
func BenchmarkCreateOrganization(b *testing.B) {
	s := mustServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := s.do(b, request{method: http.MethodPost, path: "/api/organizations",
			body: fmt.Sprintf(`{"data":{"type":"organizations","attributes":{"name":"Bench %d"}}}`, i)})
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}
