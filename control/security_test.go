package control_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// ---------------------------------------------------------------- where the control API answers

func TestControlAPIHasNoCORS(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, path := range []string{"/reset", "/requests", "/fixtures", "/nope"} {
		rec := e.serve(t, req{http.MethodOptions, "/_mock" + path, "", []string{
			"Origin", "http://app.example:5173", "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type"}})
		for name := range rec.Header() {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("preflight of %s answered %s: %q", path, name, rec.Header().Get(name))
			}
		}
	}
	// The API keeps its CORS, and exposes what browser code reads.
	rec := e.api(t, http.MethodGet, "/api/organizations", "", "Origin", "http://app.example:5173")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("API: Access-Control-Allow-Origin %q", got)
	}
	expose := strings.Split(rec.Header().Get("Access-Control-Expose-Headers"), ",")
	for _, h := range []string{"Etag", "Location", "Retry-After", "Allow", "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"} {
		if !slices.ContainsFunc(expose, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), h) }) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", expose, h)
		}
	}
}

func TestControlAPIRefusesOtherOrigins(t *testing.T) {
	for _, allow := range [][]string{nil, {"http://app.example"}} {
		e := newEnv(t, mock.Options{AllowOrigins: allow})
		id := e.createRole(t, "Kept")
		for _, origin := range []string{"http://app.example", "http://127.0.0.1:3000", "https://127.0.0.1:8080", "null"} {
			for _, c := range []struct{ method, path, body string }{
				{http.MethodPost, "/reset", ""},
				{http.MethodPost, "/fixtures?replace=true", "users: []"},
				{http.MethodGet, "/requests", ""},
				{http.MethodDelete, "/requests", ""},
			} {
				rec := e.ctl(t, c.method, c.path, c.body, "Origin", origin)
				mustStatus(t, rec, http.StatusForbidden)
				if msg := controlError(t, rec); !strings.Contains(msg, "other origins") {
					t.Errorf("%s %s from %s: %q", c.method, c.path, origin, msg)
				}
				if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("%s %s from %s: Access-Control-Allow-Origin %q", c.method, c.path, origin, got)
				}
			}
		}
		// Nothing happened: the role created before is there, the journal kept it.
		mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+id, ""), http.StatusOK)
		// The mock's own origin (a page the mock serves) and no Origin at all (curl) pass.
		mustStatus(t, e.ctl(t, http.MethodGet, "/requests", "", "Origin", "http://127.0.0.1:8080"), http.StatusOK)
		mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)
		mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+id, ""), http.StatusNotFound)
	}
}

func TestControlAPIRefusesOtherHosts(t *testing.T) {
	e := newEnv(t, mock.Options{ListenAddr: "mock.internal:8080", AllowHosts: []string{"mock.lan", ".dev.test"}})
	for _, host := range []string{"attacker.example:8080", "attacker.example", "localhost.attacker.example", "lan:8080", "dev.test.example"} {
		// A rebound page's Origin matches its Host: the Host check is what stops it.
		rec := e.ctl(t, http.MethodPost, "/reset", "", "Host", host, "Origin", "http://"+host)
		mustStatus(t, rec, http.StatusForbidden)
		if msg := controlError(t, rec); !strings.Contains(msg, "--allow-hosts") {
			t.Errorf("Host %s: %q", host, msg)
		}
		mustStatus(t, e.ctl(t, http.MethodGet, "/unknown", "", "Host", host), http.StatusForbidden)
	}
	for _, host := range []string{"127.0.0.1:8080", "127.0.0.9", "localhost:9000", "LOCALHOST", "app.localhost:8080",
		"[::1]:8080", "192.168.1.20:8080", "mock.internal:8080", "mock.lan", "MOCK.LAN:8080", "dev.test", "a.dev.test:1"} {
		rec := e.ctl(t, http.MethodGet, "/requests", "", "Host", host, "Origin", "http://"+host)
		if rec.Code != http.StatusOK {
			t.Errorf("Host %s: %d %s", host, rec.Code, rec.Body.String())
		}
	}
	// The API answers whatever the Host: the real service's clients send its host.
	rec := e.api(t, http.MethodGet, "/api/user", "", "Host", "provisioning.commercelayer.io")
	mustStatus(t, rec, http.StatusOK)
}
