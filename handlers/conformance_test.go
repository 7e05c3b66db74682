package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
)

// specEnv names the environment variable holding the path of the official OpenAPI
// description of the Provisioning API (the Makefile sets it to ../shared/provisioning-openapi.json).
const specEnv = "PROVISIONING_OPENAPI"

// specMissing is the skip message when the description is not where it is expected (a
// plain clone without ../shared): the same line in every package that reads it.
const specMissing = "the official OpenAPI description is expected at %s (PROVISIONING_OPENAPI; the README's Tests section says where to get it): skipped"

// TestConformance sends one real request per operation of the official OpenAPI description
// through the router, each to a fresh server with the demo data, and checks that the mock
// answers the documented success status with a body that the operation's response schema
// accepts. Write bodies are themselves validated against the operation's request schema first,
// so they are known to be what a real client may send. The description's known errata are
// corrected in one place, patchErrata, before anything is validated.
func TestConformance(t *testing.T) {
	doc := loadSpec(t)
	reg := models.Provisioning()
	if err := patchErrata(doc, reg); err != nil {
		t.Fatalf("patching the errata of the OpenAPI description: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("routing the OpenAPI description: %v", err)
	}
	resources, err := resourceSchemas(doc, reg)
	if err != nil {
		t.Fatal(err)
	}
	c := &conformance{reg: reg, router: router, resources: resources, server: doc.Servers[0].URL}

	ops := specOperations(doc)
	if len(ops) == 0 {
		t.Fatal("the OpenAPI description has no operations")
	}
	exercised := map[string]bool{}
	for _, op := range ops {
		t.Run(op.key(), func(t *testing.T) {
			t.Logf("operationId %s", op.op.OperationID)
			c.check(t, op)
			exercised[op.key()] = true
		})
	}

	// Every operation of the file must have been exercised to the end: a new operation the
	// test cannot build a request for fails above, and is listed here too.
	var missed []string
	for _, op := range ops {
		if !exercised[op.key()] {
			missed = append(missed, op.key())
		}
	}
	if len(missed) > 0 {
		t.Errorf("%d of %d operations were not exercised to the end: %s", len(missed), len(ops), strings.Join(missed, ", "))
	}
	// And every case written for a write must name an operation of the file.
	for key := range writeCases {
		if !slices.ContainsFunc(ops, func(op specOperation) bool { return op.key() == key }) {
			t.Errorf("writeCases has %q, which is not an operation of the OpenAPI description", key)
		}
	}
	t.Logf("%d operations of the OpenAPI description exercised", len(exercised))
}

// loadSpec loads the description named by PROVISIONING_OPENAPI: the test is skipped when the
// variable is unset, and fails when it names a file that cannot be read or loaded.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	path := os.Getenv(specEnv)
	if path == "" {
		t.Skipf("%s is not set: skipping the conformance test against the official OpenAPI description "+
			"(set it to the path of provisioning-openapi.json, as `make test` does)", specEnv)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf(specMissing, path)
	}
	if err != nil {
		t.Fatalf("%s=%q: cannot read the OpenAPI description: %v", specEnv, path, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("%s=%q: cannot load the OpenAPI description: %v", specEnv, path, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("%s=%q: the OpenAPI description is not valid: %v", specEnv, path, err)
	}
	if len(doc.Servers) == 0 {
		t.Fatalf("%s=%q: the OpenAPI description has no servers", specEnv, path)
	}
	return doc
}

// nullableReadOnly lists, per JSON:API type, the read-only attributes that the real service
// leaves null until they are set, which the description does not mark nullable (erratum 3).
var nullableReadOnly = map[string][]string{
	// Sales channels are public clients: they have no client_secret, and they are the only
	// kind with scopes ("market:all").
	"api_credentials": {"client_secret", "scopes"},
	// Null while the provider is enabled; _disable sets it, _enable clears it again.
	"identity_providers": {"disabled_at"},
	// Invitations to an email nobody has signed up with yet have no user names.
	"memberships": {"user_first_name", "user_last_name"},
}

// patchErrata corrects, in place, the known errata of the official description (1.0.15).
// It is the only place the description is changed. Each correction is targeted at the
// schemas it names, and each fails loudly when it no longer applies (the file was fixed, or
// differs from what the correction expects), so that it is removed rather than left to hide
// something. Facts about relationships (related type, to-one or to-many) come from the
// mock's registry.
func patchErrata(doc *openapi3.T, reg *models.Registry) error {
	var enums, lists, nullLinks int
	seen := map[*openapi3.Schema]bool{} // linkage and attribute schemas shared through $ref are patched once
	patched := map[string]bool{}        // "type.attribute" of erratum 3
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		data := property(doc.Components.Schemas[name], "data")
		if data == nil || data.Value.Type.Is(openapi3.TypeArray) {
			continue // lists refer to the resource object of their *Response schema, patched there
		}
		typ, ok := enumOne(property(data, "type"))
		if !ok {
			return fmt.Errorf("schema %s: data.type has no single enum value", name)
		}
		def := reg.Lookup(typ)
		if def == nil {
			return fmt.Errorf("schema %s describes type %q, which the mock does not know", name, typ)
		}
		isResponse := strings.HasSuffix(name, "Response")
		if rels := property(data, "relationships"); rels != nil {
			for relName, relSchema := range rels.Value.Properties {
				rel := def.Rel(relName)
				if rel == nil {
					return fmt.Errorf("schema %s: relationship %s of %s is not in the mock's registry", name, relName, typ)
				}
				linkage := property(relSchema, "data")
				if linkage == nil || seen[linkage.Value] {
					continue
				}
				seen[linkage.Value] = true
				typeSchema := property(linkage, "type")
				got, _ := enumOne(typeSchema)
				switch got {
				case rel.Type:
				case rel.Name:
					// Erratum 1: a relationship's data.type enum is the relationship's (often
					// singular) name, "organization", instead of the related resource type,
					// "organizations", which is what the real service sends and accepts.
					typeSchema.Value.Enum = []any{rel.Type}
					enums++
				default:
					return fmt.Errorf("schema %s: relationship %s: data.type enum %q is neither %q nor %q", name, relName, got, rel.Name, rel.Type)
				}
				if !linkage.Value.Type.Is(openapi3.TypeObject) {
					return fmt.Errorf("schema %s: relationship %s: data is not described as an object", name, relName)
				}
				switch {
				case rel.ToMany:
					// Erratum 2: relationship data is described as one resource identifier object
					// even for to-many relationships, whose data is a list of them (JSON:API
					// resource linkage).
					relSchema.Value.Properties["data"] = openapi3.NewArraySchema().WithItems(linkage.Value).NewRef()
					lists++
				case isResponse:
					// Erratum 2, to-one side: an included to-one relationship that is not set
					// has data null (JSON:API resource linkage), which the description's
					// non-nullable object does not allow.
					linkage.Value.Nullable = true
					nullLinks++
				}
			}
		}
		attrs := property(data, "attributes")
		if attrs == nil || seen[attrs.Value] || strings.HasSuffix(name, "Create") || strings.HasSuffix(name, "Update") {
			continue // request schemas have no read-only attributes
		}
		seen[attrs.Value] = true
		for _, attr := range nullableReadOnly[typ] {
			s := property(attrs, attr)
			if s == nil {
				return fmt.Errorf("schema %s: %s has no attribute %s any more: drop it from nullableReadOnly", name, typ, attr)
			}
			if !s.Value.ReadOnly || s.Value.Nullable {
				return fmt.Errorf("schema %s: %s.%s is not a read-only, non-nullable attribute any more: drop it from nullableReadOnly", name, typ, attr)
			}
			// Erratum 3: a read-only attribute that the real service leaves null until it is
			// set is not marked nullable (see nullableReadOnly for each one's reason).
			s.Value.Nullable = true
			patched[typ+"."+attr] = true
		}
	}
	var errs []error
	if enums == 0 {
		errs = append(errs, errors.New("erratum 1 (singular relationship type enums) no longer applies"))
	}
	if lists == 0 {
		errs = append(errs, errors.New("erratum 2 (to-many relationship data described as an object) no longer applies"))
	}
	if nullLinks == 0 {
		errs = append(errs, errors.New("erratum 2 (to-one relationship data not nullable in responses) no longer applies"))
	}
	for typ, attrs := range nullableReadOnly {
		for _, attr := range attrs {
			if !patched[typ+"."+attr] {
				errs = append(errs, fmt.Errorf("erratum 3: no schema of %s has the attribute %s", typ, attr))
			}
		}
	}
	return errors.Join(errs...)
}

// property returns a property of an object schema, or nil.
func property(s *openapi3.SchemaRef, name string) *openapi3.SchemaRef {
	if s == nil || s.Value == nil {
		return nil
	}
	return s.Value.Properties[name]
}

// enumOne returns the only value of a string schema's enum.
func enumOne(s *openapi3.SchemaRef) (string, bool) {
	if s == nil || s.Value == nil || len(s.Value.Enum) != 1 {
		return "", false
	}
	v, ok := s.Value.Enum[0].(string)
	return v, ok
}

// resourceSchemas returns, for every type of the registry, the schema of its resource
// object: components/schemas/{name}Response/properties/data.
func resourceSchemas(doc *openapi3.T, reg *models.Registry) (map[string]*openapi3.SchemaRef, error) {
	out := map[string]*openapi3.SchemaRef{}
	for name, s := range doc.Components.Schemas {
		if !strings.HasSuffix(name, "Response") {
			continue
		}
		data := property(s, "data")
		if typ, ok := enumOne(property(data, "type")); ok {
			out[typ] = data
		}
	}
	for _, def := range reg.All() {
		if out[def.Type] == nil {
			return nil, fmt.Errorf("the OpenAPI description has no response schema for type %s", def.Type)
		}
	}
	return out, nil
}

// specOperation is one path and method of the description.
type specOperation struct {
	method string
	path   string
	item   *openapi3.PathItem
	op     *openapi3.Operation
}

func (o specOperation) key() string { return o.method + " " + o.path }

// specOperations lists every operation of the description, in path order.
func specOperations(doc *openapi3.T) []specOperation {
	var ops []specOperation
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		item := paths[p]
		methods := item.Operations()
		names := make([]string, 0, len(methods))
		for m := range methods {
			names = append(names, m)
		}
		slices.Sort(names)
		for _, m := range names {
			ops = append(ops, specOperation{method: m, path: p, item: item, op: methods[m]})
		}
	}
	return ops
}

