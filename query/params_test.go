package query_test

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// apiErr is the part of an API error the tests compare.
type apiErr struct {
	Code, Detail string
}

func (e apiErr) String() string { return e.Code + ": " + e.Detail }

// parse runs query.Parse on a raw query string against a type of the Provisioning registry.
func parse(t *testing.T, typ, raw string, opts query.Options) (*query.Params, error) {
	t.Helper()
	values, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("bad test query %q: %v", raw, err)
	}
	return parseValues(t, typ, values, opts)
}

func parseValues(t *testing.T, typ string, values url.Values, opts query.Options) (*query.Params, error) {
	t.Helper()
	reg := models.Provisioning()
	def := reg.Lookup(typ)
	if def == nil {
		t.Fatalf("unknown type %s", typ)
	}
	return query.Parse(reg, def, values, opts)
}

// mustParse parses and fails the test on any error.
func mustParse(t *testing.T, typ, raw string) *query.Params {
	t.Helper()
	p, err := parse(t, typ, raw, query.Options{})
	if err != nil {
		t.Fatalf("Parse(%s, %q) = %v, want no error", typ, raw, err)
	}
	return p
}

// wireErrors is what the Provisioning API answers for err: the wire form of a query problem.
func wireErrors(err error) apierror.List {
	if e := apierror.FromProblem(err); e != nil {
		return apierror.List{e}
	}
	return nil
}

// wantAPIError checks that err is exactly one API error with a 400 status and that code and detail.
func wantAPIError(t *testing.T, err error, want apiErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	list := wireErrors(err)
	if len(list) != 1 {
		t.Fatalf("error %v (%T) carries %d API errors, want 1", err, err, len(list))
	}
	got := apiErr{list[0].Code, list[0].Detail}
	if got != want {
		t.Fatalf("error = %s\nwant    %s", got, want)
	}
	if list[0].HTTPStatus != 400 || list[0].Status != "400" {
		t.Fatalf("status = %d/%q, want 400", list[0].HTTPStatus, list[0].Status)
	}
}

// errorCase is a query that must fail with one API error.
type errorCase struct {
	name string
	typ  string
	raw  string
	want apiErr
}

func runErrorCases(t *testing.T, cases []errorCase, opts query.Options) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parse(t, tc.typ, tc.raw, opts)
			if p != nil {
				t.Errorf("params = %+v, want nil with the error", p)
			}
			wantAPIError(t, err, tc.want)
		})
	}
}

func TestParseEmptyQueryGivesDefaults(t *testing.T) {
	for _, typ := range []string{"api_credentials", "organizations", "users", "versions"} {
		t.Run(typ, func(t *testing.T) {
			got := mustParse(t, typ, "")
			want := &query.Params{Include: &query.Include{}, Page: query.Page{Number: 1, Size: 10}}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(\"\") = %+v, want %+v", got, want)
			}
			if got.Page.Offset() != 0 {
				t.Fatalf("Offset() = %d, want 0", got.Page.Offset())
			}
		})
	}
	if query.DefaultPageSize != 10 || query.MaxPageSize != 25 {
		t.Fatalf("page sizes = %d/%d, want 10/25", query.DefaultPageSize, query.MaxPageSize)
	}
}

// includeTree renders an include tree as "rel:type{child:type ...}" in request order,
// checking on the way that every node's Rel is the relationship of its parent's type.
func includeTree(t *testing.T, reg *models.Registry, def *models.Resource, n *query.Include) string {
	t.Helper()
	var parts []string
	for _, c := range n.Children {
		if c.Rel == nil {
			t.Fatalf("child of %s has no Rel", def.Type)
		}
		if def.Rel(c.Rel.Name) != c.Rel {
			t.Fatalf("node %s is not a relationship of %s", c.Rel.Name, def.Type)
		}
		s := c.Rel.Name + ":" + c.Rel.Type
		if len(c.Children) > 0 {
			s += "{" + includeTree(t, reg, reg.Lookup(c.Rel.Type), c) + "}"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestParseIncludeBuildsTree(t *testing.T) {
	cases := []struct {
		name, typ, include, want string
	}{
		{"empty value includes nothing", "api_credentials", "", ""},
		{"one relationship", "api_credentials", "organization", "organization:organizations"},
		{"comma list in request order", "api_credentials", "role,organization", "role:roles organization:organizations"},
		{"dotted path nests", "api_credentials", "role.permissions", "role:roles{permissions:permissions}"},
		{"shared prefixes merge into one node", "api_credentials", "role.permissions,role,role.organization,organization",
			"role:roles{permissions:permissions organization:organizations} organization:organizations"},
		{"deep path through several types", "api_credentials", "role.permissions.role.organization",
			"role:roles{permissions:permissions{role:roles{organization:organizations}}}"},
		{"to-many relationships", "organizations", "memberships.role,api_credentials",
			"memberships:memberships{role:roles} api_credentials:api_credentials"},
		{"spaces around paths are trimmed", "roles", " organization , permissions ", "organization:organizations permissions:permissions"},
		{"polymorphic versions", "roles", "versions", "versions:versions"},
		{"user of identity providers", "identity_providers", "user", "user:users"},
		{"duplicates collapse", "memberships", "role,role,role.organization", "role:roles{organization:organizations}"},
	}
	reg := models.Provisioning()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := url.Values{"include": {tc.include}}
			p, err := query.Parse(reg, reg.Lookup(tc.typ), values, query.Options{})
			if err != nil {
				t.Fatalf("include=%s: %v", tc.include, err)
			}
			if p.Include == nil || p.Include.Rel != nil {
				t.Fatalf("root = %+v, want a node without Rel", p.Include)
			}
			if got := includeTree(t, reg, reg.Lookup(tc.typ), p.Include); got != tc.want {
				t.Fatalf("include=%s\n got tree %q\nwant tree %q", tc.include, got, tc.want)
			}
		})
	}
}

func TestIncludeChild(t *testing.T) {
	p := mustParse(t, "api_credentials", "include=role.permissions,organization")
	role := p.Include.Child("role")
	if role == nil || role.Rel.Type != "roles" {
		t.Fatalf("Child(role) = %+v, want the roles node", role)
	}
	if perm := role.Child("permissions"); perm == nil || perm.Rel.Name != "permissions" {
		t.Fatalf("role.Child(permissions) = %+v", perm)
	}
	if got := p.Include.Child("permissions"); got != nil {
		t.Fatalf("Child(permissions) at the root = %+v, want nil (only below role)", got)
	}
	var nilNode *query.Include
	if got := nilNode.Child("role"); got != nil {
		t.Fatalf("nil.Child = %+v, want nil", got)
	}
}

