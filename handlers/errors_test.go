package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
)

// acyclicIncludes returns the first n include paths below typ that visit no type twice,
// depth first: each adds one node to the include tree.
func acyclicIncludes(typ string, n int) []string {
	reg := models.Provisioning()
	var out []string
	var walk func(def *models.Resource, seen map[string]bool, prefix string)
	walk = func(def *models.Resource, seen map[string]bool, prefix string) {
		for _, rel := range def.Rels {
			if len(out) < n && !seen[rel.Type] {
				out = append(out, prefix+rel.Name)
				seen[rel.Type] = true
				walk(reg.Lookup(rel.Type), seen, prefix+rel.Name+".")
				delete(seen, rel.Type)
			}
		}
	}
	walk(reg.Lookup(typ), map[string]bool{typ: true}, "")
	return out
}

// Bodies the error cases start from; each is valid for its route unless a case changes it.
const (
	// roleCreate creates a role in The Blue Brand.
	roleCreate = `{"data":{"type":"roles","attributes":{"name":"Support"},` +
		`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`
	// roleUpdate renames the custom role rolBBMktEd.
	roleUpdate = `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"Marketing"}}}`
)

// Texts of the SPEC's error table that several cases share.
const (
	notFoundDetail = "The requested resource was not found. Please double-check the resource id."
	acceptDetail   = "All requests must use the 'application/vnd.api+json' Accept without media type parameters. This request specified '%s'."
	ctDetail       = "All requests that create or update must use the 'application/vnd.api+json' Content-Type. This request specified '%s'."
)

// errCase is one refused request and the single error object it must answer with.
type errCase struct {
	name    string
	method  string
	path    string
	headers map[string]string
	body    string
	maxBody int64 // > 0: a server with this body limit instead of the default

	wantStatus  int
	wantCode    string
	wantTitle   string
	wantDetail  string
	wantPointer string            // source.pointer; only 422s have one
	wantMeta    map[string]any    // meta; only 422s have one
	wantHeader  map[string]string // response headers besides Content-Type (Allow)
}

