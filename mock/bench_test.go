package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/mock"
)

// BenchmarkNew measures an in-process start with the demo data: from the image a first
// start left in memory, and from the fixtures (parse, schema, inserts, image), as a
// process's first start does. A new process's start adds its first touches of memory and
// code: see load/run.sh for that.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	key := imagecache.Key(fixtures.Demo())
	for _, bc := range []struct {
		name  string
		image bool
	}{{"from the image", true}, {"from the fixtures", false}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !bc.image {
					imagecache.Remove("", key)
				}
				m, err := mock.New(ctx, mock.Options{})
				if err != nil {
					b.Fatal(err)
				}
				m.Close()
			}
		})
	}
}

// BenchmarkCachedReadsThroughEveryLayer serves cached documents through the whole mock: the
// front door, the journal (which keeps each answer), faults, rate limits and the family's
// guard. The handlers' own benchmarks skip those layers; this one shows what they cost (a
// journal that masked every answer on the request's path made a list 60 times slower).
func BenchmarkCachedReadsThroughEveryLayer(b *testing.B) {
	ctx := context.Background()
	m, err := mock.New(ctx, mock.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	tok, err := m.Token(ctx, "demo-client-id", "demo-client-secret")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"retrieve", "/api/organizations/orgBlueBrd"},
		{"list with include", "/api/api_credentials?include=organization,role&page%5Bsize%5D=25"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest(http.MethodGet, bc.path, nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Accept", "application/vnd.api+json")
				rec := httptest.NewRecorder()
				m.Handler().ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", bc.path, rec.Code, rec.Body)
				}
			}
		})
	}
}