// sampleIDs names, per type, a demo record every relationship of which is set, so that the
// relationship endpoints answer something to validate. Reads and updates use it.
var sampleIDs = map[string]string{
	"api_credentials":         "apcBBOrdAp",
	"application_memberships": "appBBOrdJm",
	"identity_providers":      "idpBBOkta1",
	"memberships":             "memBBJamie",
	"membership_profiles":     "mprBBMktGr",
	"organizations":           "orgBlueBrd",
	"permissions":             "prmBBMkPro",
	"roles":                   "rolBBMktEd",
	"versions":                "verRolMk01",
}

// writeCase is what a write needs beyond its operation: its body, and the record it acts on
// when that is not the type's sample.
type writeCase struct {
	id   string
	body string
}

// writeCases has an entry for every operation other than GET, keyed "METHOD /path" as in
// the description. Bodies link demo records; DELETEs remove records nothing depends on.
var writeCases = map[string]writeCase{
	"POST /api_credentials": {body: `{"data":{"type":"api_credentials",
		"attributes":{"name":"Conformance storefront","kind":"sales_channel","mode":"test","reference":"CONF-1"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`},
	"PATCH /api_credentials/{apiCredentialId}": {body: `{"data":{"type":"api_credentials","id":"apcBBOrdAp",
		"attributes":{"name":"Orders app","redirect_uri":"https://orders.bluebrand.example/callback","expires_in":28800,"metadata":{"team":"ops"}},
		"relationships":{"role":{"data":{"type":"roles","id":"rolBBReadO"}}}}}`},
	"DELETE /api_credentials/{apiCredentialId}": {id: "apcBBDashb"},

	"POST /application_memberships": {body: `{"data":{"type":"application_memberships",
		"attributes":{"filters":{"market_id_in":[202]}},
		"relationships":{
			"api_credential":{"data":{"type":"api_credentials","id":"apcBBDashb"}},
			"membership":{"data":{"type":"memberships","id":"memBBViewr"}},
			"membership_profile":{"data":{"type":"membership_profiles","id":"mprBBQAGrp"}},
			"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},
			"role":{"data":{"type":"roles","id":"rolBBReadO"}}}}}`},
	"PATCH /application_memberships/{applicationMembershipId}": {body: `{"data":{"type":"application_memberships","id":"appBBOrdJm",
		"attributes":{"filters":{"market_id_in":[202,203,204]},"reference":"APP-1"},
		"relationships":{"role":{"data":{"type":"roles","id":"rolBBAdmin"}},
			"membership_profile":{"data":{"type":"membership_profiles","id":"mprBBQAGrp"}}}}}`},
	"DELETE /application_memberships/{applicationMembershipId}": {},

	"POST /identity_providers": {body: `{"data":{"type":"identity_providers","attributes":{
		"name":"Blue Brand Entra","client_id":"bbEntraClient01","client_secret":"bbEntraSecret01",
		"issuer":"https://login.bluebrand.example/","domains":"bluebrand.example",
		"token_url":"https://login.bluebrand.example/oauth2/token",
		"authorize_url":"https://login.bluebrand.example/oauth2/authorize",
		"jwks_url":"https://login.bluebrand.example/keys","organization":"the-blue-brand"}}}`},
	"PATCH /identity_providers/{identityProviderId}": {body: `{"data":{"type":"identity_providers","id":"idpBBOkta1",
		"attributes":{"name":"Blue Brand Okta (old)","_disable":true}}}`},
	"DELETE /identity_providers/{identityProviderId}": {id: "idpGGAuth0"},

	"POST /memberships": {body: `{"data":{"type":"memberships",
		"attributes":{"user_email":"new.colleague@bluebrand.example","access_scope":"test_access"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},
			"role":{"data":{"type":"roles","id":"rolBBReadO"}}}}}`},
	"PATCH /memberships/{membershipId}": {body: `{"data":{"type":"memberships","id":"memBBJamie",
		"attributes":{"access_scope":"all_access"},
		"relationships":{"role":{"data":{"type":"roles","id":"rolBBReadO"}},
			"application_memberships":{"data":[{"type":"application_memberships","id":"appBBOrdJm"}]},
			"membership_profile":{"data":{"type":"membership_profiles","id":"mprBBQAGrp"}}}}}`},
	"DELETE /memberships/{membershipId}":                {id: "memGGTomIn"},
	"POST /memberships/{membershipId}/resend":           {body: `{"data":{"type":"memberships","id":"memBBJamie"}}`},
	"POST /membership_profiles":                         {body: `{"data":{"type":"membership_profiles","attributes":{"name":"Support group","access_scope":"test_access"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`},
	"DELETE /membership_profiles/{membershipProfileId}": {id: "mprBBQAGrp"},
	"PATCH /membership_profiles/{membershipProfileId}": {body: `{"data":{"type":"membership_profiles","id":"mprBBMktGr",
		"attributes":{"name":"Marketing team","access_scope":"all_access"}}}`},

	"POST /organizations": {body: `{"data":{"type":"organizations","attributes":{"name":"Conformance Org",
		"support_email":"support@conformance.example","primary_color":"#C8984E","region":"us-east-1",
		"config":{"mfe":{"language":"en-US"}}}}}`},
	"PATCH /organizations/{organizationId}": {body: `{"data":{"type":"organizations","id":"orgBlueBrd",
		"attributes":{"support_email":"care@bluebrand.example","gtm_id":null,"metadata":{"tier":"platinum"}}}}`},
	"PATCH /organizations/{organizationId}/transfer_ownership": {body: `{"data":{"type":"organizations","id":"orgBlueBrd",
		"attributes":{"new_owner_email":"viewer@example.com"}}}`},

	"POST /permissions": {body: `{"data":{"type":"permissions",
		"attributes":{"subject":"customers","can_create":false,"can_read":true,"can_update":true,"can_destroy":false},
		"relationships":{"role":{"data":{"type":"roles","id":"rolBBMktEd"}}}}}`},
	"PATCH /permissions/{permissionId}": {body: `{"data":{"type":"permissions","id":"prmBBMkPro",
		"attributes":{"can_destroy":true,"reference":"PERM-1"}}}`},

	"POST /roles": {body: `{"data":{"type":"roles","attributes":{"name":"Support agent","reference_origin":"hr"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`},
	"PATCH /roles/{roleId}": {body: `{"data":{"type":"roles","id":"rolBBMktEd",
		"attributes":{"name":"Marketing lead","_add_missing_base_permissions":true}}}`},

	"PATCH /user": {body: `{"data":{"type":"users","attributes":{"first_name":"Alexandra","time_zone":"Europe/London"}}}`},
}