func hdr(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// errorCases covers every row of SPEC.md's error table that does not need tokens or rate
// limits, then the order in which SPEC says a request is checked.
var errorCases = []errCase{
	// BAD_REQUEST: the body is not JSON, or not an object.
	{name: "bad request/body not JSON", method: "POST", path: "/api/roles", body: `{"data":`,
		wantStatus: 400, wantCode: "BAD_REQUEST", wantTitle: "Bad Request", wantDetail: "unexpected end of JSON input"},
	{name: "bad request/body not JSON on update", method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{"data": nope}`,
		wantStatus: 400, wantCode: "BAD_REQUEST", wantTitle: "Bad Request", wantDetail: "invalid character 'o' in literal null (expecting 'u')"},
	{name: "bad request/body an array", method: "POST", path: "/api/roles", body: `[` + roleCreate + `]`,
		wantStatus: 400, wantCode: "BAD_REQUEST", wantTitle: "Bad Request", wantDetail: "Request must be a hash"},
	{name: "bad request/body a string", method: "PATCH", path: "/api/roles/rolBBMktEd", body: `"roles"`,
		wantStatus: 400, wantCode: "BAD_REQUEST", wantTitle: "Bad Request", wantDetail: "Request must be a hash"},

	// PARAM_MISSING: no data, no data.type.
	{name: "param missing/data", method: "POST", path: "/api/roles", body: `{"meta":{}}`,
		wantStatus: 400, wantCode: "PARAM_MISSING", wantTitle: "Missing Parameter", wantDetail: "The required parameter, data, is missing."},
	{name: "param missing/data in an empty object", method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{}`,
		wantStatus: 400, wantCode: "PARAM_MISSING", wantTitle: "Missing Parameter", wantDetail: "The required parameter, data, is missing."},
	{name: "param missing/type", method: "POST", path: "/api/roles", body: `{"data":{"attributes":{"name":"Support"}}}`,
		wantStatus: 400, wantCode: "PARAM_MISSING", wantTitle: "Missing Parameter", wantDetail: "The required parameter, type, is missing."},

	// INVALID_DATA_FORMAT: data is not an object.
	{name: "invalid data format/array", method: "POST", path: "/api/roles", body: `{"data":[]}`,
		wantStatus: 400, wantCode: "INVALID_DATA_FORMAT", wantTitle: "Invalid data format", wantDetail: "Data must be a hash."},
	{name: "invalid data format/string", method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{"data":"roles"}`,
		wantStatus: 400, wantCode: "INVALID_DATA_FORMAT", wantTitle: "Invalid data format", wantDetail: "Data must be a hash."},

	// INVALID_RESOURCE: wrong data.type; unknown type in fields[...].
	{name: "invalid resource/data.type of another type", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"permissions","attributes":{"name":"Support"}}}`,
		wantStatus: 400, wantCode: "INVALID_RESOURCE", wantTitle: "Invalid resource", wantDetail: "permissions is not a valid resource."},
	{name: "invalid resource/data.type singular", method: "PATCH", path: "/api/roles/rolBBMktEd",
		body:       `{"data":{"type":"role","id":"rolBBMktEd","attributes":{"name":"Marketing"}}}`,
		wantStatus: 400, wantCode: "INVALID_RESOURCE", wantTitle: "Invalid resource", wantDetail: "role is not a valid resource."},
	{name: "invalid resource/unknown type in fields", method: "GET", path: "/api/roles?fields[rolez]=name",
		wantStatus: 400, wantCode: "INVALID_RESOURCE", wantTitle: "Invalid resource", wantDetail: "rolez is not a valid resource."},

	// TYPE_MISMATCH: a relationship linkage of the wrong type.
	{name: "type mismatch/to-one", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":{"data":{"type":"roles","id":"rolBBAdmin"}}}}}`,
		wantStatus: 400, wantCode: "TYPE_MISMATCH", wantTitle: "Type Mismatch", wantDetail: "roles is not a valid type for this operation."},
	{name: "type mismatch/to-many", method: "PATCH", path: "/api/memberships/memBBJamie",
		body:       `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":[{"type":"memberships","id":"memBBViewr"}]}}}}`,
		wantStatus: 400, wantCode: "TYPE_MISMATCH", wantTitle: "Type Mismatch", wantDetail: "memberships is not a valid type for this operation."},

	// INVALID_LINKS_OBJECT: malformed relationship linkage.
	{name: "invalid links object/relationship a string", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":"orgBlueBrd"}}}`,
		wantStatus: 400, wantCode: "INVALID_LINKS_OBJECT", wantTitle: "Invalid Links Object", wantDetail: "Data is not a valid Links Object."},
	{name: "invalid links object/no data member", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":{"type":"organizations","id":"orgBlueBrd"}}}}`,
		wantStatus: 400, wantCode: "INVALID_LINKS_OBJECT", wantTitle: "Invalid Links Object", wantDetail: "Data is not a valid Links Object."},
	{name: "invalid links object/identifier without id", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":{"data":{"type":"organizations"}}}}}`,
		wantStatus: 400, wantCode: "INVALID_LINKS_OBJECT", wantTitle: "Invalid Links Object", wantDetail: "Data is not a valid Links Object."},
	{name: "invalid links object/to-many given one identifier", method: "PATCH", path: "/api/memberships/memBBJamie",
		body:       `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":{"type":"application_memberships","id":"appBBOrdJm"}}}}}`,
		wantStatus: 400, wantCode: "INVALID_LINKS_OBJECT", wantTitle: "Invalid Links Object", wantDetail: "Data is not a valid Links Object."},
	{name: "invalid links object/relationships not an object", method: "PATCH", path: "/api/memberships/memBBJamie",
		body:       `{"data":{"type":"memberships","id":"memBBJamie","relationships":[]}}`,
		wantStatus: 400, wantCode: "INVALID_LINKS_OBJECT", wantTitle: "Invalid Links Object", wantDetail: "Data is not a valid Links Object."},

	// KEY_NOT_INCLUDED_IN_URL and KEY_ORDER_MISMATCH: data.id of a PATCH.
	{name: "key not included in url", method: "PATCH", path: "/api/roles/rolBBMktEd",
		body:       `{"data":{"type":"roles","id":"rolBBAdmin","attributes":{"name":"Marketing"}}}`,
		wantStatus: 400, wantCode: "KEY_NOT_INCLUDED_IN_URL", wantTitle: "Key is not included in URL", wantDetail: "The URL does not support the key rolBBAdmin"},
	{name: "key order mismatch", method: "PATCH", path: "/api/roles/rolBBMktEd",
		body:       `{"data":{"type":"roles","attributes":{"name":"Marketing"}}}`,
		wantStatus: 400, wantCode: "KEY_ORDER_MISMATCH", wantTitle: "A key is required", wantDetail: "The resource object does not contain a key."},

	// PARAM_NOT_ALLOWED: unknown or read-only attribute or relationship, id on POST, unknown
	// query parameter.
	{name: "param not allowed/unknown attribute", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support","colour":"red"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "colour is not allowed."},
	{name: "param not allowed/read-only attribute", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support","kind":"admin"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "kind is not allowed."},
	{name: "param not allowed/create-only attribute in an update", method: "PATCH", path: "/api/api_credentials/apcBBErpIn",
		body:       `{"data":{"type":"api_credentials","id":"apcBBErpIn","attributes":{"kind":"webapp"}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "kind is not allowed."},
	{name: "param not allowed/hidden attribute", method: "PATCH", path: "/api/user",
		body:       `{"data":{"type":"users","id":"usrDemoOwn","attributes":{"client_secret":"x"}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "client_secret is not allowed."},
	{name: "param not allowed/create-only relationship in an update", method: "PATCH", path: "/api/roles/rolBBMktEd",
		body:       `{"data":{"type":"roles","id":"rolBBMktEd","relationships":{"organization":{"data":{"type":"organizations","id":"orgGreenGr"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "organization is not allowed."},
	{name: "param not allowed/read-only relationship in a create", method: "POST", path: "/api/permissions",
		body: `{"data":{"type":"permissions","attributes":{"subject":"skus","can_create":true,"can_read":true,"can_update":true,"can_destroy":true},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "organization is not allowed."},
	{name: "param not allowed/unknown relationship", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"owner":{"data":{"type":"users","id":"usrDemoOwn"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "owner is not allowed."},
	{name: "param not allowed/id on POST", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","id":"myOwnId001","attributes":{"name":"Support"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "id is not allowed."},
	{name: "param not allowed/unknown query parameter", method: "GET", path: "/api/roles?limit=5",
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "limit is not allowed."},
	{name: "param not allowed/unknown query parameter on a write", method: "POST", path: "/api/roles?dry_run=true", body: roleCreate,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "dry_run is not allowed."},

	// INVALID_FIELD: a bad fields[...] name, for the primary or an included type.
	{name: "invalid field/primary type", method: "GET", path: "/api/roles?fields[roles]=name,colour",
		wantStatus: 400, wantCode: "INVALID_FIELD", wantTitle: "Invalid field", wantDetail: "colour is not a valid field for roles."},
	{name: "invalid field/included type", method: "GET", path: "/api/memberships/memBBJamie?include=role&fields[roles]=slug",
		wantStatus: 400, wantCode: "INVALID_FIELD", wantTitle: "Invalid field", wantDetail: "slug is not a valid field for roles."},
	{name: "invalid field/hidden attribute", method: "GET", path: "/api/user?fields[users]=email,client_secret",
		wantStatus: 400, wantCode: "INVALID_FIELD", wantTitle: "Invalid field", wantDetail: "client_secret is not a valid field for users."},

	// INVALID_INCLUDE: the detail names the type at the depth of the bad segment.
	{name: "invalid include/top level", method: "GET", path: "/api/roles?include=owner",
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "owner is not a valid includable relationship of roles"},
	{name: "invalid include/an attribute", method: "GET", path: "/api/roles/rolBBAdmin?include=name",
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "name is not a valid includable relationship of roles"},
	{name: "invalid include/depth two", method: "GET", path: "/api/memberships?include=organization,role.owner",
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "owner is not a valid includable relationship of roles"},
	{name: "invalid include/depth three", method: "GET", path: "/api/memberships/memBBJamie?include=role.organization.users",
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "users is not a valid includable relationship of organizations"},
	// The mock's own bounds on include (the real service has none that SPEC records).
	{name: "invalid include/too deep", method: "GET", path: "/api/memberships?include=role" + strings.Repeat(".organization.roles", 25000),
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field",
		wantDetail: "role.organization.roles.organization.roles.organization.roles.organization... goes deeper than 7 relationships"},
	{name: "invalid include/too many relationships", method: "GET", path: "/api/organizations?include=" + strings.Join(acyclicIncludes("organizations", 51), ","),
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "include names more than 50 relationships"},

	// INVALID_SORT_CRITERIA: a field that is not sortable (roles sort by the common fields only).
	{name: "invalid sort/filterable but not sortable", method: "GET", path: "/api/roles?sort=kind",
		wantStatus: 400, wantCode: "INVALID_SORT_CRITERIA", wantTitle: "Invalid sort criteria", wantDetail: "kind is not a valid sort criteria for roles"},
	{name: "invalid sort/descending unknown field after a good one", method: "GET", path: "/api/organizations?sort=name,-colour",
		wantStatus: 400, wantCode: "INVALID_SORT_CRITERIA", wantTitle: "Invalid sort criteria", wantDetail: "colour is not a valid sort criteria for organizations"},
	{name: "invalid sort/on a relationship list, against the related type", method: "GET", path: "/api/organizations/orgBlueBrd/roles?sort=name",
		wantStatus: 400, wantCode: "INVALID_SORT_CRITERIA", wantTitle: "Invalid sort criteria", wantDetail: "name is not a valid sort criteria for roles"},

	// INVALID_PAGE_VALUE: 0, negatives, non-numbers, over 25.
	{name: "invalid page/size zero", method: "GET", path: "/api/roles?page[size]=0",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "0 is not a valid value for size page parameter."},
	{name: "invalid page/size negative", method: "GET", path: "/api/roles?page[size]=-5",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "-5 is not a valid value for size page parameter."},
	{name: "invalid page/size not a number", method: "GET", path: "/api/roles?page[size]=ten",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "ten is not a valid value for size page parameter."},
	{name: "invalid page/size not an integer", method: "GET", path: "/api/roles?page[size]=2.5",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "2.5 is not a valid value for size page parameter."},
	{name: "invalid page/size over 25", method: "GET", path: "/api/roles?page[size]=26",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "size exceeds maximum page size of 25."},
	{name: "invalid page/number zero", method: "GET", path: "/api/roles?page[number]=0",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "0 is not a valid value for number page parameter."},
	{name: "invalid page/number negative", method: "GET", path: "/api/roles?page[number]=-1",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "-1 is not a valid value for number page parameter."},
	{name: "invalid page/number not a number", method: "GET", path: "/api/organizations/orgBlueBrd/roles?page[number]=last",
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "last is not a valid value for number page parameter."},

	// FILTER_NOT_ALLOWED: a key other than filter[q], an unknown or unfilterable attribute,
	// an unknown predicate.
	{name: "filter not allowed/key other than q", method: "GET", path: "/api/roles?filter[name_eq]=admin",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "name_eq is not allowed."},
	{name: "filter not allowed/unknown attribute", method: "GET", path: "/api/roles?filter[q][colour_eq]=red",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "colour_eq is not allowed."},
	{name: "filter not allowed/attribute not filterable", method: "GET", path: "/api/api_credentials?filter[q][client_secret_eq]=x",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "client_secret_eq is not allowed."},
	{name: "filter not allowed/unfilterable attribute through a relationship", method: "GET", path: "/api/roles?filter[q][organization_support_email_eq]=x",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "organization_support_email_eq is not allowed."},
	{name: "filter not allowed/unknown predicate", method: "GET", path: "/api/roles?filter[q][name_like]=adm",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "name_like is not allowed."},
	{name: "filter not allowed/no predicate", method: "GET", path: "/api/roles?filter[q][name]=admin",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "name is not allowed."},

	// INVALID_FILTER_VALUE: a value that does not read as the attribute's type.
	{name: "invalid filter value/integer", method: "GET", path: "/api/api_credentials?filter[q][expires_in_gt]=soon",
		wantStatus: 400, wantCode: "INVALID_FILTER_VALUE", wantTitle: "Invalid filter value", wantDetail: "soon is not a valid value for expires_in_gt."},
	{name: "invalid filter value/timestamp", method: "GET", path: "/api/roles?filter[q][created_at_gt]=yesterday",
		wantStatus: 400, wantCode: "INVALID_FILTER_VALUE", wantTitle: "Invalid filter value", wantDetail: "yesterday is not a valid value for created_at_gt."},
	{name: "invalid filter value/boolean", method: "GET", path: "/api/memberships?filter[q][owner_eq]=maybe",
		wantStatus: 400, wantCode: "INVALID_FILTER_VALUE", wantTitle: "Invalid filter value", wantDetail: "maybe is not a valid value for owner_eq."},
	{name: "invalid filter value/flag predicate", method: "GET", path: "/api/roles?filter[q][reference_null]=yes",
		wantStatus: 400, wantCode: "INVALID_FILTER_VALUE", wantTitle: "Invalid filter value", wantDetail: "yes is not a valid value for reference_null."},

	// RECORD_NOT_FOUND: unknown id, unknown route.
	{name: "not found/retrieve", method: "GET", path: "/api/roles/rolMissing",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/update", method: "PATCH", path: "/api/roles/rolMissing",
		body:       `{"data":{"type":"roles","id":"rolMissing","attributes":{"name":"Marketing"}}}`,
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/delete", method: "DELETE", path: "/api/api_credentials/apcMissing",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/related list of an unknown parent", method: "GET", path: "/api/organizations/orgMissing/roles",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/linkage of an unknown parent", method: "GET", path: "/api/roles/rolMissing/relationships/permissions",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/action on an unknown record", method: "POST", path: "/api/memberships/memMissing/resend",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/unknown type", method: "GET", path: "/api/markets",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/unknown relationship", method: "GET", path: "/api/roles/rolBBAdmin/owner",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	{name: "not found/unknown relationship linkage", method: "GET", path: "/api/roles/rolBBAdmin/relationships/owner",
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
	// A path outside the family's prefixes is no family's: see mock's TestRoutingMissesPerFamily.

	// METHOD_NOT_ALLOWED: an operation the type does not offer, with an Allow header.
	{name: "method not allowed/delete an organization", method: "DELETE", path: "/api/organizations/orgBlueBrd",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "DELETE is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/delete a role", method: "DELETE", path: "/api/roles/rolBBAdmin",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "DELETE is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/delete a permission", method: "DELETE", path: "/api/permissions/prmBBMkPro",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "DELETE is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/create a version", method: "POST", path: "/api/versions",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "POST is not allowed on this resource. Allowed methods: GET.", wantHeader: hdr("Allow", "GET")},
	{name: "method not allowed/update a version", method: "PATCH", path: "/api/versions/verRolMk01",
		body:       `{"data":{"type":"versions","id":"verRolMk01","attributes":{"event":"destroy"}}}`,
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "PATCH is not allowed on this resource. Allowed methods: GET.", wantHeader: hdr("Allow", "GET")},
	{name: "method not allowed/create the user", method: "POST", path: "/api/user", body: `{"data":{"type":"users"}}`,
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "POST is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/delete the user", method: "DELETE", path: "/api/user",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "DELETE is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/PUT", method: "PUT", path: "/api/roles/rolBBMktEd", body: roleUpdate,
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "PUT is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "method not allowed/write a relationship", method: "PATCH", path: "/api/roles/rolBBAdmin/relationships/permissions",
		body:       `{"data":[]}`,
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "PATCH is not allowed on this resource. Allowed methods: GET.", wantHeader: hdr("Allow", "GET")},
	{name: "method not allowed/GET an action", method: "GET", path: "/api/memberships/memBBJamie/resend",
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "GET is not allowed on this resource. Allowed methods: POST.", wantHeader: hdr("Allow", "POST")},

	// NOT_ACCEPTABLE: an Accept that allows neither the media type nor */*.
	{name: "not acceptable/html", method: "GET", path: "/api/roles", headers: hdr("Accept", "text/html"),
		wantStatus: 406, wantCode: "NOT_ACCEPTABLE", wantTitle: "Not acceptable", wantDetail: fmt.Sprintf(acceptDetail, "text/html")},
	{name: "not acceptable/plain json", method: "GET", path: "/api/roles/rolBBAdmin", headers: hdr("Accept", "application/json"),
		wantStatus: 406, wantCode: "NOT_ACCEPTABLE", wantTitle: "Not acceptable", wantDetail: fmt.Sprintf(acceptDetail, "application/json")},
	{name: "not acceptable/media type with parameters", method: "POST", path: "/api/roles", body: roleCreate,
		headers:    hdr("Accept", "application/vnd.api+json; ext=bulk"),
		wantStatus: 406, wantCode: "NOT_ACCEPTABLE", wantTitle: "Not acceptable", wantDetail: fmt.Sprintf(acceptDetail, "application/vnd.api+json; ext=bulk")},

	// UNSUPPORTED_MEDIA_TYPE: a POST or PATCH with another Content-Type.
	{name: "unsupported media type/json on create", method: "POST", path: "/api/roles", body: roleCreate,
		headers:    hdr("Content-Type", "application/json"),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "application/json")},
	{name: "unsupported media type/form on update", method: "PATCH", path: "/api/roles/rolBBMktEd", body: roleUpdate,
		headers:    hdr("Content-Type", "application/x-www-form-urlencoded"),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "application/x-www-form-urlencoded")},
	{name: "unsupported media type/none", method: "POST", path: "/api/roles", body: roleCreate,
		headers:    hdr("Content-Type", ""),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "")},

	// VALIDATION_ERROR: one error per failing rule, pointing at it.
	{name: "validation/blank required attribute", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":""},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus: 422, wantCode: "VALIDATION_ERROR", wantTitle: "can't be blank", wantDetail: "name - can't be blank",
		wantPointer: "/data/attributes/name", wantMeta: map[string]any{"error": "blank"}},
	{name: "validation/missing required attribute", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
		wantStatus: 422, wantCode: "VALIDATION_ERROR", wantTitle: "can't be blank", wantDetail: "name - can't be blank",
		wantPointer: "/data/attributes/name", wantMeta: map[string]any{"error": "blank"}},
	{name: "validation/required attribute blanked by an update", method: "PATCH", path: "/api/roles/rolBBMktEd",
		body:       `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"  "}}}`,
		wantStatus: 422, wantCode: "VALIDATION_ERROR", wantTitle: "can't be blank", wantDetail: "name - can't be blank",
		wantPointer: "/data/attributes/name", wantMeta: map[string]any{"error": "blank"}},
	{name: "validation/linked id that does not exist", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"Support"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgMissing"}}}}}`,
		wantStatus: 422, wantCode: "VALIDATION_ERROR", wantTitle: "must exist", wantDetail: "organization - must exist",
		wantPointer: "/data/relationships/organization", wantMeta: map[string]any{"error": "blank"}},
	{name: "validation/linked id that does not exist in an update", method: "PATCH", path: "/api/memberships/memBBJamie",
		body:       `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"role":{"data":{"type":"roles","id":"rolMissing"}}}}}`,
		wantStatus: 422, wantCode: "VALIDATION_ERROR", wantTitle: "must exist", wantDetail: "role - must exist",
		wantPointer: "/data/relationships/role", wantMeta: map[string]any{"error": "blank"}},

	// LOCKED: a delete that would leave dependents pointing at nothing.
	{name: "locked/membership profile with members", method: "DELETE", path: "/api/membership_profiles/mprBBMktGr",
		wantStatus: 423, wantCode: "LOCKED", wantTitle: "Locked resource", wantDetail: "Cannot delete record because of dependent memberships"},
	{name: "locked/api credential with application memberships", method: "DELETE", path: "/api/api_credentials/apcBBOrdAp",
		wantStatus: 423, wantCode: "LOCKED", wantTitle: "Locked resource", wantDetail: "Cannot delete record because of dependent application_memberships"},

	// 413: a body over the configured limit.
	{name: "payload too large", method: "POST", path: "/api/roles", body: roleCreate, maxBody: 64,
		wantStatus: 413, wantCode: "PAYLOAD_TOO_LARGE", wantTitle: "Payload too large", wantDetail: "The request body exceeds the limit of 64 bytes."},

	// Check order (SPEC "Errors"): authentication, Content-Type (writes only), Accept, body
	// JSON, then fields, include, filter, sort, page, then the body's members. In every case
	// below two things are wrong and the earlier check must win.
	{name: "order/content-type before accept", method: "POST", path: "/api/roles", body: roleCreate,
		headers:    hdr("Content-Type", "text/plain", "Accept", "text/html"),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "text/plain")},
	{name: "order/content-type before body JSON", method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{"data":`,
		headers:    hdr("Content-Type", "application/json"),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "application/json")},
	{name: "order/content-type before body size", method: "POST", path: "/api/roles", body: roleCreate, maxBody: 64,
		headers:    hdr("Content-Type", "application/json"),
		wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE", wantTitle: "Unsupported media type", wantDetail: fmt.Sprintf(ctDetail, "application/json")},
	{name: "order/content-type is not checked on reads", method: "GET", path: "/api/roles?sort=kind",
		headers:    hdr("Content-Type", "text/plain"),
		wantStatus: 400, wantCode: "INVALID_SORT_CRITERIA", wantTitle: "Invalid sort criteria", wantDetail: "kind is not a valid sort criteria for roles"},
	{name: "order/accept before body JSON", method: "POST", path: "/api/roles", body: `[1]`,
		headers:    hdr("Accept", "text/html"),
		wantStatus: 406, wantCode: "NOT_ACCEPTABLE", wantTitle: "Not acceptable", wantDetail: fmt.Sprintf(acceptDetail, "text/html")},
	{name: "order/accept before query", method: "GET", path: "/api/roles?include=owner",
		headers:    hdr("Accept", "text/html"),
		wantStatus: 406, wantCode: "NOT_ACCEPTABLE", wantTitle: "Not acceptable", wantDetail: fmt.Sprintf(acceptDetail, "text/html")},
	{name: "order/body JSON before fields", method: "POST", path: "/api/roles?fields[rolez]=name", body: `{"data":`,
		wantStatus: 400, wantCode: "BAD_REQUEST", wantTitle: "Bad Request", wantDetail: "unexpected end of JSON input"},
	{name: "order/fields before include", method: "GET", path: "/api/roles?include=owner&fields[roles]=colour",
		wantStatus: 400, wantCode: "INVALID_FIELD", wantTitle: "Invalid field", wantDetail: "colour is not a valid field for roles."},
	{name: "order/include before filter", method: "GET", path: "/api/roles?filter[q][colour_eq]=red&include=owner",
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "owner is not a valid includable relationship of roles"},
	{name: "order/filter before sort", method: "GET", path: "/api/roles?sort=kind&filter[q][colour_eq]=red",
		wantStatus: 400, wantCode: "FILTER_NOT_ALLOWED", wantTitle: "Filter not allowed", wantDetail: "colour_eq is not allowed."},
	{name: "order/sort before page", method: "GET", path: "/api/roles?page[size]=0&sort=kind",
		wantStatus: 400, wantCode: "INVALID_SORT_CRITERIA", wantTitle: "Invalid sort criteria", wantDetail: "kind is not a valid sort criteria for roles"},
	{name: "order/page before body members", method: "POST", path: "/api/roles?page[size]=26",
		body:       `{"data":{"type":"roles","attributes":{"colour":"red"}}}`,
		wantStatus: 400, wantCode: "INVALID_PAGE_VALUE", wantTitle: "Invalid page value", wantDetail: "size exceeds maximum page size of 25."},
	{name: "order/query before a missing data", method: "PATCH", path: "/api/roles/rolBBMktEd?include=owner", body: `{}`,
		wantStatus: 400, wantCode: "INVALID_INCLUDE", wantTitle: "Invalid field", wantDetail: "owner is not a valid includable relationship of roles"},
	{name: "order/body members before the record lookup", method: "PATCH", path: "/api/roles/rolMissing", body: `{}`,
		wantStatus: 400, wantCode: "PARAM_MISSING", wantTitle: "Missing Parameter", wantDetail: "The required parameter, data, is missing."},
	{name: "order/query before the record lookup", method: "GET", path: "/api/roles/rolMissing?fields[roles]=colour",
		wantStatus: 400, wantCode: "INVALID_FIELD", wantTitle: "Invalid field", wantDetail: "colour is not a valid field for roles."},
	{name: "order/400 in a body before its 422s", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"roles","attributes":{"name":"","colour":"red"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgMissing"}}}}}`,
		wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantTitle: "Param not allowed", wantDetail: "colour is not allowed."},
	{name: "order/data.type before data.id", method: "POST", path: "/api/roles",
		body:       `{"data":{"type":"permissions","id":"myOwnId001"}}`,
		wantStatus: 400, wantCode: "INVALID_RESOURCE", wantTitle: "Invalid resource", wantDetail: "permissions is not a valid resource."},
	// Routing comes before every check of the request: an operation that does not exist
	// answers 405, and a path that does not exist 404, whatever the headers say.
	{name: "order/405 before content-type", method: "POST", path: "/api/versions", body: `{"data":`,
		headers:    hdr("Content-Type", "text/plain"),
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "POST is not allowed on this resource. Allowed methods: GET.", wantHeader: hdr("Allow", "GET")},
	{name: "order/405 before accept", method: "DELETE", path: "/api/organizations/orgBlueBrd",
		headers:    hdr("Accept", "text/html"),
		wantStatus: 405, wantCode: "METHOD_NOT_ALLOWED", wantTitle: "Method not allowed",
		wantDetail: "DELETE is not allowed on this resource. Allowed methods: GET, PATCH.", wantHeader: hdr("Allow", "GET, PATCH")},
	{name: "order/404 route before accept", method: "GET", path: "/api/markets",
		headers:    hdr("Accept", "text/html"),
		wantStatus: 404, wantCode: "RECORD_NOT_FOUND", wantTitle: "Record not found", wantDetail: notFoundDetail},
}

func TestErrors(t *testing.T) {
	// Every code of SPEC's error table (but the token and rate-limit ones) has a case, so
	// that removing one cannot go unnoticed.
	codes := map[string]bool{}
	for _, tc := range errorCases {
		codes[tc.wantCode] = true
	}
	for _, c := range []string{"BAD_REQUEST", "PARAM_MISSING", "INVALID_DATA_FORMAT", "INVALID_RESOURCE",
		"TYPE_MISMATCH", "INVALID_LINKS_OBJECT", "KEY_NOT_INCLUDED_IN_URL", "KEY_ORDER_MISMATCH",
		"PARAM_NOT_ALLOWED", "INVALID_FIELD", "INVALID_INCLUDE", "INVALID_SORT_CRITERIA", "INVALID_PAGE_VALUE",
		"FILTER_NOT_ALLOWED", "INVALID_FILTER_VALUE", "RECORD_NOT_FOUND", "METHOD_NOT_ALLOWED", "NOT_ACCEPTABLE",
		"UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR", "LOCKED", "PAYLOAD_TOO_LARGE"} {
		if !codes[c] {
			t.Errorf("no error case answers %s", c)
		}
	}

	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustServer(t)
			if tc.maxBody > 0 {
				s = mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, MaxBody: tc.maxBody})
			}
			before := s.dump(t)
			rec := s.do(t, request{method: tc.method, path: tc.path, body: tc.body, headers: tc.headers})
			checkError(t, rec, tc)
			if after := s.dump(t); !reflect.DeepEqual(before, after) {
				t.Errorf("the refused request changed the stored data:\nbefore: %v\nafter:  %v", before, after)
			}
		})
	}
}

// errorMembers is the wire order of an error object's members (SPEC "Errors").
var errorMembers = []string{"title", "detail", "code", "source", "status", "meta"}

// checkError asserts that the response is exactly the one error object tc describes.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, tc errCase) {
	t.Helper()
	res := rec.Result()
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != tc.wantStatus {
		t.Fatalf("status = %d, want %d; body: %s", res.StatusCode, tc.wantStatus, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != handlers.MediaType {
		t.Errorf("Content-Type = %q, want %q", ct, handlers.MediaType)
	}
	for k, v := range tc.wantHeader {
		if got := res.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if _, want := tc.wantHeader["Allow"]; !want && res.Header.Get("Allow") != "" {
		t.Errorf("unexpected Allow header %q", res.Header.Get("Allow"))
	}

	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body.Bytes(), &doc); err != nil {
		t.Fatalf("body is not a JSON object: %v; body: %s", err, body)
	}
	if keys := sortedMapKeys(doc); !reflect.DeepEqual(keys, []string{"errors"}) {
		t.Fatalf("top-level members = %v, want [errors]; body: %s", keys, body)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(doc["errors"], &list); err != nil || len(list) != 1 {
		t.Fatalf("errors is not a list of one object (%v); body: %s", err, body)
	}
	raw := list[0]

	// Members and their order: title, detail, code, source (422 only), status, meta (422 only).
	var want []string
	for _, m := range errorMembers {
		if (m == "source" || m == "meta") && tc.wantStatus != http.StatusUnprocessableEntity {
			continue
		}
		want = append(want, m)
	}
	if got := memberOrder(t, raw); !reflect.DeepEqual(got, want) {
		t.Errorf("error object members = %v, want %v; body: %s", got, want, body)
	}

	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	if got, want := string(obj["status"]), strconv.Quote(strconv.Itoa(tc.wantStatus)); got != want {
		t.Errorf("status member = %s, want %s (a string)", got, want)
	}
	var e struct {
		Title, Detail, Code string
		Source              map[string]any
		Meta                map[string]any
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	if e.Code != tc.wantCode {
		t.Errorf("code = %q, want %q", e.Code, tc.wantCode)
	}
	if e.Title != tc.wantTitle {
		t.Errorf("title = %q, want %q", e.Title, tc.wantTitle)
	}
	if e.Detail != tc.wantDetail {
		t.Errorf("detail = %q, want %q", e.Detail, tc.wantDetail)
	}
	if tc.wantStatus == http.StatusUnprocessableEntity {
		if want := map[string]any{"pointer": tc.wantPointer}; !reflect.DeepEqual(e.Source, want) {
			t.Errorf("source = %v, want %v", e.Source, want)
		}
		if !reflect.DeepEqual(e.Meta, tc.wantMeta) {
			t.Errorf("meta = %v, want %v", e.Meta, tc.wantMeta)
		}
	} else if tc.wantPointer != "" || tc.wantMeta != nil {
		t.Fatalf("bad case: only a 422 has a source or meta")
	}
}

// memberOrder returns the member names of a JSON object in the order they appear.
func memberOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestHead: HEAD is GET without a body on every readable path, and a 405 (with the path's
// Allow) where GET is not offered; the route table registers it beside the other methods.
func TestHead(t *testing.T) {
	s := mustServer(t)
	get := s.do(t, request{method: http.MethodGet, path: "/api/roles?sort=-created_at"})
	head := s.do(t, request{method: http.MethodHead, path: "/api/roles?sort=-created_at"})
	mustStatus(t, head, http.StatusOK)
	if got, want := head.Header().Get("Content-Type"), get.Header().Get("Content-Type"); got != want {
		t.Errorf("HEAD Content-Type = %q, GET's = %q", got, want)
	}
	rec := s.do(t, request{method: http.MethodHead, path: "/api/roles/rolMissing"})
	mustStatus(t, rec, http.StatusNotFound)
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD answered a body: %s", rec.Body.String())
	}
	rec = s.do(t, request{method: http.MethodHead, path: "/api/memberships/memBBJamie/resend"})
	mustStatus(t, rec, http.StatusMethodNotAllowed)
	if got := rec.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
}
