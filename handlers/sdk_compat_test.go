package handlers_test

// Requests exactly as the official @commercelayer/provisioning-sdk (2.10.2) sends them, so
// that a change that would break the SDK fails here too, without Node. The end-to-end test
// that runs the SDK itself against the built binary is sdk-test/ (npm test).
//
// What the SDK does on the wire:
//   - every request carries Accept and Content-Type application/vnd.api+json and the bearer
//     token, GETs and DELETEs (which have no body) included;
//   - query parameters go through URLSearchParams: brackets and commas percent-encoded,
//     spaces as '+';
//   - bodies are {"data": {"type", "attributes", "relationships", "id"}}, with "attributes"
//     and "relationships" always present (possibly empty) and "id" last on updates; a
//     relationship set to null is {"data": null}, an emptied to-many {"data": []};
//   - memberships resend posts {"data": {}}; organizations transfer_ownership PATCHes the
//     organization's resource object with new_owner_email among its attributes;
//   - the user singleton is updated at /api/user, with no id unless the caller gave one.

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
)

// sdkCompatDo sends a request with the SDK's headers, as the demo owner.
func sdkCompatDo(t *testing.T, s *testServer, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, request{method: method, path: target, body: body, headers: map[string]string{
		"Accept":       handlers.MediaType,
		"Content-Type": handlers.MediaType,
	}})
}