// conformance holds what every operation's check shares.
type conformance struct {
	reg       *models.Registry
	router    routers.Router
	resources map[string]*openapi3.SchemaRef // JSON:API type -> resource object schema
	server    string                         // the description's server, which its paths are under
}

// check exercises one operation: the plain request, and for lists and retrieves of types
// with relationships the same request including all of them, so that the (patched)
// relationship linkage schemas are exercised too.
func (c *conformance) check(t *testing.T, op specOperation) {
	segs := strings.Split(strings.Trim(op.path, "/"), "/")
	def := c.byPath(segs[0])
	if def == nil {
		t.Fatalf("no type of the mock's registry is served at /api/%s", segs[0])
	}
	want, err := successStatus(op.op)
	if err != nil {
		t.Fatal(err)
	}
	wc, hasCase := writeCases[op.key()]
	if op.method != http.MethodGet && !hasCase {
		t.Fatalf("no case in writeCases for %s: add its body (and the id it acts on)", op.key())
	}
	if op.op.RequestBody != nil && wc.body == "" {
		t.Fatalf("%s documents a request body, but its case has none", op.key())
	}
	id := wc.id
	if id == "" {
		id = sampleIDs[def.Type]
	}
	path, err := concretePath(segs, id)
	if err != nil {
		t.Fatal(err)
	}

	var rel *models.Rel
	if op.method == http.MethodGet && len(segs) == 3 {
		if rel = def.Rel(segs[2]); rel == nil {
			t.Fatalf("%s: %s has no relationship %s in the mock's registry", op.key(), def.Type, segs[2])
		}
	}
	c.exchange(t, op, def, rel, path, "", wc.body, want)

	isRead := op.method == http.MethodGet && rel == nil
	if isRead && !def.Singleton && len(def.Rels) > 0 {
		names := make([]string, len(def.Rels))
		for i, r := range def.Rels {
			names[i] = r.Name
		}
		t.Run("include", func(t *testing.T) {
			c.exchange(t, op, def, nil, path, "?include="+strings.Join(names, ","), "", want)
		})
	}
}

