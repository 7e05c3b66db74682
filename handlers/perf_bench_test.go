package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// uniqueRequests numbers benchUniqueGET's requests across runs, so that no URL comes twice.
var uniqueRequests atomic.Int64

// benchUniqueGET measures a GET that the response cache cannot answer because its URL is
// new each time: a no-op filter (id_not_eq a value no id has) with the request's number.
// Unlike benchGET's uncached variant it stops no timer, so what the request itself costs,
// the document's rendering above all, is what is measured.
func benchUniqueGET(b *testing.B, s *testServer, path string) {
	r := request{headers: map[string]string{"Authorization": "Bearer " + s.tokenFor(b, demoOwner)}}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	r.path = path + sep + "filter[q][id_not_eq]=warmup"
	mustStatus(b, s.do(b, r), http.StatusOK)
	// CPU time too: on a machine shared with other work, it varies less than the wall time.
	cpu := startCPU(b)
	for i := 0; i < b.N; i++ {
		r.path = path + sep + "filter[q][id_not_eq]=bench" + strconv.FormatInt(uniqueRequests.Add(1), 10)
		if rec := s.do(b, r); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
}

// BenchmarkRetrieve: GET /api/organizations/{id}.
func BenchmarkRetrieve(b *testing.B) {
	s := mustServer(b)
	b.Run("cached", func(b *testing.B) { benchGET(b, s, "/api/organizations/orgBlueBrd", true) })
	b.Run("uncached", func(b *testing.B) { benchGET(b, s, "/api/organizations/orgBlueBrd", false) })
	b.Run("unique", func(b *testing.B) { benchUniqueGET(b, s, "/api/organizations/orgBlueBrd") })
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
	b.Run("unique", func(b *testing.B) { benchUniqueGET(b, s, path) })
}

// BenchmarkManyClients: unique GETs (benchUniqueGET's) from 32 concurrent clients, as make
// load's wrk sends them, with the pool's one SQLite connection handed on as it is released
// (the store's handOff) and without, side by side: without, the connection sits idle while
// the goroutine that released it renders its answer, and the other clients queue for it.
func BenchmarkManyClients(b *testing.B) {
	s := mustDemoWith30Credentials(b)
	token := s.tokenFor(b, demoOwner)
	paths := []struct{ name, path string }{
		{"retrieve", "/api/organizations/orgBlueBrd?"},
		{"list25include", "/api/api_credentials?include=organization,role&page[size]=25&"},
	}
	for _, p := range paths {
		for _, handOff := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/handoff=%t", p.name, handOff), func(b *testing.B) {
				defer s.st.SetHandOff(handOff)()
				b.SetParallelism(16) // 16 a core: 32 clients on this machine's 2
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					r := request{headers: map[string]string{"Authorization": "Bearer " + token}}
					for pb.Next() {
						r.path = p.path + "filter[q][id_not_eq]=many" + strconv.FormatInt(uniqueRequests.Add(1), 10)
						if rec := s.do(b, r); rec.Code != http.StatusOK {
							b.Errorf("status %d", rec.Code)
							return
						}
					}
				})
			})
		}
	}
}

// benchRoleCreate is the request of a new custom role of The Blue Brand named after n, with the
// token given (a client reuses its token: issuing one signs it, which costs more than the
// create).
func benchRoleCreate(token string, n int64) request {
	return request{method: http.MethodPost, path: "/api/roles", headers: map[string]string{"Authorization": "Bearer " + token},
		body: fmt.Sprintf(`{"data":{"type":"roles","attributes":{"name":"Role %d"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`, n)}
}

// BenchmarkCreate: POST /api/roles (a versioned type: the create writes a version too).
func BenchmarkCreate(b *testing.B) {
	s := mustServer(b)
	token := s.tokenFor(b, demoOwner)
	cpu := startCPU(b)
	for i := 0; i < b.N; i++ {
		if rec := s.do(b, benchRoleCreate(token, int64(i))); rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
}

// reportCPU adds the process's CPU time per operation since start (see processCPU) to the
// benchmark's metrics, as cpu-ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if now, ok := processCPU(); ok && b.N > 0 {
		b.ReportMetric(float64(now-start)/float64(b.N), "cpu-ns/op")
	}
}

// startCPU resets the benchmark's timer and returns the process's CPU time, for reportCPU.
func startCPU(b *testing.B) time.Duration {
	b.ReportAllocs()
	b.ResetTimer()
	cpu, _ := processCPU()
	return cpu
}

// createClients is how many clients BenchmarkCreateParallel runs at once.
const createClients = 4

// BenchmarkCreateParallel: POST /api/roles from createClients clients at once, whatever
// GOMAXPROCS is; creates/s is the throughput of them all.
func BenchmarkCreateParallel(b *testing.B) {
	s := mustServer(b)
	token := s.tokenFor(b, demoOwner)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	cpu := startCPU(b)
	start := time.Now()
	for c := 0; c < createClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
				// s.do's tb.Helper and tb.Fatal are for the benchmark's goroutine: a failure
				// is kept and reported there.
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, newRequest(benchRoleCreate(token, n)))
				if rec.Code != http.StatusCreated {
					failed.CompareAndSwap(nil, fmt.Sprintf("status %d: %s", rec.Code, rec.Body.String()))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
	reportCPU(b, cpu)
}

// orgsPerOwner is how many organizations each owner of BenchmarkCreateOrganization creates
// before a new user takes over: every organization stores its owner's total, so an owner of
// thousands (what b.N alone would make) is not the create the benchmark measures.
const orgsPerOwner = 10

// BenchmarkCreateOrganization creates organizations: each with its admin and read_only
// roles, a permission of each on every base subject, and a version of every record. Every
// orgsPerOwner creates, a new user (made outside the timer) becomes the creator.
func BenchmarkCreateOrganization(b *testing.B) {
	s := mustServer(b)
	ctx := context.Background()
	users := s.st.Registry().Lookup("users")
	token := s.tokenFor(b, demoOwner)
	var owners int
	cpu := startCPU(b)
	var setUp time.Duration // CPU spent making owners, not organizations
	for i := 0; i < b.N; i++ {
		if i > 0 && i%orgsPerOwner == 0 {
			b.StopTimer()
			before, _ := processCPU()
			owners++
			user, err := s.st.Insert(ctx, users, store.Record{
				"email": fmt.Sprintf("bench-owner-%d@example.com", owners), "first_name": "Bench", "last_name": strconv.Itoa(owners),
			})
			if err != nil {
				b.Fatal(err)
			}
			token = s.tokenFor(b, user.ID())
			after, _ := processCPU()
			setUp += after - before
			b.StartTimer()
		}
		rec := s.do(b, request{method: http.MethodPost, path: "/api/organizations", headers: map[string]string{"Authorization": "Bearer " + token},
			body: fmt.Sprintf(`{"data":{"type":"organizations","attributes":{"name":"Bench %d"}}}`, i)})
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	reportCPU(b, cpu+setUp)
}