func TestSDKCompatContentTypeOnBodylessRequests(t *testing.T) {
	s := mustServer(t)
	mustStatus(t, sdkCompatDo(t, s, http.MethodGet, "/api/roles", ""), http.StatusOK)
	mustStatus(t, sdkCompatDo(t, s, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, sdkCompatDo(t, s, http.MethodGet, "/api/roles/rolBBMktEd/permissions", ""), http.StatusOK)
	mustStatus(t, sdkCompatDo(t, s, http.MethodDelete, "/api/membership_profiles/mprBBQAGrp", ""), http.StatusNoContent)
}

func TestSDKCompatQueryEncoding(t *testing.T) {
	s := mustServer(t)
	cases := []struct {
		query string
		want  []string
	}{
		// clp.permissions.list({ filters: { subject_in: ['promotions', 'skus'], role_id_eq: 'rolBBMktEd' }, sort: { created_at: 'desc' } })
		{"sort=-created_at&filter%5Bq%5D%5Bsubject_in%5D=promotions%2Cskus&filter%5Bq%5D%5Brole_id_eq%5D=rolBBMktEd",
			[]string{"prmBBMkSku", "prmBBMkPro"}},
		// clp.permissions.list({ fields: { permissions: ['subject'] }, pageNumber: 2, pageSize: 1, filters: { role_id_eq: 'rolBBMktEd' } })
		{"fields%5Bpermissions%5D=subject&page%5Bnumber%5D=2&page%5Bsize%5D=1&filter%5Bq%5D%5Brole_id_eq%5D=rolBBMktEd",
			[]string{"prmBBMkSku"}},
	}
	for _, c := range cases {
		rec := sdkCompatDo(t, s, http.MethodGet, "/api/permissions?"+c.query, "")
		mustStatus(t, rec, http.StatusOK)
		if got := ids(t, rec); !slices.Equal(got, c.want) {
			t.Errorf("%s: ids = %v, want %v", c.query, got, c.want)
		}
	}
	// Spaces as '+', a literal '+' as %2B, '#' as %23, '%' as %25.
	for query, want := range map[string][]string{
		"filter%5Bq%5D%5Borganization_name_eq%5D=The+Blue+Brand&filter%5Bq%5D%5Bname_eq%5D=Marketing+editor": {"rolBBMktEd"},
		"filter%5Bq%5D%5Bname_matches%5D=%25editor":                                                          {"rolBBMktEd"},
		"filter%5Bq%5D%5Bname_eq%5D=Marketing%2Beditor":                                                      {},
	} {
		rec := sdkCompatDo(t, s, http.MethodGet, "/api/roles?"+query, "")
		mustStatus(t, rec, http.StatusOK)
		if got := ids(t, rec); !slices.Equal(got, want) {
			t.Errorf("%s: ids = %v, want %v", query, got, want)
		}
	}
	rec := sdkCompatDo(t, s, http.MethodGet, "/api/organizations?filter%5Bq%5D%5Bcontrast_color_eq%5D=%23F1F8E9", "")
	mustStatus(t, rec, http.StatusOK)
	if got := ids(t, rec); !slices.Equal(got, []string{"orgGreenGr"}) {
		t.Errorf("contrast_color_eq: ids = %v", got)
	}
}

func TestSDKCompatWriteBodies(t *testing.T) {
	s := mustServer(t)
	// clp.roles.create({ name: 'Support', organization: clp.organizations.relationship('orgBlueBrd') })
	rec := sdkCompatDo(t, s, http.MethodPost, "/api/roles",
		`{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":{"data":{"id":"orgBlueBrd","type":"organizations"}}}}}`)
	mustStatus(t, rec, http.StatusCreated)

	// clp.application_memberships.create({ api_credential: ..., membership: ..., organization: ..., role: ... }): empty attributes.
	rec = sdkCompatDo(t, s, http.MethodPost, "/api/application_memberships",
		`{"data":{"type":"application_memberships","attributes":{},"relationships":{`+
			`"api_credential":{"data":{"id":"apcBBDashb","type":"api_credentials"}},`+
			`"membership":{"data":{"id":"memBBViewr","type":"memberships"}},`+
			`"organization":{"data":{"id":"orgBlueBrd","type":"organizations"}},`+
			`"role":{"data":{"id":"rolBBReadO","type":"roles"}}}}}`)
	mustStatus(t, rec, http.StatusCreated)

	// clp.roles.update({ id: 'rolBBMktEd', reference: null }): empty relationships, id last.
	rec = sdkCompatDo(t, s, http.MethodPatch, "/api/roles/rolBBMktEd",
		`{"data":{"type":"roles","attributes":{"reference":null},"relationships":{},"id":"rolBBMktEd"}}`)
	mustStatus(t, rec, http.StatusOK)

	// clp.api_credentials.update({ id: 'apcBBErpIn', role: clp.roles.relationship(null) }, { include: ['role'] })
	rec = sdkCompatDo(t, s, http.MethodPatch, "/api/api_credentials/apcBBErpIn?include=role",
		`{"data":{"type":"api_credentials","attributes":{},"relationships":{"role":{"data":null}},"id":"apcBBErpIn"}}`)
	mustStatus(t, rec, http.StatusOK)
	rel := decode(t, rec)["data"].(map[string]any)["relationships"].(map[string]any)["role"].(map[string]any)
	if d, ok := rel["data"]; !ok || d != nil {
		t.Errorf("role linkage after setting it to null = %v, want data: null", rel)
	}

	// clp.memberships.update({ id, application_memberships: clp.application_memberships.relationshipToMany() })
	rec = sdkCompatDo(t, s, http.MethodPatch, "/api/memberships/memBBJamie",
		`{"data":{"type":"memberships","attributes":{},"relationships":{"application_memberships":{"data":[]}},"id":"memBBJamie"}}`)
	mustStatus(t, rec, http.StatusOK)

	// clp.identity_providers._disable('idpBBOkta1')
	rec = sdkCompatDo(t, s, http.MethodPatch, "/api/identity_providers/idpBBOkta1",
		`{"data":{"type":"identity_providers","attributes":{"_disable":true},"relationships":{},"id":"idpBBOkta1"}}`)
	mustStatus(t, rec, http.StatusOK)
	if attrs := decode(t, rec)["data"].(map[string]any)["attributes"].(map[string]any); attrs["disabled_at"] == nil {
		t.Errorf("_disable left disabled_at null")
	}

	// clp.user.update({ first_name: 'Alexandra' }) and clp.user.update({ id, first_name })
	mustStatus(t, sdkCompatDo(t, s, http.MethodPatch, "/api/user",
		`{"data":{"type":"users","attributes":{"first_name":"Alexandra"},"relationships":{}}}`), http.StatusOK)
	mustStatus(t, sdkCompatDo(t, s, http.MethodPatch, "/api/user",
		`{"data":{"type":"users","attributes":{"first_name":"Alex"},"relationships":{},"id":"usrDemoOwn"}}`), http.StatusOK)
}

func TestSDKCompatActions(t *testing.T) {
	s := mustServer(t)
	// clp.memberships.resend('memBBJamie')
	rec := sdkCompatDo(t, s, http.MethodPost, "/api/memberships/memBBJamie/resend", `{"data":{}}`)
	mustStatus(t, rec, http.StatusAccepted)
	if rec.Body.Len() != 0 {
		t.Errorf("resend body = %q, want none", rec.Body.String())
	}

	// clp.organizations.transfer_ownership('orgGreenGr', { type: 'organizations', id: 'orgGreenGr', new_owner_email })
	rec = sdkCompatDo(t, s, http.MethodPatch, "/api/organizations/orgGreenGr/transfer_ownership",
		`{"data":{"type":"organizations","attributes":{"new_owner_email":"priya.patel@greengrocer.example"},"relationships":{},"id":"orgGreenGr"}}`)
	mustStatus(t, rec, http.StatusAccepted)
	rec = sdkCompatDo(t, s, http.MethodGet, "/api/organizations/orgGreenGr/memberships?filter%5Bq%5D%5Bowner_true%5D=true", "")
	mustStatus(t, rec, http.StatusOK)
	if got := ids(t, rec); !slices.Equal(got, []string{"memGGPriya"}) {
		t.Errorf("owners after transfer_ownership = %v, want [memGGPriya]", got)
	}
}

// In a browser, the SDK's Authorization and JSON:API Content-Type headers make every call
// preflighted; the preflight must admit them, and the token request's JSON POST too.
func TestSDKCompatBrowserPreflight(t *testing.T) {
	s := mustServer(t)
	const origin = "http://localhost:5173"
	for _, c := range []struct{ path, method, headers string }{
		{"/api/roles", http.MethodGet, "authorization,content-type"},
		{"/api/roles", http.MethodPost, "authorization,content-type"},
		{"/api/roles/rolBBMktEd", http.MethodPatch, "authorization,content-type"},
		{"/api/membership_profiles/mprBBQAGrp", http.MethodDelete, "authorization,content-type"},
		{"/api/memberships/memBBJamie/resend", http.MethodPost, "authorization,content-type"},
		{"/api/organizations/orgGreenGr/transfer_ownership", http.MethodPatch, "authorization,content-type"},
		{"/api/user", http.MethodPatch, "authorization,content-type"},
		{"/oauth/token", http.MethodPost, "content-type"},
	} {
		req := httptest.NewRequest(http.MethodOptions, c.path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", c.method)
		req.Header.Set("Access-Control-Request-Headers", c.headers)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent && rec.Code != http.StatusOK {
			t.Errorf("%s %s preflight: status %d", c.method, c.path, rec.Code)
			continue
		}
		h := rec.Header()
		if o := h.Get("Access-Control-Allow-Origin"); o != "*" && o != origin {
			t.Errorf("%s %s preflight: Access-Control-Allow-Origin = %q", c.method, c.path, o)
		}
		if m := h.Get("Access-Control-Allow-Methods"); !strings.Contains(m, c.method) {
			t.Errorf("%s %s preflight: Access-Control-Allow-Methods = %q", c.method, c.path, m)
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, want := range strings.Split(c.headers, ",") {
			if !strings.Contains(allowed, want) {
				t.Errorf("%s %s preflight: Access-Control-Allow-Headers = %q, lacks %s", c.method, c.path, allowed, want)
			}
		}
	}
	// The answers themselves, errors included, must be readable by the page.
	for _, target := range []string{"/api/roles", "/api/roles/xxxxxxxxxx"} {
		rec := s.do(t, request{path: target, headers: map[string]string{"Origin": origin, "Content-Type": handlers.MediaType}})
		if rec.Header().Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("GET %s (%d): no Access-Control-Allow-Origin", target, rec.Code)
		}
	}
}