// exchange validates the request, sends it to a fresh server, and validates the response.
func (c *conformance) exchange(t *testing.T, op specOperation, def *models.Resource, rel *models.Rel, path, query, body string, want int) {
	t.Helper()
	ctx := context.Background()

	// The request as the description sees it: its server, its paths (no /api prefix).
	vreq := httptest.NewRequest(op.method, c.server+path+query, strings.NewReader(body))
	vreq.Header.Set("Accept", handlers.MediaType)
	if body != "" {
		vreq.Header.Set("Content-Type", handlers.MediaType)
	}
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s does not route in the OpenAPI description: %v", op.method, path, err)
	}
	if route.Operation != op.op {
		t.Fatalf("%s %s routes to %s %s in the OpenAPI description, not to %s", op.method, path, route.Method, route.Path, op.key())
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    vreq,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError: true,
			// The description requires a bearer token; authentication is not what this test checks.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		t.Fatalf("the test's request does not conform to the OpenAPI description: %v\nbody: %s", err, body)
	}

	rec := mustServer(t).do(t, request{method: op.method, path: "/api" + path + query, body: body})
	mustStatus(t, rec, want)

	media := successMedia(op.op, want)
	switch {
	case media != nil && media.Schema != nil:
		if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
			t.Fatalf("Content-Type = %q, want %q", ct, handlers.MediaType)
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
		}
		out.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			t.Fatalf("response does not conform to %s: %v\nbody: %s", op.key(), err, rec.Body.String())
		}
		doc := decode(t, rec)
		if doc["data"] == nil {
			t.Fatalf("response has no data: %s", rec.Body.String())
		}
		switch data := doc["data"].(type) {
		case []any:
			for i, v := range data {
				c.validateResource(t, fmt.Sprintf("data[%d]", i), v)
			}
		default:
			c.validateResource(t, "data", data)
		}
		c.validateIncluded(t, doc, rec)
		if query != "" {
			mustHaveLinkage(t, doc, def, rec)
		}
	case rel != nil:
		// Relationship endpoints document no response schema: their data must validate
		// against the related type's resource object schema, as a list for to-many.
		c.validateRelated(t, rel, rec)
	case op.method != http.MethodGet:
		// 202 and 204 are documented without content.
		if rec.Body.Len() != 0 {
			t.Fatalf("%d response has a body, the description documents none: %s", rec.Code, rec.Body.String())
		}
	default:
		t.Fatalf("%s documents no response schema and is not a relationship endpoint: nothing to validate", op.key())
	}
}

