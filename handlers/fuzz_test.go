package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/query"
)

// FuzzListQuery sends arbitrary query strings through the router to the api_credentials list
// and to a relationship list, strictly and leniently: never a 5xx, and always a JSON body.
// The query is a filter[q] condition and its value (where the fuzzer mutates inside the
// brackets) followed by arbitrary raw query text.
//
//	go test -run='^$' -fuzz=FuzzListQuery -fuzztime=20s ./handlers/
func FuzzListQuery(f *testing.F) {
	for _, seed := range [][3]string{
		{"", "", ""},
		{"name_eq", "webapp1", ""},
		{"name_cont", "café", "filter%5Bq%5D%5Bname_cont%5D=caf%C3%A9"},
		{"name_or_reference_cont", "00", "sort=-created_at"},
		{"organization_name_start", "alpha", "filter[q][expires_in_gt]=10000"},
		{"role_organization_slug_eq", "beta-store", "page[size]=2&page[number]=2"},
		{"expires_in_in", "7200,100000", ""},
		{"expires_in_gt_any", "50000,99999999", ""},
		{"created_at_lt", "2024-02-01T01:00:00+02:00", ""},
		{"created_at_eq", "2024-02-01 12:30:45.123", ""},
		{"confidential_true", "0", ""},
		{"redirect_uri_blank", "true", ""},
		{"role_name_null", "1", ""},
		{"name_matches", `%\_1`, ""},
		{"name_cont", "%", ""},
		{"name_start_any", "web,caf", ""},
		{"metadata_cont", "gold", "include=organization,role"},
		{"kind_eq", "webapp", "fields[api_credentials]=name"},
		{"expires_in_gt", "abc", ""},
		{"bogus_eq", "1", ""},
		{"name_true", "true", ""},
		{"name_eq", "\x00", "filter[foo]=1"},
		{"name_cont", "\xff\xfe", "filter[q]=1"},
		{"_or_name_eq", "x", "filter[q][name_eq][]=x"},
		{"name_or__or_name_eq", "x", "filter=1"},
		{"id_not_eq_all", "a,b", "sort=mode,-id&page[size]=25"},
		{"mode_not_in", "test", "page[size]=0"},
		{"updated_at_gteq_all", "2024-01-01,2024-02-01", "%zz=1"},
		{"custom_false", "false", "a=1&a=2"},
		{"reference_origin_does_not_match_all", "e%,%p", ";;;&&&==="},
		{"metadata_jcont", `{"tier":["gold",{"a":null}],"n":1.5}`, "filter[created_at_from]=2024-01-01"},
		{"mode_not_in_or_null", "test,live", "filter[ids]=a,b&filter[role_id]=x"},
		{"role_memberships_user_email_cont", "x", "filter[expires_in]=7200,9000"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	strict := mustFiltersServer(f, handlers.Config{})
	lenient := mustFiltersServer(f, handlers.Config{Query: query.Options{LenientFilters: true}})
	token := strict.tokenFor(f, strict.actor)
	lenientToken := lenient.tokenFor(f, lenient.actor)
	f.Fuzz(func(t *testing.T, cond, value, rawQuery string) {
		q := url.Values{"filter[q][" + cond + "]": {value}}.Encode()
		if rawQuery != "" {
			q += "&" + rawQuery
		}
		for _, s := range []struct {
			*testServer
			token string
		}{{strict, token}, {lenient, lenientToken}} {
			for _, path := range []string{"/api/api_credentials", "/api/organizations/orgBeta002/api_credentials"} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.URL.RawQuery = q
				req.Header.Set("Accept", handlers.MediaType)
				req.Header.Set("Authorization", "Bearer "+s.token)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("GET %s?%s: status %d: %s", path, q, rec.Code, rec.Body.String())
				}
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("GET %s?%s: status %d, body is not JSON: %q", path, q, rec.Code, rec.Body.String())
				}
			}
		}
	})
}
