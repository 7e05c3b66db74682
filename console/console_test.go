package console_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

func get(t *testing.T, url, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestLandingPageAsJSON(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{BaseURL: "http://mock.test"})
	resp, body := get(t, srv.URL+"/", "application/json")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET / as JSON: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := `{"name":"provmock","about":"A stateful mock of the Commerce Layer Provisioning API, for tests and local development.",` +
		`"apis":[{"name":"Provisioning API","base_url":"http://mock.test/api"},{"name":"Token endpoint (OAuth 2.0 client credentials)","base_url":"http://mock.test/oauth/token"}],` +
		`"credentials":[{"email":"demo@example.com","client_id":"demo-client-id","client_secret":"demo-client-secret"},{"email":"viewer@example.com","client_id":"viewer-client-id","client_secret":"viewer-client-secret"}],` +
		`"links":[{"name":"Console","url":"http://mock.test/console"},{"name":"Control API reference","url":"http://mock.test/_mock"},{"name":"Control API description (OpenAPI 3)","url":"http://mock.test/_mock/openapi.json"},{"name":"README","url":"https://github.com/commercelayer-mock/provmock#readme"}]}`
	if strings.TrimSpace(body) != want {
		t.Errorf("GET /:\n%s\nwant\n%s", body, want)
	}
}

func TestLandingPageInABrowser(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	resp, body := get(t, srv.URL+"/", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / as a browser: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"<code>" + srv.URL + "/api</code>", "<code>demo-client-secret</code>", `<a href="` + srv.URL + `/console">Console</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the landing page lacks %s:\n%s", want, body)
		}
	}
}

func TestLandingPageHidesCredentialsBehindTheAdminToken(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{AdminToken: "s3cret"})
	_, body := get(t, srv.URL+"/", "application/json")
	if !strings.Contains(body, `"credentials":[]`) || strings.Contains(body, "demo-client-secret") {
		t.Errorf("with an admin token, GET / shows %s", body)
	}
}

func TestConsolePagesAndAssets(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	for _, c := range []struct {
		path, contentType string
		status            int
		contains          string
	}{
		{"/console", "text/html", 200, `<a href="/console/resources/roles">roles</a>`},
		{"/console/journal", "text/html", 200, `<ol id="journal"`},
		{"/console/control", "text/html", 200, `<form id="fault-add"`},
		{"/console/resources/roles", "text/html", 200, `<th scope="col">name</th>`},
		{"/console/resources/roles/rolBBAdmin", "text/html", 200, `data-id="rolBBAdmin"`},
		{"/console/resources/nope", "text/html", 404, "No such page"},
		{"/console/assets/console.js", "text/javascript", 200, `"use strict"`},
		{"/console/assets/console.css", "text/css", 200, "scrollbar-gutter"},
	} {
		resp, body := get(t, srv.URL+c.path, "")
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.contentType) || !strings.Contains(body, c.contains) {
			t.Errorf("GET %s: %d %s, want %d %s with %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.status, c.contentType, c.contains)
		}
	}
}