// byPath returns the type served at /api/{segment}.
func (c *conformance) byPath(segment string) *models.Resource {
	for _, def := range c.reg.All() {
		if def.Path == segment {
			return def
		}
	}
	return nil
}

// concretePath fills the description's path with the id: its paths have at most one
// parameter, the id after the type.
func concretePath(segs []string, id string) (string, error) {
	out := make([]string, len(segs))
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			if i != 1 {
				return "", fmt.Errorf("path parameter %s is not the id after the type", s)
			}
			if id == "" {
				return "", fmt.Errorf("no sample id for /%s", segs[0])
			}
			s = id
		}
		out[i] = s
	}
	return "/" + strings.Join(out, "/"), nil
}

// successStatus returns the operation's only documented 2xx status.
func successStatus(op *openapi3.Operation) (int, error) {
	var found []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("operation %s documents %d success statuses, want exactly one", op.OperationID, len(found))
	}
	return found[0], nil
}

// successMedia returns the JSON:API content of the documented success response, or nil.
func successMedia(op *openapi3.Operation, status int) *openapi3.MediaType {
	resp := op.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	return resp.Value.Content.Get(handlers.MediaType)
}

// validateResource validates one resource object against its type's schema.
func (c *conformance) validateResource(t *testing.T, where string, v any) {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not a resource object: %v", where, v)
	}
	typ, _ := obj["type"].(string)
	schema := c.resources[typ]
	if schema == nil {
		t.Fatalf("%s has type %q, which the OpenAPI description does not describe", where, typ)
	}
	if err := schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		b, _ := json.Marshal(v)
		t.Fatalf("%s (%s %v) does not conform to the %s resource schema: %v\n%s", where, typ, obj["id"], typ, err, b)
	}
	// The schemas allow members they do not list; the mock must render exactly the
	// attributes and relationships the description lists (no sparse fieldsets are asked for).
	for _, member := range []string{"attributes", "relationships"} {
		got := memberNames(obj[member])
		want := memberNames(property(schema, member))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s (%s %v): %s = %v, the description lists %v", where, typ, obj["id"], member, got, want)
		}
	}
}

