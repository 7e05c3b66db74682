package handlers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
)

// updateGolden rewrites testdata/*.golden.json from the current responses:
//
//	go test ./handlers/ -run TestGolden -update
//
// A rewritten file must be read and checked against SPEC.md before it is committed.
// goldenDir holds the golden documents, in the project's top-level testdata folder.
const goldenDir = "../testdata/golden"

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestGolden")

// goldenCase is one successful request and the document it must answer with.
type goldenCase struct {
	name         string // also the golden file: testdata/{name}.golden.json
	method       string
	path         string
	body         string
	wantStatus   int
	wantLocation string // the Location header of a create
}

var goldenCases = []goldenCase{
	// A retrieve with a nested include (role.permissions) beside a plain one, and sparse
	// fieldsets for the primary type and every included type.
	{name: "retrieve_include_fields", method: "GET",
		path: "/api/memberships/memBBJamie?include=role.permissions,organization" +
			"&fields[memberships]=user_email,status,role,organization" +
			"&fields[roles]=name,kind,permissions&fields[permissions]=subject,can_read&fields[organizations]=name,slug",
		wantStatus: http.StatusOK},
	// A list whose records share included resources: each goes into included once.
	{name: "list_include_shared", method: "GET",
		path:       "/api/memberships?filter[q][organization_id_eq]=orgBlueBrd&include=organization,role&fields[memberships]=user_email,organization,role&fields[organizations]=name&fields[roles]=name",
		wantStatus: http.StatusOK},
	// Page 2 of 3: first, prev, next and last, each keeping the filter, sort and fields.
	{name: "list_page_2", method: "GET",
		path:       "/api/permissions?filter[q][organization_id_eq]=orgBlueBrd&sort=-created_at&fields[permissions]=subject,created_at&page[size]=2&page[number]=2",
		wantStatus: http.StatusOK},
	// An empty list: no prev or next, last is page 1.
	{name: "list_empty", method: "GET",
		path:       "/api/roles?filter[q][name_eq]=nobody",
		wantStatus: http.StatusOK},
	// A relationship list, filtered and sorted.
	{name: "related_list_filter_sort", method: "GET",
		path:       "/api/organizations/orgBlueBrd/roles?filter[q][kind_not_eq]=read_only&sort=-created_at",
		wantStatus: http.StatusOK},
	// A to-one related resource.
	{name: "related_one", method: "GET",
		path:       "/api/memberships/memBBJamie/membership_profile",
		wantStatus: http.StatusOK},
	// Relationship linkage: to-many, to-one, and an empty to-one.
	{name: "linkage_to_many", method: "GET",
		path:       "/api/roles/rolBBMktEd/relationships/permissions",
		wantStatus: http.StatusOK},
	{name: "linkage_to_one", method: "GET",
		path:       "/api/memberships/memBBJamie/relationships/membership_profile",
		wantStatus: http.StatusOK},
	{name: "linkage_to_one_empty", method: "GET",
		path:       "/api/memberships/memBBOwner/relationships/membership_profile",
		wantStatus: http.StatusOK},
	// A create: 201, the whole resource, and its Location.
	{name: "create_role", method: "POST", path: "/api/roles",
		body: `{"data":{"type":"roles","attributes":{"name":"Support","reference":"SUP-1","metadata":{"team":"care"}},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus:   http.StatusCreated,
		wantLocation: testBase + "/api/roles/test000001"},
	// A create whose response includes the linked role; organization follows from the role.
	{name: "create_permission_include", method: "POST", path: "/api/permissions?include=role,organization&fields[roles]=name&fields[organizations]=name",
		body: `{"data":{"type":"permissions","attributes":{"subject":"customers","can_create":false,"can_read":true,"can_update":false,"can_destroy":false},` +
			`"relationships":{"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`,
		wantStatus:   http.StatusCreated,
		wantLocation: testBase + "/api/permissions/test000001"},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustServer(t)
			rec := s.do(t, request{method: tc.method, path: tc.path, body: tc.body})
			mustStatus(t, rec, tc.wantStatus)
			if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
				t.Errorf("Content-Type = %q, want %q", ct, handlers.MediaType)
			}
			if got := rec.Header().Get("Location"); got != tc.wantLocation {
				t.Errorf("Location = %q, want %q", got, tc.wantLocation)
			}
			var got any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not JSON: %v; body: %s", err, rec.Body.String())
			}

			checkStructure(t, got)

			file := filepath.Join(goldenDir, tc.name+".golden.json")
			if *updateGolden {
				// Indented, keys sorted, & and < left as they are: made to be read.
				var pretty bytes.Buffer
				enc := json.NewEncoder(&pretty)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(got); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("%s is not JSON: %v", file, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the response differs from %s:\n%s\ngot: %s", file, strings.Join(jsonDiff("", want, got), "\n"), rec.Body.String())
			}
		})
	}
}