func TestParseIncludeErrors(t *testing.T) {
	inv := func(name, typ string) apiErr {
		return apiErr{"INVALID_INCLUDE", name + " is not a valid includable relationship of " + typ}
	}
	runErrorCases(t, []errorCase{
		{"unknown name at the root names the listed type", "api_credentials", "include=owner", inv("owner", "api_credentials")},
		{"unknown name at depth two names the type there", "api_credentials", "include=role.owner", inv("owner", "roles")},
		{"unknown name at depth three names the type there", "api_credentials", "include=role.permissions.owner", inv("owner", "permissions")},
		{"bad second path of a list", "api_credentials", "include=organization,role.bogus", inv("bogus", "roles")},
		{"attribute is not includable", "api_credentials", "include=name", inv("name", "api_credentials")},
		{"below a type without relationships", "identity_providers", "include=user.organizations", inv("organizations", "users")},
		{"singular of a to-many name", "organizations", "include=membership", inv("membership", "organizations")},
		{"type name instead of relationship name", "memberships", "include=organizations", inv("organizations", "memberships")},
		{"names are case sensitive", "roles", "include=Organization", inv("Organization", "roles")},
	}, query.Options{})
}

func TestParseFields(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		raw  string
		want map[string]map[string]bool
	}{
		{"attributes of the listed type", "api_credentials", "fields[api_credentials]=name,kind",
			map[string]map[string]bool{"api_credentials": {"name": true, "kind": true}}},
		{"relationship names count as fields", "api_credentials", "fields[api_credentials]=name,organization,role",
			map[string]map[string]bool{"api_credentials": {"name": true, "organization": true, "role": true}}},
		{"to-many relationship names count as fields", "organizations", "fields[organizations]=memberships,api_credentials",
			map[string]map[string]bool{"organizations": {"memberships": true, "api_credentials": true}}},
		{"id is a field", "roles", "fields[roles]=id",
			map[string]map[string]bool{"roles": {"id": true}}},
		{"several types, included ones too", "api_credentials", "fields[api_credentials]=name&fields[organizations]=slug,domain&include=organization",
			map[string]map[string]bool{"api_credentials": {"name": true}, "organizations": {"slug": true, "domain": true}}},
		{"type not in the request's include is still accepted", "roles", "fields[versions]=event",
			map[string]map[string]bool{"versions": {"event": true}}},
		{"empty value asks for no fields", "roles", "fields[roles]=",
			map[string]map[string]bool{"roles": {}}},
		{"spaces around names are trimmed", "roles", "fields[roles]=name%2C%20kind",
			map[string]map[string]bool{"roles": {"name": true, "kind": true}}},
		{"singleton user's type is users", "users", "fields[users]=email,first_name",
			map[string]map[string]bool{"users": {"email": true, "first_name": true}}},
		{"read-only and common attributes", "organizations", "fields[organizations]=subscription_info,metadata,created_at",
			map[string]map[string]bool{"organizations": {"subscription_info": true, "metadata": true, "created_at": true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.typ, tc.raw)
			if !reflect.DeepEqual(p.Fields, tc.want) {
				t.Fatalf("Fields = %v, want %v", p.Fields, tc.want)
			}
		})
	}
}

func TestParamsWants(t *testing.T) {
	p := mustParse(t, "api_credentials", "fields[api_credentials]=name,organization&fields[roles]=")
	cases := []struct {
		typ, field string
		want       bool
	}{
		{"api_credentials", "name", true},
		{"api_credentials", "organization", true},
		{"api_credentials", "kind", false},
		{"api_credentials", "role", false},
		{"roles", "name", false},
		{"organizations", "name", true}, // no fieldset: whole
	}
	for _, tc := range cases {
		if got := p.Wants(tc.typ, tc.field); got != tc.want {
			t.Errorf("Wants(%s, %s) = %v, want %v", tc.typ, tc.field, got, tc.want)
		}
	}
}

func TestParseFieldsErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"unknown type is INVALID_RESOURCE", "api_credentials", "fields[widgets]=name",
			apiErr{"INVALID_RESOURCE", "widgets is not a valid resource."}},
		{"the user's path is not its type", "users", "fields[user]=email",
			apiErr{"INVALID_RESOURCE", "user is not a valid resource."}},
		{"unknown field is INVALID_FIELD", "api_credentials", "fields[api_credentials]=name,colour",
			apiErr{"INVALID_FIELD", "colour is not a valid field for api_credentials."}},
		{"field of another type", "roles", "fields[roles]=slug",
			apiErr{"INVALID_FIELD", "slug is not a valid field for roles."}},
		{"hidden attribute is not a field", "users", "fields[users]=client_secret",
			apiErr{"INVALID_FIELD", "client_secret is not a valid field for users."}},
		{"write-only trigger is not a field", "identity_providers", "fields[identity_providers]=_disable",
			apiErr{"INVALID_FIELD", "_disable is not a valid field for identity_providers."}},
		{"bad field of an included type", "api_credentials", "include=organization&fields[organizations]=title",
			apiErr{"INVALID_FIELD", "title is not a valid field for organizations."}},
		{"first bad key in key order wins", "api_credentials", "fields[roles]=bad1&fields[organizations]=bad2",
			apiErr{"INVALID_FIELD", "bad2 is not a valid field for organizations."}},
		{"fields without a type", "roles", "fields=name",
			apiErr{"PARAM_NOT_ALLOWED", "fields is not allowed."}},
		{"fields with two segments", "roles", "fields[roles][x]=name",
			apiErr{"PARAM_NOT_ALLOWED", "fields[roles][x] is not allowed."}},
	}, query.Options{})
}

func TestParseSort(t *testing.T) {
	cases := []struct {
		name, typ, sort string
		want            []query.SortKey
	}{
		{"one ascending key", "organizations", "name", []query.SortKey{{Column: "name"}}},
		{"minus is descending", "organizations", "-name", []query.SortKey{{Column: "name", Desc: true}}},
		{"several keys keep their order", "organizations", "-created_at,name,-slug",
			[]query.SortKey{{Column: "created_at", Desc: true}, {Column: "name"}, {Column: "slug", Desc: true}}},
		{"id sorts every type", "versions", "-id", []query.SortKey{{Column: "id", Desc: true}}},
		{"common attributes sort every type", "roles", "reference,reference_origin,-updated_at",
			[]query.SortKey{{Column: "reference"}, {Column: "reference_origin"}, {Column: "updated_at", Desc: true}}},
		{"type-specific sortable attribute", "api_credentials", "mode", []query.SortKey{{Column: "mode"}}},
		{"spaces are trimmed", "memberships", "status%2C%20-created_at",
			[]query.SortKey{{Column: "status"}, {Column: "created_at", Desc: true}}},
		{"empty sort sorts by nothing", "roles", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.typ, "sort="+tc.sort)
			if !reflect.DeepEqual(p.Sort, tc.want) {
				t.Fatalf("sort=%s: Sort = %+v, want %+v", tc.sort, p.Sort, tc.want)
			}
		})
	}
}