// memberNames returns the sorted names of a rendered object's members, or of the
// properties of a schema.
func memberNames(v any) []string {
	var names []string
	switch v := v.(type) {
	case map[string]any:
		for k := range v {
			names = append(names, k)
		}
	case *openapi3.SchemaRef:
		if v != nil && v.Value != nil {
			for k := range v.Value.Properties {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return names
}

// validateIncluded validates each included resource against its type's schema, which the
// operation's own schema does not describe.
func (c *conformance) validateIncluded(t *testing.T, doc map[string]any, rec *httptest.ResponseRecorder) {
	t.Helper()
	raw, ok := doc["included"]
	if !ok {
		return
	}
	list, ok := raw.([]any)
	if !ok {
		t.Fatalf("included is not a list: %s", rec.Body.String())
	}
	for i, v := range list {
		c.validateResource(t, fmt.Sprintf("included[%d]", i), v)
	}
}

// validateRelated checks the answer of GET /{type}/{id}/{rel}: a JSON:API document whose
// data is the related resource (to-one) or a non-empty list of them (to-many: the samples
// are chosen so that every relationship is set).
func (c *conformance) validateRelated(t *testing.T, rel *models.Rel, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Fatalf("Content-Type = %q, want %q", ct, handlers.MediaType)
	}
	doc := decode(t, rec)
	data, ok := doc["data"]
	if !ok {
		t.Fatalf("response has no data: %s", rec.Body.String())
	}
	if rel.ToMany {
		list, ok := data.([]any)
		if !ok {
			t.Fatalf("data of to-many %s is not a list: %s", rel.Name, rec.Body.String())
		}
		if len(list) == 0 {
			t.Fatalf("data of %s is empty: nothing validated (pick a sample with related records)", rel.Name)
		}
		for i, v := range list {
			c.validateResource(t, fmt.Sprintf("data[%d]", i), v)
			if typ := v.(map[string]any)["type"]; typ != rel.Type {
				t.Fatalf("data[%d] has type %v, want %s", i, typ, rel.Type)
			}
		}
	} else {
		if data == nil {
			t.Fatalf("data of %s is null: nothing validated (pick a sample with the relationship set)", rel.Name)
		}
		c.validateResource(t, "data", data)
		if typ := data.(map[string]any)["type"]; typ != rel.Type {
			t.Fatalf("data has type %v, want %s", typ, rel.Type)
		}
	}
	c.validateIncluded(t, doc, rec)
}

// mustHaveLinkage checks that with every relationship included, each primary resource's
// relationships all carry data, so that the linkage schemas were really exercised.
func mustHaveLinkage(t *testing.T, doc map[string]any, def *models.Resource, rec *httptest.ResponseRecorder) {
	t.Helper()
	var items []any
	switch d := doc["data"].(type) {
	case []any:
		items = d
	case map[string]any:
		items = []any{d}
	}
	if len(items) == 0 {
		t.Fatalf("no primary data to check linkage on: %s", rec.Body.String())
	}
	for _, item := range items {
		rels, _ := item.(map[string]any)["relationships"].(map[string]any)
		var got []string
		for name, r := range rels {
			if _, ok := r.(map[string]any)["data"]; ok {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		var want []string
		for _, r := range def.Rels {
			want = append(want, r.Name)
		}
		slices.Sort(want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("relationships with data = %v, want all of %v: %s", got, want, rec.Body.String())
		}
	}
}
