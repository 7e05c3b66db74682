package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
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
// journal that masked every answer on the request's path made a list 60 times slower):
// "bare" is the same request to the family alone on its front door, over the same data.
// cpu-ns/op is the process's CPU time per request, which other work on a shared machine
// disturbs less than the time per request.
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
	st, tokens := demoStore(b)
	user, err := domain.UserByCredentials(ctx, st, "demo-client-id", "demo-client-secret")
	if err != nil {
		b.Fatal(err)
	}
	bareTok, err := tokens.Issue(user.ID(), "demo-client-id")
	if err != nil {
		b.Fatal(err)
	}
	bare := handlers.NewServer(st, handlers.Config{Tokens: tokens})
	headers := func(tok string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + tok, "Accept": "application/vnd.api+json"}
	}
	for _, bc := range []struct{ name, path string }{
		{"retrieve", "/api/organizations/orgBlueBrd"},
		{"list with include", "/api/api_credentials?include=organization,role&page%5Bsize%5D=25"},
	} {
		b.Run(bc.name, func(b *testing.B) { benchGET(b, m.Handler(), bc.path, headers(tok)) })
		b.Run(bc.name+" bare", func(b *testing.B) { benchGET(b, bare, bc.path, headers(bareTok.AccessToken)) })
	}
}

// BenchmarkAdobeCachedReadsThroughEveryLayer is the Adobe family's twin: cached documents
// of the credentials API through the front door, the journal, faults, rate limits and the
// gateway's header checks, and, "bare", through the family alone.
func BenchmarkAdobeCachedReadsThroughEveryLayer(b *testing.B) {
	ctx := context.Background()
	m, err := mock.New(ctx, mock.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	const clientID, secret = "demo-adobe-client-id", "demo-adobe-client-secret"
	tok, err := m.IMSToken(ctx, clientID, secret)
	if err != nil {
		b.Fatal(err)
	}
	st, tokens := demoStore(b)
	in, err := domain.IntegrationByCredentials(ctx, st, clientID, secret)
	if err != nil {
		b.Fatal(err)
	}
	bareTok, err := tokens.IssueIMS(clientID, in.String("technical_account_id"), in.String("ims_org"), "openid,AdobeID", auth.DefaultIMSTTL)
	if err != nil {
		b.Fatal(err)
	}
	bare := handlers.NewAdobeServer(st, handlers.Config{Tokens: tokens})
	headers := func(tok string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + tok, "x-api-key": clientID,
			"x-gw-ims-org-id": "DEMO1234567890ABCDEF0123@AdobeOrg"}
	}
	const credentialsPath = "/data/core/activation/authoring/credentials"
	for _, bc := range []struct{ name, path string }{
		{"retrieve", credentialsPath + "/3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f"},
		{"list", credentialsPath},
	} {
		b.Run(bc.name, func(b *testing.B) { benchGET(b, m.Handler(), bc.path, headers(tok)) })
		b.Run(bc.name+" bare", func(b *testing.B) { benchGET(b, bare, bc.path, headers(bareTok.AccessToken)) })
	}
}

// demoStore is a store of its own with the demo data, and a token issuer, for a family served
// without the mock's layers.
func demoStore(b *testing.B) (*store.Store, *auth.Issuer) {
	ctx := context.Background()
	st, err := store.Open("", models.All(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ds, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo(), st.Registry())
	if err == nil {
		err = ds.Load(ctx, st)
	}
	if err != nil {
		b.Fatal(err)
	}
	return st, auth.NewIssuer(auth.Options{})
}

// benchGET measures GETs of the path, each a new request as a client sends it, reporting the
// process's CPU time per request besides.
func benchGET(b *testing.B, h http.Handler, path string, headers map[string]string) {
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process used so far, in nanoseconds.
func cpuTime() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}