func TestParseSortErrors(t *testing.T) {
	inv := func(field, typ string) apiErr {
		return apiErr{"INVALID_SORT_CRITERIA", field + " is not a valid sort criteria for " + typ}
	}
	runErrorCases(t, []errorCase{
		{"unknown field", "organizations", "sort=colour", inv("colour", "organizations")},
		{"descending unknown field is named without minus", "organizations", "sort=-colour", inv("colour", "organizations")},
		{"filterable but not sortable", "roles", "sort=name", inv("name", "roles")},
		{"second key bad", "organizations", "sort=name,-region", inv("region", "organizations")},
		{"object attribute", "organizations", "sort=metadata", inv("metadata", "organizations")},
		{"relationship name", "roles", "sort=organization", inv("organization", "roles")},
		{"hidden attribute", "users", "sort=client_id", inv("client_id", "users")},
		{"foreign key column", "roles", "sort=organization_id", inv("organization_id", "roles")},
	}, query.Options{})
}

func TestParsePage(t *testing.T) {
	cases := []struct {
		name, raw  string
		want       query.Page
		wantOffset int
	}{
		{"number alone keeps the default size", "page[number]=3", query.Page{Number: 3, Size: 10}, 20},
		{"size alone keeps page one", "page[size]=5", query.Page{Number: 1, Size: 5}, 0},
		{"both", "page[number]=2&page[size]=5", query.Page{Number: 2, Size: 5}, 5},
		{"size one is the minimum", "page[size]=1", query.Page{Number: 1, Size: 1}, 0},
		{"size 25 is the maximum", "page[size]=25&page[number]=4", query.Page{Number: 4, Size: 25}, 75},
		{"page far past the end is accepted", "page[number]=100000&page[size]=25", query.Page{Number: 100000, Size: 25}, 2499975},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, "roles", tc.raw)
			if p.Page != tc.want {
				t.Fatalf("Page = %+v, want %+v", p.Page, tc.want)
			}
			if got := p.Page.Offset(); got != tc.wantOffset {
				t.Fatalf("Offset() = %d, want %d", got, tc.wantOffset)
			}
		})
	}
	t.Run("huge number does not overflow the offset", func(t *testing.T) {
		p := mustParse(t, "roles", "page[number]=9000000000000000000&page[size]=25")
		if off := p.Page.Offset(); off <= 0 || p.Page.Number < 1 {
			t.Fatalf("Page = %+v, Offset() = %d, want a positive offset", p.Page, off)
		}
		if int64(p.Page.Offset()) > math.MaxInt64/2 {
			t.Fatalf("Offset() = %d, too close to overflow for SQL", p.Page.Offset())
		}
	})
}

func TestParsePageErrors(t *testing.T) {
	inv := func(value, param string) apiErr {
		return apiErr{"INVALID_PAGE_VALUE", value + " is not a valid value for " + param + " page parameter."}
	}
	tooLarge := apiErr{"INVALID_PAGE_VALUE", "size exceeds maximum page size of 25."}
	runErrorCases(t, []errorCase{
		{"size zero", "roles", "page[size]=0", inv("0", "size")},
		{"size negative", "roles", "page[size]=-3", inv("-3", "size")},
		{"size not a number", "roles", "page[size]=ten", inv("ten", "size")},
		{"size fractional", "roles", "page[size]=2.5", inv("2.5", "size")},
		{"size empty", "roles", "page[size]=", inv("", "size")},
		{"size over the maximum", "roles", "page[size]=26", tooLarge},
		{"size far over the maximum", "roles", "page[size]=1000", tooLarge},
		{"number zero", "roles", "page[number]=0", inv("0", "number")},
		{"number negative", "roles", "page[number]=-1", inv("-1", "number")},
		{"number not a number", "roles", "page[number]=last", inv("last", "number")},
		{"number checked before size in key order", "roles", "page[size]=30&page[number]=0", inv("0", "number")},
		{"unknown page parameter", "roles", "page[offset]=10", apiErr{"PARAM_NOT_ALLOWED", "page[offset] is not allowed."}},
		{"page without brackets", "roles", "page=2", apiErr{"PARAM_NOT_ALLOWED", "page is not allowed."}},
		{"page with two segments", "roles", "page[number][x]=2", apiErr{"PARAM_NOT_ALLOWED", "page[number][x] is not allowed."}},
	}, query.Options{})
}

func TestParseUnknownParameters(t *testing.T) {
	notAllowed := func(key string) apiErr { return apiErr{"PARAM_NOT_ALLOWED", key + " is not allowed."} }
	runErrorCases(t, []errorCase{
		{"unknown name", "roles", "foo=1", notAllowed("foo")},
		{"near miss of include", "roles", "includes=organization", notAllowed("includes")},
		{"names are case sensitive", "roles", "Sort=name", notAllowed("Sort")},
		{"filter without brackets", "roles", "filter=x", notAllowed("filter")},
		{"include with brackets", "roles", "include[roles]=organization", notAllowed("include[roles]")},
		{"sort with brackets", "roles", "sort[]=id", notAllowed("sort[]")},
		{"first unknown in key order", "roles", "zeta=1&alpha=2", notAllowed("alpha")},
		{"unclosed bracket", "roles", "fields[roles=name", notAllowed("fields[roles")},
		{"stray closing bracket", "roles", "sort]=name", notAllowed("sort]")},
		{"no name before the bracket", "roles", "[q]=x", notAllowed("[q]")},
		{"text after a bracket", "roles", "filter[q]x=1", notAllowed("filter[q]x")},
		{"nested open bracket", "roles", "filter[q[name_eq]]=x", notAllowed("filter[q[name_eq]]")},
		{"reversed brackets", "roles", "page]size[=1", notAllowed("page]size[")},
	}, query.Options{})
	runErrorCases(t, []errorCase{
		{"lenient mode still rejects unknown parameters", "roles", "foo=1", notAllowed("foo")},
	}, query.Options{LenientFilters: true})
}

// pred builds the expected predicate value.
func pred(name string, op query.Op, q query.Quant, pat query.Pattern) query.Predicate {
	return query.Predicate{Name: name, Op: op, Quant: q, Pattern: pat}
}

