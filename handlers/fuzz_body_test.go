package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
)

// bodyTargets are the writes FuzzCreateBody sends each body to: creates of several types,
// updates (the singleton user's too) and both custom actions.
var bodyTargets = []struct{ method, path string }{
	{http.MethodPost, "/api/roles"},
	{http.MethodPost, "/api/api_credentials"},
	{http.MethodPost, "/api/organizations"},
	{http.MethodPost, "/api/memberships"},
	{http.MethodPost, "/api/application_memberships"},
	{http.MethodPost, "/api/identity_providers"},
	{http.MethodPost, "/api/permissions"},
	{http.MethodPatch, "/api/roles/rolBBMktEd"},
	{http.MethodPatch, "/api/organizations/orgBlueBrd"},
	{http.MethodPatch, "/api/api_credentials/apcBBDashb"},
	{http.MethodPatch, "/api/memberships/memBBJamie"},
	{http.MethodPatch, "/api/application_memberships/appBBOrdJm"},
	{http.MethodPatch, "/api/identity_providers/idpBBOkta1"},
	{http.MethodPatch, "/api/user"},
	{http.MethodPatch, "/api/organizations/orgBlueBrd/transfer_ownership"},
	{http.MethodPost, "/api/memberships/memBBJamie/resend"},
}

// FuzzCreateBody posts arbitrary bytes as the body of creates, updates and actions of
// several types through the router: never a 5xx, and always a JSON:API document (data on
// success, errors whose status is the answer's otherwise) with the JSON:API media type.
// Accepted writes are undone after each input, so that every input meets the demo data.
// The seed corpus is f.Add's bodies and testdata/fuzz/FuzzCreateBody.
//
//	go test -run='^$' -fuzz=FuzzCreateBody -fuzztime=20s ./handlers/
func FuzzCreateBody(f *testing.F) {
	for _, seed := range []string{
		"",
		"{}",
		"null",
		"[]",
		`{"data":null}`,
		`{"data":[]}`,
		`{"data":{}}`,
		`{"data":{"type":"roles"}}`,
		roleCreate,
		roleUpdate,
		`{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"Marketing","metadata":{"a":[1,{"b":null}]}}}}`,
		`{"data":{"type":"organizations","attributes":{"name":"Fuzz Shop","support_email":"a@b.example","primary_color":"#ABCDEF","config":{"mfe":{}}}}}`,
		`{"data":{"type":"organizations","id":"orgBlueBrd","attributes":{"name":"Blue","logo_url":"https://x.example/l.png"}}}`,
		`{"data":{"type":"api_credentials","attributes":{"name":"CLI","kind":"integration","expires_in":7200,"mode":"live","custom":true},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},"role":{"data":{"type":"roles","id":"rolBBAdmin"}}}}}`,
		`{"data":{"type":"api_credentials","id":"apcBBDashb","attributes":{"expires_in":1e400,"redirect_uri":null},"relationships":{"role":{"data":null}}}}`,
		`{"data":{"type":"memberships","attributes":{"user_email":"new@example.com","access_scope":"test_access"},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`,
		`{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":[{"type":"application_memberships","id":"appBBOrdJm"}]}}}}`,
		`{"data":{"type":"application_memberships","attributes":{"filters":{"market_id_in":[1]}},"relationships":{` +
			`"api_credential":{"data":{"type":"api_credentials","id":"apcBBOrdAp"}},"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},` +
			`"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`,
		`{"data":{"type":"identity_providers","attributes":{"name":"IdP","client_id":"c","client_secret":"s","issuer":"https://idp.example/",` +
			`"domains":"idp.example","token_url":"https://idp.example/t","authorize_url":"https://idp.example/a","jwks_url":"https://idp.example/k"}}}`,
		`{"data":{"type":"identity_providers","id":"idpBBOkta1","attributes":{"_disable":true,"organization":null}}}`,
		`{"data":{"type":"permissions","attributes":{"can_create":true,"can_read":true,"can_update":false,"can_destroy":false,"subject":"orders"},` +
			`"relationships":{"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`,
		`{"data":{"type":"users","attributes":{"first_name":"Fuzz","last_name":"Er","time_zone":"Europe/Rome"}}}`,
		`{"data":{"type":"organizations","id":"orgBlueBrd","attributes":{"new_owner_email":"viewer@example.com"}}}`,
		`{"data":{"type":"roles","attributes":{"name":"x","name":"y"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd","id":"x"}}}}}`,
		`{"data":{"type":"roles","attributes":{"name":"a\u0000b\ud800"},"relationships":{"organization":{"data":[{"type":"organizations","id":"orgBlueBrd"}]}}}}`,
		`{"data":{"type":"roles","attributes":{"name":"` + "\xff\xfe" + `"}}}`,
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		`{"data":{"type":"roles","attributes":{"metadata":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}`,
		`{"data":{"type":"roles","relationships":{"organization":{"links":{}},"permissions":{"data":[]}},"links":{},"meta":{}}}`,
		"\x00",
		`{"data":{"type":"roles","attributes":{"name":-0.0e-0}}}  `,
	} {
		f.Add([]byte(seed))
	}
	s := mustServer(f)
	token := s.tokenFor(f, s.actor)
	ctx := context.Background()
	baseline, err := s.st.Dump(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		gen := s.st.Generation()
		defer func() {
			// Undo what the input wrote, so that each one starts from the demo data.
			if s.st.Generation() != gen {
				if err := s.st.Restore(ctx, baseline); err != nil {
					t.Fatalf("restoring the data: %v", err)
				}
			}
		}()
		for _, target := range bodyTargets {
			req := httptest.NewRequest(target.method, target.path, bytes.NewReader(body))
			req.Header.Set("Accept", handlers.MediaType)
			req.Header.Set("Content-Type", handlers.MediaType)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			checkBodyAnswer(t, target.method+" "+target.path, body, rec)
		}
	})
}

// checkBodyAnswer asserts no server error and a JSON:API document: data for a success,
// errors with the answer's status otherwise. A 202 or 204 may have no body.
func checkBodyAnswer(t *testing.T, target string, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s with body %q: status %d: %s", target, body, rec.Code, rec.Body.String())
	}
	if rec.Body.Len() == 0 {
		if rec.Code != http.StatusAccepted && rec.Code != http.StatusNoContent {
			t.Fatalf("%s with body %q: status %d without a body", target, body, rec.Code)
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Fatalf("%s with body %q: status %d, Content-Type %q", target, body, rec.Code, ct)
	}
	var doc struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Title  string `json:"title"`
			Code   string `json:"code"`
			Status string `json:"status"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%s with body %q: status %d, answer is not a JSON object: %v: %s", target, body, rec.Code, err, rec.Body.String())
	}
	if rec.Code < 300 {
		if len(doc.Data) == 0 || doc.Data[0] != '{' || doc.Errors != nil {
			t.Fatalf("%s with body %q: status %d without a resource: %s", target, body, rec.Code, rec.Body.String())
		}
		return
	}
	if len(doc.Errors) == 0 || doc.Data != nil {
		t.Fatalf("%s with body %q: status %d without errors: %s", target, body, rec.Code, rec.Body.String())
	}
	for _, e := range doc.Errors {
		if e.Code == "" || e.Title == "" || e.Status != strconv.Itoa(rec.Code) {
			t.Fatalf("%s with body %q: status %d, error %+v", target, body, rec.Code, e)
		}
	}
}
