package handlers_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSuiteCycle is the request cycle of a client's test suite, four clients at once:
// create a role, retrieve its organization, list credentials with their role, update the
// role, list its versions. The writes touch roles and versions only, so what the cache can
// keep across them (the organization, the token's user, who may see what) shows here.
func BenchmarkSuiteCycle(b *testing.B) {
	s := mustDemoWith30Credentials(b)
	auth := map[string]string{"Authorization": "Bearer " + s.tokenFor(b, demoOwner)}
	var n atomic.Int64
	cycle := func(tb testing.TB) bool {
		name := fmt.Sprintf("Cycle role %d", n.Add(1))
		created := s.do(tb, request{method: http.MethodPost, path: "/api/roles", headers: auth,
			body: `{"data":{"type":"roles","attributes":{"name":"` + name + `"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`})
		if created.Code != http.StatusCreated {
			tb.Errorf("create: %d %s", created.Code, created.Body.String())
			return false
		}
		id := decode(tb, created)["data"].(map[string]any)["id"].(string)
		for _, r := range []request{
			{path: "/api/organizations/orgBlueBrd", headers: auth},
			{path: "/api/api_credentials?include=role&page[size]=25", headers: auth},
			{method: http.MethodPatch, path: "/api/roles/" + id, headers: auth,
				body: `{"data":{"type":"roles","id":"` + id + `","attributes":{"name":"` + name + ` renamed"}}}`},
			{path: "/api/roles/" + id + "/versions", headers: auth},
		} {
			if rec := s.do(tb, r); rec.Code != http.StatusOK {
				tb.Errorf("%s %s: %d %s", r.method, r.path, rec.Code, rec.Body.String())
				return false
			}
		}
		return true
	}
	if !cycle(b) {
		return
	}
	const clients = 4
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 && cycle(b) {
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
}