// timestampRE is SPEC's timestamp form: UTC ISO 8601 with milliseconds.
var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// checkStructure checks, whatever the golden file says, the rules of SPEC "Documents" that
// hold for every document: links.self of every resource object and relationship, linkage
// only to resources the document carries, each included resource once and not also in
// data, and timestamps with milliseconds.
func checkStructure(t *testing.T, doc any) {
	t.Helper()
	top, _ := doc.(map[string]any)
	var resources []map[string]any
	switch data := top["data"].(type) {
	case map[string]any:
		resources = append(resources, data)
	case []any:
		for _, d := range data {
			resources = append(resources, d.(map[string]any))
		}
	}
	primary := len(resources)
	if inc, ok := top["included"].([]any); ok {
		for _, d := range inc {
			resources = append(resources, d.(map[string]any))
		}
	}
	carried := map[string]bool{}
	for i, r := range resources {
		typ, id := r["type"].(string), r["id"].(string)
		if _, isObject := r["links"]; !isObject && i < primary {
			continue // resource identifiers (a linkage document)
		}
		key := typ + "/" + id
		if carried[key] {
			t.Errorf("%s appears twice in data and included", key)
		}
		carried[key] = true
	}
	for _, r := range resources {
		typ, id := r["type"].(string), r["id"].(string)
		links, isObject := r["links"].(map[string]any)
		if !isObject {
			continue
		}
		self := testBase + "/api/" + typ + "/" + id
		if !reflect.DeepEqual(links, map[string]any{"self": self}) {
			t.Errorf("%s/%s: links = %v, want self %s", typ, id, links, self)
		}
		attrs, _ := r["attributes"].(map[string]any)
		for name, v := range attrs {
			if s, ok := v.(string); ok && strings.HasSuffix(name, "_at") && !timestampRE.MatchString(s) {
				t.Errorf("%s/%s: %s = %q is not a timestamp with milliseconds", typ, id, name, s)
			}
		}
		rels, _ := r["relationships"].(map[string]any)
		for name, v := range rels {
			rel := v.(map[string]any)
			want := map[string]any{"self": self + "/relationships/" + name, "related": self + "/" + name}
			if !reflect.DeepEqual(rel["links"], want) {
				t.Errorf("%s/%s: relationship %s links = %v, want %v", typ, id, name, rel["links"], want)
			}
			var idents []any
			switch d := rel["data"].(type) {
			case map[string]any:
				idents = []any{d}
			case []any:
				idents = d
			}
			for _, ident := range idents {
				m := ident.(map[string]any)
				if key := fmt.Sprint(m["type"], "/", m["id"]); !carried[key] {
					t.Errorf("%s/%s: relationship %s links to %s, which the document does not carry", typ, id, name, key)
				}
			}
		}
	}
}

// jsonDiff lists where two decoded JSON values differ, as "path: want X, got Y" lines.
func jsonDiff(path string, want, got any) []string {
	if reflect.DeepEqual(want, got) {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		var out []string
		for _, k := range names {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				out = append(out, fmt.Sprintf("%s/%s: unexpected %s", path, k, compact(gv)))
			case !gok:
				out = append(out, fmt.Sprintf("%s/%s: missing, want %s", path, k, compact(wv)))
			default:
				out = append(out, jsonDiff(path+"/"+k, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		var out []string
		for i := range w {
			out = append(out, jsonDiff(fmt.Sprintf("%s/%d", path, i), w[i], g[i])...)
		}
		return out
	}
	return []string{fmt.Sprintf("%s: want %s, got %s", path, compact(want), compact(got))}
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