func TestParseFilter(t *testing.T) {
	reg := models.Provisioning()
	rel := func(typ, name string) *models.Rel {
		r := reg.Lookup(typ).Rel(name)
		if r == nil {
			t.Fatalf("no relationship %s.%s", typ, name)
		}
		return r
	}
	str := func(col string) query.AttrPath { return query.AttrPath{Column: col, Kind: models.String} }
	eq := pred("eq", query.OpEq, query.One, query.Raw)
	cases := []struct {
		name   string
		typ    string
		values url.Values
		want   []query.Filter
	}{
		{"eq on a string", "api_credentials", url.Values{"filter[q][name_eq]": {"ERP integration"}},
			[]query.Filter{{Key: "name_eq", Paths: []query.AttrPath{str("name")}, Pred: eq, Values: []any{"ERP integration"}}}},
		{"eq keeps commas in the value", "roles", url.Values{"filter[q][name_eq]": {"a,b"}},
			[]query.Filter{{Key: "name_eq", Paths: []query.AttrPath{str("name")}, Pred: eq, Values: []any{"a,b"}}}},
		{"in splits the value at commas", "roles", url.Values{"filter[q][kind_in]": {"admin,read_only"}},
			[]query.Filter{{Key: "kind_in", Paths: []query.AttrPath{str("kind")}, Pred: pred("in", query.OpIn, query.List, query.Raw), Values: []any{"admin", "read_only"}}}},
		{"not_eq is not read as eq", "roles", url.Values{"filter[q][name_not_eq]": {"admin"}},
			[]query.Filter{{Key: "name_not_eq", Paths: []query.AttrPath{str("name")}, Pred: pred("not_eq", query.OpNotEq, query.One, query.Raw), Values: []any{"admin"}}}},
		{"not_eq_all is the longest predicate", "roles", url.Values{"filter[q][name_not_eq_all]": {"admin,read_only"}},
			[]query.Filter{{Key: "name_not_eq_all", Paths: []query.AttrPath{str("name")}, Pred: pred("not_eq_all", query.OpNotEq, query.All, query.Raw), Values: []any{"admin", "read_only"}}}},
		{"not_null is not read as null", "api_credentials", url.Values{"filter[q][role_id_not_null]": {"true"}},
			[]query.Filter{{Key: "role_id_not_null", Paths: []query.AttrPath{{Hops: []*models.Rel{rel("api_credentials", "role")}, Column: "id", Kind: models.String}},
				Pred: pred("not_null", query.OpNotNull, query.Flag, query.Raw), Values: []any{true}}}},
		{"_or_ joins attributes", "api_credentials", url.Values{"filter[q][name_or_reference_cont]": {"erp"}},
			[]query.Filter{{Key: "name_or_reference_cont", Paths: []query.AttrPath{str("name"), str("reference")},
				Pred: pred("cont", query.OpLike, query.One, query.Contains), Values: []any{"erp"}}}},
		{"_or_ over three attributes", "organizations", url.Values{"filter[q][name_or_slug_or_domain_start]": {"the"}},
			[]query.Filter{{Key: "name_or_slug_or_domain_start", Paths: []query.AttrPath{str("name"), str("slug"), str("domain")},
				Pred: pred("start", query.OpLike, query.One, query.Prefix), Values: []any{"the"}}}},
		{"_or_ next to a name starting with or", "api_credentials", url.Values{"filter[q][organization_name_or_name_end]": {"co"}},
			[]query.Filter{{Key: "organization_name_or_name_end", Paths: []query.AttrPath{
				{Hops: []*models.Rel{rel("api_credentials", "organization")}, Column: "name", Kind: models.String}, str("name")},
				Pred: pred("end", query.OpLike, query.One, query.Suffix), Values: []any{"co"}}}},
		{"to-one id", "api_credentials", url.Values{"filter[q][organization_id_eq]": {"orgBlueBrd"}},
			[]query.Filter{{Key: "organization_id_eq", Paths: []query.AttrPath{{Hops: []*models.Rel{rel("api_credentials", "organization")}, Column: "id", Kind: models.String}},
				Pred: eq, Values: []any{"orgBlueBrd"}}}},
		{"two to-one hops", "api_credentials", url.Values{"filter[q][role_organization_slug_eq]": {"the-blue-brand"}},
			[]query.Filter{{Key: "role_organization_slug_eq", Paths: []query.AttrPath{{
				Hops: []*models.Rel{rel("api_credentials", "role"), rel("roles", "organization")}, Column: "slug", Kind: models.String}},
				Pred: eq, Values: []any{"the-blue-brand"}}}},
		{"to-one attribute with its kind", "memberships", url.Values{"filter[q][role_organization_created_at_lt]": {"2024-02-01"}},
			[]query.Filter{{Key: "role_organization_created_at_lt", Paths: []query.AttrPath{{
				Hops: []*models.Rel{rel("memberships", "role"), rel("roles", "organization")}, Column: "created_at", Kind: models.Time}},
				Pred: pred("lt", query.OpLt, query.One, query.Raw), Values: []any{"2024-02-01T00:00:00.000Z"}}}},
		{"attribute named like a relationship wins", "identity_providers", url.Values{"filter[q][organization_eq]": {"the-blue-brand"}},
			[]query.Filter{{Key: "organization_eq", Paths: []query.AttrPath{str("organization")}, Pred: eq, Values: []any{"the-blue-brand"}}}},
		{"user of identity providers", "identity_providers", url.Values{"filter[q][user_email_eq]": {"demo@example.com"}},
			[]query.Filter{{Key: "user_email_eq", Paths: []query.AttrPath{{Hops: []*models.Rel{rel("identity_providers", "user")}, Column: "email", Kind: models.String}},
				Pred: eq, Values: []any{"demo@example.com"}}}},
		{"integer", "api_credentials", url.Values{"filter[q][expires_in_gteq]": {"7200"}},
			[]query.Filter{{Key: "expires_in_gteq", Paths: []query.AttrPath{{Column: "expires_in", Kind: models.Integer}},
				Pred: pred("gteq", query.OpGtEq, query.One, query.Raw), Values: []any{int64(7200)}}}},
		{"negative integer", "api_credentials", url.Values{"filter[q][expires_in_gt]": {"-1"}},
			[]query.Filter{{Key: "expires_in_gt", Paths: []query.AttrPath{{Column: "expires_in", Kind: models.Integer}},
				Pred: pred("gt", query.OpGt, query.One, query.Raw), Values: []any{int64(-1)}}}},
		{"integer list", "api_credentials", url.Values{"filter[q][expires_in_in]": {"7200,14400"}},
			[]query.Filter{{Key: "expires_in_in", Paths: []query.AttrPath{{Column: "expires_in", Kind: models.Integer}},
				Pred: pred("in", query.OpIn, query.List, query.Raw), Values: []any{int64(7200), int64(14400)}}}},
		{"integers with _any", "api_credentials", url.Values{"filter[q][expires_in_lt_any]": {"100,7201"}},
			[]query.Filter{{Key: "expires_in_lt_any", Paths: []query.AttrPath{{Column: "expires_in", Kind: models.Integer}},
				Pred: pred("lt_any", query.OpLt, query.Any, query.Raw), Values: []any{int64(100), int64(7201)}}}},
		{"LIKE on an integer keeps text", "api_credentials", url.Values{"filter[q][expires_in_cont]": {"72"}},
			[]query.Filter{{Key: "expires_in_cont", Paths: []query.AttrPath{{Column: "expires_in", Kind: models.Integer}},
				Pred: pred("cont", query.OpLike, query.One, query.Contains), Values: []any{"72"}}}},
		{"matches keeps the pattern", "roles", url.Values{"filter[q][name_matches]": {"%Editor_"}},
			[]query.Filter{{Key: "name_matches", Paths: []query.AttrPath{str("name")}, Pred: pred("matches", query.OpLike, query.One, query.Raw), Values: []any{"%Editor_"}}}},
		{"does_not_match_all splits", "roles", url.Values{"filter[q][name_does_not_match_all]": {"a%,%b"}},
			[]query.Filter{{Key: "name_does_not_match_all", Paths: []query.AttrPath{str("name")}, Pred: pred("does_not_match_all", query.OpNotLike, query.All, query.Raw), Values: []any{"a%", "%b"}}}},
		{"boolean true", "api_credentials", url.Values{"filter[q][confidential_eq]": {"true"}},
			[]query.Filter{{Key: "confidential_eq", Paths: []query.AttrPath{{Column: "confidential", Kind: models.Boolean}}, Pred: eq, Values: []any{true}}}},
		{"boolean false", "api_credentials", url.Values{"filter[q][confidential_eq]": {"false"}},
			[]query.Filter{{Key: "confidential_eq", Paths: []query.AttrPath{{Column: "confidential", Kind: models.Boolean}}, Pred: eq, Values: []any{false}}}},
		{"boolean 1", "api_credentials", url.Values{"filter[q][custom_eq]": {"1"}},
			[]query.Filter{{Key: "custom_eq", Paths: []query.AttrPath{{Column: "custom", Kind: models.Boolean}}, Pred: eq, Values: []any{true}}}},
		{"boolean 0", "api_credentials", url.Values{"filter[q][custom_not_eq]": {"0"}},
			[]query.Filter{{Key: "custom_not_eq", Paths: []query.AttrPath{{Column: "custom", Kind: models.Boolean}},
				Pred: pred("not_eq", query.OpNotEq, query.One, query.Raw), Values: []any{false}}}},
		{"boolean in any case", "memberships", url.Values{"filter[q][owner_eq]": {"TRUE"}},
			[]query.Filter{{Key: "owner_eq", Paths: []query.AttrPath{{Column: "owner", Kind: models.Boolean}}, Pred: eq, Values: []any{true}}}},
		{"true predicate on a boolean", "memberships", url.Values{"filter[q][owner_true]": {"1"}},
			[]query.Filter{{Key: "owner_true", Paths: []query.AttrPath{{Column: "owner", Kind: models.Boolean}}, Pred: pred("true", query.OpTrue, query.Flag, query.Raw), Values: []any{true}}}},
		{"false predicate with false", "permissions", url.Values{"filter[q][can_destroy_false]": {"false"}},
			[]query.Filter{{Key: "can_destroy_false", Paths: []query.AttrPath{{Column: "can_destroy", Kind: models.Boolean}}, Pred: pred("false", query.OpFalse, query.Flag, query.Raw), Values: []any{false}}}},
		{"present on a string", "roles", url.Values{"filter[q][reference_present]": {"true"}},
			[]query.Filter{{Key: "reference_present", Paths: []query.AttrPath{str("reference")}, Pred: pred("present", query.OpPresent, query.Flag, query.Raw), Values: []any{true}}}},
		{"blank with 0", "roles", url.Values{"filter[q][reference_blank]": {"0"}},
			[]query.Filter{{Key: "reference_blank", Paths: []query.AttrPath{str("reference")}, Pred: pred("blank", query.OpBlank, query.Flag, query.Raw), Values: []any{false}}}},
		{"null on an object", "organizations", url.Values{"filter[q][metadata_null]": {"false"}},
			[]query.Filter{{Key: "metadata_null", Paths: []query.AttrPath{{Column: "metadata", Kind: models.Object}}, Pred: pred("null", query.OpNull, query.Flag, query.Raw), Values: []any{false}}}},
		{"id of the listed type", "roles", url.Values{"filter[q][id_in]": {"rolBBAdmin,rolGGAdmin"}},
			[]query.Filter{{Key: "id_in", Paths: []query.AttrPath{str("id")}, Pred: pred("in", query.OpIn, query.List, query.Raw), Values: []any{"rolBBAdmin", "rolGGAdmin"}}}},
		{"several filters in key order", "roles", url.Values{"filter[q][name_eq]": {"admin"}, "filter[q][kind_eq]": {"admin"}},
			[]query.Filter{
				{Key: "kind_eq", Paths: []query.AttrPath{str("kind")}, Pred: eq, Values: []any{"admin"}},
				{Key: "name_eq", Paths: []query.AttrPath{str("name")}, Pred: eq, Values: []any{"admin"}},
			}},
		{"versions by resource", "versions", url.Values{"filter[q][resource_type_eq]": {"roles"}},
			[]query.Filter{{Key: "resource_type_eq", Paths: []query.AttrPath{str("resource_type")}, Pred: eq, Values: []any{"roles"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := query.Parse(reg, reg.Lookup(tc.typ), tc.values, query.Options{})
			if err != nil {
				t.Fatalf("%v: %v", tc.values, err)
			}
			if !reflect.DeepEqual(p.Filters, tc.want) {
				t.Fatalf("%v:\n got %s\nwant %s", tc.values, showFilters(p.Filters), showFilters(tc.want))
			}
		})
	}
}

func showFilters(fs []query.Filter) string {
	var parts []string
	for _, f := range fs {
		var paths []string
		for _, p := range f.Paths {
			var hops []string
			for _, h := range p.Hops {
				hops = append(hops, h.Name)
			}
			paths = append(paths, fmt.Sprintf("%v.%s(%s)", hops, p.Column, p.Kind))
		}
		var vals []string
		for _, v := range f.Values {
			vals = append(vals, fmt.Sprintf("%T(%v)", v, v))
		}
		parts = append(parts, fmt.Sprintf("{%s %v %+v %v}", f.Key, paths, f.Pred, vals))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestParseFilterTimestamps(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"with milliseconds and Z", "2024-01-08T09:05:00.123Z", "2024-01-08T09:05:00.123Z"},
		{"without milliseconds", "2024-01-08T09:05:00Z", "2024-01-08T09:05:00.000Z"},
		{"with a positive zone", "2024-01-08T09:05:00+02:00", "2024-01-08T07:05:00.000Z"},
		{"with a negative zone and ms", "2024-01-08T23:30:00.5-01:00", "2024-01-09T00:30:00.500Z"},
		{"without zone is UTC", "2024-01-08T09:05:00", "2024-01-08T09:05:00.000Z"},
		{"without zone with ms", "2024-01-08T09:05:00.007", "2024-01-08T09:05:00.007Z"},
		{"space instead of T", "2024-01-08 09:05:00", "2024-01-08T09:05:00.000Z"},
		{"plain date is midnight UTC", "2024-01-08", "2024-01-08T00:00:00.000Z"},
		{"surrounding spaces", " 2024-01-08 ", "2024-01-08T00:00:00.000Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// url.Values, not a query string: a raw "+" would decode to a space.
			p, err := parseValues(t, "roles", url.Values{"filter[q][created_at_gteq]": {tc.value}}, query.Options{})
			if err != nil {
				t.Fatalf("created_at_gteq=%q: %v", tc.value, err)
			}
			want := []any{tc.want}
			if len(p.Filters) != 1 || !reflect.DeepEqual(p.Filters[0].Values, want) {
				t.Fatalf("created_at_gteq=%q: filters %s, want values %v", tc.value, showFilters(p.Filters), want)
			}
			if p.Filters[0].Paths[0].Kind != models.Time {
				t.Fatalf("kind = %s, want time", p.Filters[0].Paths[0].Kind)
			}
		})
	}
	t.Run("list of timestamps", func(t *testing.T) {
		p, err := parse(t, "identity_providers", "filter[q][disabled_at_in]=2024-03-10T12:00:00.000Z,2024-03-11", query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []any{"2024-03-10T12:00:00.000Z", "2024-03-11T00:00:00.000Z"}
		if !reflect.DeepEqual(p.Filters[0].Values, want) {
			t.Fatalf("values = %v, want %v", p.Filters[0].Values, want)
		}
	})
}

func TestParseFilterErrors(t *testing.T) {
	badValue := func(value, filter string) apiErr {
		return apiErr{"INVALID_FILTER_VALUE", value + " is not a valid value for " + filter + "."}
	}
	notAllowed := func(key string) apiErr { return apiErr{"FILTER_NOT_ALLOWED", key + " is not allowed."} }
	cases := []errorCase{
		{"integer from text", "api_credentials", "filter[q][expires_in_eq]=soon", badValue("soon", "expires_in_eq")},
		{"integer from a fraction", "api_credentials", "filter[q][expires_in_lt]=7200.5", badValue("7200.5", "expires_in_lt")},
		{"one bad integer in a list", "api_credentials", "filter[q][expires_in_in]=7200,x", badValue("7200,x", "expires_in_in")},
		{"empty integer", "api_credentials", "filter[q][expires_in_eq]=", badValue("", "expires_in_eq")},
		{"boolean from yes", "api_credentials", "filter[q][confidential_eq]=yes", badValue("yes", "confidential_eq")},
		{"true predicate with a word", "memberships", "filter[q][owner_true]=maybe", badValue("maybe", "owner_true")},
		{"present with a word", "roles", "filter[q][name_present]=sure", badValue("sure", "name_present")},
		{"null with 2", "roles", "filter[q][reference_null]=2", badValue("2", "reference_null")},
		{"timestamp from a word", "roles", "filter[q][created_at_gt]=yesterday", badValue("yesterday", "created_at_gt")},
		{"timestamp with month 13", "roles", "filter[q][created_at_gt]=2024-13-01", badValue("2024-13-01", "created_at_gt")},
		{"timestamp through a hop", "memberships", "filter[q][organization_created_at_lt]=later", badValue("later", "organization_created_at_lt")},
		{"unknown attribute", "roles", "filter[q][nme_eq]=admin", notAllowed("nme_eq")},
		{"unknown predicate", "roles", "filter[q][name_equals]=admin", notAllowed("name_equals")},
		{"no predicate", "roles", "filter[q][name]=admin", notAllowed("name")},
		{"predicate not in SPEC", "roles", "filter[q][name_not_cont_any]=a", notAllowed("name_not_cont_any")},
		{"attribute not filterable", "api_credentials", "filter[q][client_secret_eq]=x", notAllowed("client_secret_eq")},
		{"hidden attribute", "users", "filter[q][client_id_eq]=x", notAllowed("client_id_eq")},
		{"sortable-only is not filterable", "organizations", "filter[q][support_email_eq]=x", notAllowed("support_email_eq")},
		{"foreign key column is not an attribute", "roles", "filter[q][organization_eq]=orgBlueBrd", notAllowed("organization_eq")},
		{"through a to-many relationship not filterable", "roles", "filter[q][versions_resource_type_eq]=roles", notAllowed("versions_resource_type_eq")},
		{"unfilterable attribute behind a to-many hop", "organizations", "filter[q][memberships_test_enabled_eq]=true", notAllowed("memberships_test_enabled_eq")},
		{"unfilterable attribute behind a hop", "api_credentials", "filter[q][organization_support_email_eq]=x", notAllowed("organization_support_email_eq")},
		{"one bad side of _or_", "roles", "filter[q][name_or_colour_eq]=x", notAllowed("name_or_colour_eq")},
		{"true predicate on a string", "roles", "filter[q][name_true]=1", notAllowed("name_true")},
		{"comparison on a boolean", "api_credentials", "filter[q][confidential_lt]=1", notAllowed("confidential_lt")},
		{"comparison on an object", "organizations", "filter[q][metadata_gt]=1", notAllowed("metadata_gt")},
		{"filter key other than q", "roles", "filter[name_eq]=admin", notAllowed("name_eq")},
		{"filter key other than q, two segments", "roles", "filter[s][name_eq]=admin", notAllowed("s][name_eq")},
		{"q with three segments", "roles", "filter[q][name_eq][x]=admin", notAllowed("name_eq][x")},
		{"q without a condition", "roles", "filter[q]=admin", notAllowed("filter[q]")},
		{"q with an empty condition", "roles", "filter[q][]=admin", notAllowed("filter[q][]")},
		{"first bad filter in key order", "roles", "filter[q][zz_eq]=1&filter[q][aa_eq]=1", notAllowed("aa_eq")},
	}
	runErrorCases(t, cases, query.Options{})
}

func TestParseFilterLenientIgnoresUnknown(t *testing.T) {
	lenient := query.Options{LenientFilters: true}
	cases := []struct {
		name, raw string
		wantKeys  []string
	}{
		{"unknown attribute", "filter[q][nme_eq]=x", nil},
		{"unknown predicate", "filter[q][name_equals]=x", nil},
		{"filter key other than q", "filter[name_eq]=x", nil},
		{"predicate not applicable", "filter[q][name_true]=1", nil},
		{"unknown ignored, known kept", "filter[q][nme_eq]=x&filter[q][name_eq]=admin&filter[s][kind_eq]=y", []string{"name_eq"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parse(t, "roles", tc.raw, lenient)
			if err != nil {
				t.Fatalf("lenient %s: %v", tc.raw, err)
			}
			var keys []string
			for _, f := range p.Filters {
				keys = append(keys, f.Key)
			}
			if !reflect.DeepEqual(keys, tc.wantKeys) {
				t.Fatalf("lenient %s: filters %v, want %v", tc.raw, keys, tc.wantKeys)
			}
		})
	}
	runErrorCases(t, []errorCase{
		{"bad value of a known filter is still an error", "api_credentials", "filter[q][expires_in_eq]=soon",
			apiErr{"INVALID_FILTER_VALUE", "soon is not a valid value for expires_in_eq."}},
		{"other checks are unchanged", "roles", "sort=name", apiErr{"INVALID_SORT_CRITERIA", "name is not a valid sort criteria for roles"}},
	}, lenient)
}

func TestParseCheckOrder(t *testing.T) {
	const (
		unknown = "zzz=1"
		fields  = "fields[roles]=colour"
		include = "include=owner"
		filter  = "filter[q][nme_eq]=x"
		badVal  = "filter[q][created_at_gt]=never"
		sortBad = "sort=name"
		page    = "page[size]=0"
	)
	join := func(parts ...string) string { return strings.Join(parts, "&") }
	fieldsErr := apiErr{"INVALID_FIELD", "colour is not a valid field for roles."}
	includeErr := apiErr{"INVALID_INCLUDE", "owner is not a valid includable relationship of roles"}
	filterErr := apiErr{"FILTER_NOT_ALLOWED", "nme_eq is not allowed."}
	sortErr := apiErr{"INVALID_SORT_CRITERIA", "name is not a valid sort criteria for roles"}
	pageErr := apiErr{"INVALID_PAGE_VALUE", "0 is not a valid value for size page parameter."}
	runErrorCases(t, []errorCase{
		{"unknown parameter before fields", "roles", join(page, sortBad, filter, include, fields, unknown), apiErr{"PARAM_NOT_ALLOWED", "zzz is not allowed."}},
		{"fields before include", "roles", join(page, sortBad, filter, include, fields), fieldsErr},
		{"fields before include, include first in the string", "roles", join(include, fields), fieldsErr},
		{"unknown fields type before include", "roles", join(include, "fields[widgets]=x"), apiErr{"INVALID_RESOURCE", "widgets is not a valid resource."}},
		{"include before filter", "roles", join(page, sortBad, filter, include), includeErr},
		{"filter before sort", "roles", join(page, sortBad, filter), filterErr},
		{"filter value before sort", "roles", join(sortBad, badVal), apiErr{"INVALID_FILTER_VALUE", "never is not a valid value for created_at_gt."}},
		{"sort before page", "roles", join(page, sortBad), sortErr},
		{"page alone", "roles", page, pageErr},
	}, query.Options{})
}

// spec is SPEC.md's table of sortable and filterable attributes per type, beyond the
// ones every type has.
var spec = map[string]struct{ sortable, filterable []string }{
	"api_credentials":         {[]string{"mode"}, []string{"name", "kind", "confidential", "redirect_uri", "client_id", "scopes", "expires_in", "mode", "custom"}},
	"application_memberships": {nil, []string{"filters"}},
	"identity_providers": {
		[]string{"name", "client_id", "client_secret", "issuer", "status", "domains", "token_url", "authorize_url", "jwks_url", "txt_record", "organization", "disabled_at"},
		[]string{"name", "client_id", "client_secret", "issuer", "status", "domains", "token_url", "authorize_url", "jwks_url", "txt_record", "organization", "disabled_at"},
	},
	"memberships":         {[]string{"status"}, []string{"user_email", "status", "owner", "access_scope"}},
	"membership_profiles": {[]string{"name"}, []string{"name", "access_scope"}},
	"organizations":       {[]string{"name", "slug", "domain"}, []string{"name", "slug", "domain", "contrast_color", "region"}},
	"permissions":         {nil, []string{"can_create", "can_read", "can_update", "can_destroy", "subject", "restrictions"}},
	"roles":               {nil, []string{"name", "kind"}},
	"users":               {[]string{"email", "first_name", "last_name"}, []string{"email", "first_name", "last_name", "time_zone"}},
	"versions":            {nil, []string{"resource_type", "resource_id"}},
}

// TestSortAndFilterFollowSpecTable tries every attribute of every type in sort= and in a
// filter, and compares the accepted sets with SPEC.md's table.
func TestSortAndFilterFollowSpecTable(t *testing.T) {
	reg := models.Provisioning()
	commonSort := []string{"id", "reference", "reference_origin", "created_at", "updated_at"}
	commonFilter := []string{"id", "reference", "reference_origin", "created_at", "updated_at", "metadata"}
	if len(reg.All()) != len(spec) {
		t.Fatalf("registry has %d types, SPEC's table %d", len(reg.All()), len(spec))
	}
	for _, def := range reg.All() {
		t.Run(def.Type, func(t *testing.T) {
			row, ok := spec[def.Type]
			if !ok {
				t.Fatalf("type %s is not in SPEC's table", def.Type)
			}
			candidates := []string{"id"}
			for _, a := range def.Attrs {
				candidates = append(candidates, a.Name)
			}
			for _, r := range def.Rels {
				candidates = append(candidates, r.Name)
			}
			var sortable, filterable []string
			for _, name := range candidates {
				if _, err := query.Parse(reg, def, url.Values{"sort": {name}}, query.Options{}); err == nil {
					sortable = append(sortable, name)
				} else if list := wireErrors(err); len(list) != 1 || list[0].Code != "INVALID_SORT_CRITERIA" {
					t.Errorf("sort=%s: %v, want INVALID_SORT_CRITERIA", name, err)
				}
				// Foreign keys (organization_id) filter through the relationship, as
				// TestParseFilter shows; here only the type's own attributes count.
				key := "filter[q][" + name + "_present]"
				if _, err := query.Parse(reg, def, url.Values{key: {"true"}}, query.Options{}); err == nil {
					filterable = append(filterable, name)
				} else if list := wireErrors(err); len(list) != 1 || list[0].Code != "FILTER_NOT_ALLOWED" {
					t.Errorf("%s: %v, want FILTER_NOT_ALLOWED", key, err)
				}
			}
			if got, want := set(sortable), set(append(append([]string{}, commonSort...), row.sortable...)); !reflect.DeepEqual(got, want) {
				t.Errorf("sortable = %v\n     want %v", got, want)
			}
			if got, want := set(filterable), set(append(append([]string{}, commonFilter...), row.filterable...)); !reflect.DeepEqual(got, want) {
				t.Errorf("filterable = %v\n       want %v", got, want)
			}
		})
	}
}

// set sorts and deduplicates names.
func set(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func TestPredicatesAreSpecsList(t *testing.T) {
	const specList = `eq not_eq matches does_not_match matches_any matches_all does_not_match_any
  does_not_match_all lt lteq gt gteq present blank null not_null in not_in lt_any lteq_any
  gt_any gteq_any lt_all lteq_all gt_all gteq_all not_eq_all start not_start start_any
  start_all not_start_any not_start_all end not_end end_any end_all not_end_any not_end_all
  cont not_cont cont_any cont_all not_cont_all true false`
	// SPEC's next paragraph adds the two predicates the SDK treats specially.
	const specSDKList = `jcont not_in_or_null`
	want := strings.Fields(specList + " " + specSDKList)
	got := query.Predicates()
	if len(got) != len(want) {
		t.Errorf("%d predicates, SPEC lists %d", len(got), len(want))
	}
	if !reflect.DeepEqual(set(got), set(want)) {
		t.Fatalf("predicates = %v\n      want %v", set(got), set(want))
	}
	// Every predicate parses on a string attribute, except true/false (booleans only) and
	// the comparisons, which take the attribute's own type.
	for _, name := range got {
		typ, attr, value := "roles", "name", "x"
		switch name {
		case "true", "false", "present", "blank", "null", "not_null":
			typ, attr, value = "memberships", "owner", "true"
		case "jcont":
			attr, value = "metadata", `{"a":1}`
		}
		key := "filter[q][" + attr + "_" + name + "]"
		p, err := parseValues(t, typ, url.Values{key: {value}}, query.Options{})
		if err != nil {
			t.Errorf("%s on %s: %v", key, typ, err)
			continue
		}
		if p.Filters[0].Pred.Name != name {
			t.Errorf("%s parsed as predicate %s", key, p.Filters[0].Pred.Name)
		}
	}
}

func TestReadValue(t *testing.T) {
	cases := []struct {
		name    string
		kind    models.Kind
		in      string
		want    any
		wantErr bool
	}{
		{"string passes through untouched", models.String, " a b ", " a b ", false},
		{"integer", models.Integer, "42", int64(42), false},
		{"integer with spaces", models.Integer, " 42 ", int64(42), false},
		{"integer overflow", models.Integer, "99999999999999999999", nil, true},
		{"number", models.Number, "1.5", 1.5, false},
		{"number from an integer", models.Number, "3", 3.0, false},
		{"number NaN", models.Number, "NaN", nil, true},
		{"number infinity", models.Number, "Inf", nil, true},
		{"number overflow", models.Number, "1e999", nil, true},
		{"number from text", models.Number, "abc", nil, true},
		{"boolean 1", models.Boolean, "1", true, false},
		{"boolean False", models.Boolean, "False", false, false},
		{"boolean t is not accepted", models.Boolean, "t", nil, true},
		{"time", models.Time, "2024-02-29", "2024-02-29T00:00:00.000Z", false},
		{"time not a date", models.Time, "2023-02-29", nil, true},
		{"object compares as text", models.Object, `{"a":1}`, `{"a":1}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := query.ReadValue(tc.kind, tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ReadValue(%s, %q) = %v, want an error", tc.kind, tc.in, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ReadValue(%s, %q) = %#v, %v; want %#v", tc.kind, tc.in, got, err, tc.want)
			}
		})
	}
}

// includePaths returns the first n include paths below typ that visit no type twice, in
// depth-first order: each one adds exactly one node to the include tree.
func includePaths(reg *models.Registry, typ string, n int) []string {
	var out []string
	var walk func(def *models.Resource, seen map[string]bool, prefix string)
	walk = func(def *models.Resource, seen map[string]bool, prefix string) {
		for _, rel := range def.Rels {
			if len(out) == n || seen[rel.Type] {
				continue
			}
			path := prefix + rel.Name
			out = append(out, path)
			seen[rel.Type] = true
			walk(reg.Lookup(rel.Type), seen, path+".")
			delete(seen, rel.Type)
		}
	}
	walk(reg.Lookup(typ), map[string]bool{typ: true}, "")
	return out
}

// cyclicPath returns an include path of depth levels from memberships, going round
// role.organization.roles.
func cyclicPath(depth int) string {
	segs := []string{"role"}
	for len(segs) < depth {
		if len(segs)%2 == 1 {
			segs = append(segs, "organization")
		} else {
			segs = append(segs, "roles")
		}
	}
	return strings.Join(segs, ".")
}

func TestParseIncludeBounds(t *testing.T) {
	reg := models.Provisioning()
	if query.MaxIncludeDepth != 7 || query.MaxIncludeNodes != 50 {
		t.Fatalf("bounds = %d deep, %d nodes; the cases below assume 7 and 50", query.MaxIncludeDepth, query.MaxIncludeNodes)
	}
	runErrorCases(t, []errorCase{
		{"one level too deep", "memberships", "include=organization," + cyclicPath(8),
			apiErr{"INVALID_INCLUDE", "role.organization.roles.organization.roles.organization.roles.organization goes deeper than 7 relationships"}},
		{"50,000 levels are cut in the detail", "memberships", "include=" + cyclicPath(50000),
			apiErr{"INVALID_INCLUDE", "role.organization.roles.organization.roles.organization.roles.organization... goes deeper than 7 relationships"}},
		{"too deep before an unknown name below the bound", "memberships", "include=" + cyclicPath(7) + ".bogus",
			apiErr{"INVALID_INCLUDE", "role.organization.roles.organization.roles.organization.roles.bogus goes deeper than 7 relationships"}},
		{"one relationship too many", "organizations", "include=" + strings.Join(includePaths(reg, "organizations", 51), ","),
			apiErr{"INVALID_INCLUDE", "include names more than 50 relationships"}},
	}, query.Options{})

	t.Run("at the bounds", func(t *testing.T) {
		mustParse(t, "memberships", "include="+cyclicPath(7))
		paths := includePaths(reg, "organizations", 50)
		if len(paths) != 50 {
			t.Fatalf("only %d paths below organizations", len(paths))
		}
		mustParse(t, "organizations", "include="+strings.Join(paths, ","))
	})
	t.Run("every path that visits no type twice fits", func(t *testing.T) {
		for _, def := range reg.All() {
			for _, path := range includePaths(reg, def.Type, 1<<20) {
				if _, err := parse(t, def.Type, "include="+path, query.Options{}); err != nil {
					t.Fatalf("%s?include=%s: %v", def.Type, path, err)
				}
			}
		}
	})
	t.Run("a path repeated counts once", func(t *testing.T) {
		p := mustParse(t, "memberships", "include="+strings.Repeat("role.permissions,", 10000)+"role")
		if len(p.Include.Children) != 1 || len(p.Include.Children[0].Children) != 1 {
			t.Fatalf("include tree = %+v, want role.permissions once", p.Include)
		}
	})
}
