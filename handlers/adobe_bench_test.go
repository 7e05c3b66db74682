package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
)

// benchAdobeGET measures a GET of the credentials API with the gateway's headers, cached or
// not as benchGET does.
func benchAdobeGET(b *testing.B, s *adobeServer, path string, cached bool) {
	h := s.demo(b)
	if rec := s.send(b, "GET", path, "", h...); rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !cached {
			b.StopTimer()
			s.st.MoveGenerations() // as a write of every table would
			b.StartTimer()
		}
		if rec := s.send(b, "GET", path, "", h...); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// mustUncachedAdobeServer is the demo server with a response cache too small to keep any
// document. The family's cache keys ignore the query string, so a unique URL would not
// defeat it; this measures an uncached GET without stopping the timer between requests.
func mustUncachedAdobeServer(b *testing.B) *adobeServer {
	return mustAdobeServerWith(b, fixtures.Demo(), handlers.Config{CacheBytes: 1})
}

// BenchmarkAdobeRetrieve: GET /data/core/activation/authoring/credentials/{instanceId}.
func BenchmarkAdobeRetrieve(b *testing.B) {
	s := mustAdobeServer(b)
	path := credentialsPath + "/3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f"
	b.Run("cached", func(b *testing.B) { benchAdobeGET(b, s, path, true) })
	b.Run("uncached", func(b *testing.B) { benchAdobeGET(b, s, path, false) })
	b.Run("nocache", func(b *testing.B) { benchAdobeGET(b, mustUncachedAdobeServer(b), path, true) })
}

// BenchmarkAdobeList25: the list of the demo org's prod sandbox, 23 credentials added to the
// demo's 2.
func BenchmarkAdobeList25(b *testing.B) {
	s := withAdobeList25(b, mustAdobeServer(b))
	b.Run("cached", func(b *testing.B) { benchAdobeGET(b, s, credentialsPath, true) })
	b.Run("uncached", func(b *testing.B) { benchAdobeGET(b, s, credentialsPath, false) })
	b.Run("nocache", func(b *testing.B) {
		benchAdobeGET(b, withAdobeList25(b, mustUncachedAdobeServer(b)), credentialsPath, true)
	})
}

// withAdobeList25 adds 23 credentials to the demo org's prod sandbox, which holds 2.
func withAdobeList25(b *testing.B, s *adobeServer) *adobeServer {
	h := s.demo(b)
	for i := 0; i < 23; i++ {
		body := fmt.Sprintf(`{"name":"Bench %02d","oauth2ClientAuthentication":{"url":"https://auth.example/token","clientId":"c%d","clientSecret":"s"}}`, i, i)
		if rec := s.send(b, "POST", credentialsPath, body, h...); rec.Code != http.StatusOK {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	if n := len(listIDs(b, s.send(b, "GET", credentialsPath, "", h...))); n != 25 {
		b.Fatalf("list has %d credentials, want 25", n)
	}
	return s
}
