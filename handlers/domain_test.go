package handlers_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// The rules the real service applies to writes: one test per rule, each with its happy
// path (the derived values asserted) and its refusals (whole error objects, and a check that
// the refused request stored or changed nothing).

// jm is a JSON object in expectations and request bodies.
type jm = map[string]any

// relTo is a to-one relationship member of a request body.
func relTo(typ, id string) jm { return jm{"data": jm{"type": typ, "id": id}} }

// relToMany is a to-many relationship member of a request body.
func relToMany(typ string, ids ...string) jm {
	data := []any{}
	for _, id := range ids {
		data = append(data, jm{"type": typ, "id": id})
	}
	return jm{"data": data}
}

// domBody builds a request body; id is left out when empty.
func domBody(tb testing.TB, typ, id string, attrs, rels jm) string {
	tb.Helper()
	data := jm{"type": typ}
	if id != "" {
		data["id"] = id
	}
	if attrs != nil {
		data["attributes"] = attrs
	}
	if rels != nil {
		data["relationships"] = rels
	}
	b, err := json.Marshal(jm{"data": data})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func domPost(tb testing.TB, path, typ string, attrs, rels jm) request {
	return request{method: http.MethodPost, path: path, body: domBody(tb, typ, "", attrs, rels)}
}

func domPatch(tb testing.TB, path, typ, id string, attrs, rels jm) request {
	return request{method: http.MethodPatch, path: path, body: domBody(tb, typ, id, attrs, rels)}
}

func domDelete(path string) request { return request{method: http.MethodDelete, path: path} }

// domAs makes a request act as the user.
func domAs(s *testServer, tb testing.TB, userID string, r request) request {
	r.headers = map[string]string{"Authorization": "Bearer " + s.tokenFor(tb, userID)}
	return r
}

// asJSON turns a Go value into what decoding its JSON gives (numbers become float64).
func asJSON(tb testing.TB, v any) any {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// wantValidation is the 422 error object SPEC.md describes for one failing rule: the message as
// title, "{attribute} - {message}" as detail, the pointer, and meta.error naming the rule
// beside its count/value.
func wantValidation(pointer, attribute, message, rule string, meta jm) jm {
	m := jm{"error": rule}
	for k, v := range meta {
		m[k] = v
	}
	return jm{
		"title": message, "detail": attribute + " - " + message, "code": "VALIDATION_ERROR",
		"source": jm{"pointer": pointer}, "status": "422", "meta": m,
	}
}

// Validations on attributes, by rule.
func wantBlank(name string) jm {
	return wantValidation("/data/attributes/"+name, name, "can't be blank", "blank", nil)
}

func wantInvalid(name string, value any) jm {
	return wantValidation("/data/attributes/"+name, name, "is invalid", "invalid", jm{"value": value})
}

func wantInclusion(name string, value any) jm {
	return wantValidation("/data/attributes/"+name, name, "is not included in the list", "inclusion", jm{"value": value})
}

func wantTaken(name string, value any) jm {
	return wantValidation("/data/attributes/"+name, name, "has already been taken", "taken", jm{"value": value})
}

func wantGTE(name string, value, min int64) jm {
	return wantValidation("/data/attributes/"+name, name, fmt.Sprintf("must be greater than or equal to %d", min),
		"greater_than_or_equal_to", jm{"value": value, "count": min})
}

func wantLTE(name string, value, max int64) jm {
	return wantValidation("/data/attributes/"+name, name, fmt.Sprintf("must be less than or equal to %d", max),
		"less_than_or_equal_to", jm{"value": value, "count": max})
}

// Validations on relationships: absent or cleared is "can't be blank" (as the SDK's
// README shows the real service answering), a linked id that does not exist "must exist".
func wantRelBlank(rel string) jm {
	return wantValidation("/data/relationships/"+rel, rel, "can't be blank", "blank", nil)
}

func wantMustExist(rel string) jm {
	return wantValidation("/data/relationships/"+rel, rel, "must exist", "blank", nil)
}

func wantOtherOrg(rel string) jm {
	return wantValidation("/data/relationships/"+rel, rel, "must belong to the same organization", "invalid", nil)
}

// wantLocked is the 423 of a delete that would leave dependents pointing at nothing.
func wantLocked(dependent string) jm {
	return jm{"title": "Locked resource", "detail": "Cannot delete record because of dependent " + dependent,
		"code": "LOCKED", "status": "423"}
}

// mustRefuse sends a request that must be refused with status and exactly the error objects
// want, in that order, and checks that the store is as it was before.
func mustRefuse(t *testing.T, s *testServer, r request, status int, want ...jm) {
	t.Helper()
	before := s.dump(t)
	rec := s.do(t, r)
	mustStatus(t, rec, status)
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Errorf("Content-Type = %q, want %q", ct, handlers.MediaType)
	}
	got := decode(t, rec)["errors"]
	if w := asJSON(t, want); !reflect.DeepEqual(got, w) {
		gb, _ := json.MarshalIndent(got, "", "  ")
		wb, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("errors:\n%s\nwant:\n%s", gb, wb)
	}
	if after := s.dump(t); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused %s %s changed the store:\n%s", r.method, r.path, domDumpDiff(before, after))
	}
}

// domDumpDiff names the records a refused request added, removed or changed.
func domDumpDiff(before, after map[string][]store.Record) string {
	var b strings.Builder
	for typ, rows := range after {
		old := map[string]store.Record{}
		for _, r := range before[typ] {
			old[r.ID()] = r
		}
		for _, r := range rows {
			o, ok := old[r.ID()]
			switch {
			case !ok:
				fmt.Fprintf(&b, "added %s %v\n", typ, r)
			case !reflect.DeepEqual(o, r):
				fmt.Fprintf(&b, "changed %s %v -> %v\n", typ, o, r)
			}
			delete(old, r.ID())
		}
		for _, r := range old {
			fmt.Fprintf(&b, "removed %s %v\n", typ, r)
		}
	}
	return b.String()
}

// mustCreated sends a create that must succeed and returns the resource object.
func mustCreated(t *testing.T, s *testServer, r request) jm {
	t.Helper()
	rec := s.do(t, r)
	mustStatus(t, rec, http.StatusCreated)
	data := decode(t, rec)["data"].(jm)
	if loc, want := rec.Header().Get("Location"), testBase+"/api/"+data["type"].(string)+"/"+data["id"].(string); loc != want {
		t.Errorf("Location = %q, want %q", loc, want)
	}
	return data
}

// mustUpdated sends an update that must succeed and returns the resource object.
func mustUpdated(t *testing.T, s *testServer, r request) jm {
	t.Helper()
	rec := s.do(t, r)
	mustStatus(t, rec, http.StatusOK)
	return decode(t, rec)["data"].(jm)
}

// domGet returns the data of a GET that must succeed: an object, a list, or null.
func domGet(t *testing.T, s *testServer, path string) any {
	t.Helper()
	rec := s.get(t, path)
	mustStatus(t, rec, http.StatusOK)
	return decode(t, rec)["data"]
}

func domGetOne(t *testing.T, s *testServer, path string) jm {
	t.Helper()
	d, ok := domGet(t, s, path).(jm)
	if !ok {
		t.Fatalf("GET %s: data is not an object", path)
	}
	return d
}

// domGetAll returns every record of a list, page after page.
func domGetAll(t *testing.T, s *testServer, path string) []jm {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []jm
	for page := 1; ; page++ {
		rec := s.get(t, fmt.Sprintf("%s%spage[size]=25&page[number]=%d", path, sep, page))
		mustStatus(t, rec, http.StatusOK)
		doc := decode(t, rec)
		data := doc["data"].([]any)
		for _, d := range data {
			out = append(out, d.(jm))
		}
		if float64(page) >= doc["meta"].(jm)["page_count"].(float64) {
			return out
		}
	}
}

// domCount returns the record_count of a list.
func domCount(t *testing.T, s *testServer, path string) int {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	rec := s.get(t, path+sep+"page[size]=1")
	mustStatus(t, rec, http.StatusOK)
	return int(decode(t, rec)["meta"].(jm)["record_count"].(float64))
}

func domAttrs(d jm) jm { return d["attributes"].(jm) }

// mustAttrs checks the attributes named in want, compared as JSON values.
func mustAttrs(t *testing.T, d jm, want jm) {
	t.Helper()
	got := domAttrs(d)
	for k, w := range want {
		if g := got[k]; !reflect.DeepEqual(g, asJSON(t, w)) {
			t.Errorf("%s %v: %s = %#v, want %#v", d["type"], d["id"], k, g, w)
		}
	}
}

// domRelatedID returns the id of a to-one related resource, or "" when there is none.
func domRelatedID(t *testing.T, s *testServer, typ, id, rel string) string {
	t.Helper()
	d, _ := domGet(t, s, "/api/"+typ+"/"+id+"/"+rel).(jm)
	if d == nil {
		return ""
	}
	return d["id"].(string)
}

// domVersions returns the versions of one record, oldest first, from /api/versions.
func domVersions(t *testing.T, s *testServer, typ, id string) []jm {
	t.Helper()
	return domGetAll(t, s, "/api/versions?filter[q][resource_type_eq]="+typ+"&filter[q][resource_id_eq]="+url.QueryEscape(id))
}

// mustVersion checks a version's fields: event, the exact changes, and who.user.id.
func mustVersion(t *testing.T, v jm, typ, id, event string, changes jm, userID string) {
	t.Helper()
	a := domAttrs(v)
	if a["resource_type"] != typ || a["resource_id"] != id || a["event"] != event {
		t.Errorf("version %v is %v/%v %v, want %s/%s %s", v["id"], a["resource_type"], a["resource_id"], a["event"], typ, id, event)
	}
	if w := asJSON(t, changes); !reflect.DeepEqual(a["changes"], w) {
		t.Errorf("version %v (%s) changes = %v, want %v", v["id"], event, a["changes"], w)
	}
	user, _ := a["who"].(jm)["user"].(jm)
	if user == nil || user["id"] != userID {
		t.Errorf("version %v who = %v, want user %s", v["id"], a["who"], userID)
	}
}

// Emails of the demo dataset.
const (
	demoOwnerEmail  = "demo@example.com"
	demoViewerEmail = "viewer@example.com"
)

func TestDomainOrganizations(t *testing.T) {
	newOrg := func(tb testing.TB, name string) request {
		return domPost(tb, "/api/organizations", "organizations", jm{"name": name}, nil)
	}

	t.Run("CreateDerivesSlugDomainAndDefaults", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, newOrg(t, "Blue Brand"))
		mustAttrs(t, org, jm{
			"name": "Blue Brand", "slug": "blue-brand", "domain": "blue-brand.commercelayer.io",
			"region": "eu-west-1", "can_switch_live": false,
		})
	})

	t.Run("SlugIsUnique", func(t *testing.T) {
		s := mustServer(t)
		for _, want := range []string{"blue-brand", "blue-brand-2", "blue-brand-3"} {
			org := mustCreated(t, s, newOrg(t, "Blue Brand"))
			mustAttrs(t, org, jm{"slug": want, "domain": want + ".commercelayer.io"})
		}
		// The demo dataset already has the-blue-brand; words are joined by one dash
		// whatever separates them.
		org := mustCreated(t, s, newOrg(t, "  The   BLUE -- Brand! "))
		mustAttrs(t, org, jm{"slug": "the-blue-brand-2", "domain": "the-blue-brand-2.commercelayer.io"})
	})

	t.Run("RegionSetOnCreate", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, domPost(t, "/api/organizations", "organizations", jm{"name": "US shop", "region": "us-east-1"}, nil))
		mustAttrs(t, org, jm{"region": "us-east-1"})
	})

	t.Run("RegionNotUpdatable", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd", jm{"region": "us-east-1"}, nil),
			http.StatusBadRequest, jm{"title": "Param not allowed", "detail": "region is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
	})

	t.Run("ReadOnlySettingsNeverNull", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, newOrg(t, "Settings Co"))
		got := domAttrs(org)
		def := models.Provisioning().Lookup("organizations")
		n := 0
		for _, a := range def.Attrs {
			if !a.Rendered() || a.Flags.Has(models.Nullable) {
				continue
			}
			n++
			if got[a.Name] == nil {
				t.Errorf("%s is null", a.Name)
			}
		}
		if n < 50 {
			t.Errorf("only %d non-nullable attributes checked", n)
		}
		// Integer settings are integers, not texts.
		for _, name := range []string{"api_max_regex_length", "orders_autorefresh_cutoff_live", "imports_max_concurrent_count"} {
			if _, ok := got[name].(float64); !ok {
				t.Errorf("%s = %#v, want a number", name, got[name])
			}
		}
	})

	t.Run("ReadOnlySettingsAreTheOpenAPIExamples", func(t *testing.T) {
		path := os.Getenv("PROVISIONING_OPENAPI")
		if path == "" {
			t.Skip("PROVISIONING_OPENAPI is not set")
		}
		raw, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf(specMissing, path)
		}
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties struct {
						Data struct {
							Properties struct {
								Attributes struct {
									Properties map[string]struct {
										ReadOnly bool `json:"readOnly"`
										Nullable bool `json:"nullable"`
										Example  any  `json:"example"`
									} `json:"properties"`
								} `json:"attributes"`
							} `json:"properties"`
						} `json:"data"`
					} `json:"properties"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		s := mustServer(t)
		got := domAttrs(mustCreated(t, s, newOrg(t, "Settings Co")))
		n := 0
		for name, p := range doc.Components.Schemas["organization"].Properties.Data.Properties.Attributes.Properties {
			switch {
			case !p.ReadOnly || p.Nullable:
				continue
			case name == "slug" || name == "domain" || name == "created_at" || name == "updated_at":
				continue // derived: checked elsewhere
			case name == "subscription_info":
				if got[name] == nil {
					t.Errorf("subscription_info is null")
				}
				continue
			}
			n++
			if !reflect.DeepEqual(got[name], p.Example) {
				t.Errorf("%s = %#v, the real service's example is %#v", name, got[name], p.Example)
			}
		}
		if n == 0 {
			t.Fatal("no read-only setting in the description")
		}
	})

	t.Run("CreatorBecomesOwnerWithBaseRoles", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, newOrg(t, "Blue Brand"))
		id := org["id"].(string)
		members := domGetAll(t, s, "/api/organizations/"+id+"/memberships")
		if len(members) != 1 {
			t.Fatalf("%d memberships, want the owner's only", len(members))
		}
		mustAttrs(t, members[0], jm{
			"user_email": demoOwnerEmail, "user_first_name": "Alex", "user_last_name": "Morgan",
			"status": "active", "owner": true,
		})
		roles := domGetAll(t, s, "/api/organizations/"+id+"/roles")
		kinds := map[string]string{}
		for _, r := range roles {
			a := domAttrs(r)
			kinds[a["kind"].(string)] = r["id"].(string)
			if a["name"] != a["kind"] {
				t.Errorf("role %v is named %v, want its kind %v", r["id"], a["name"], a["kind"])
			}
		}
		if len(roles) != 2 || kinds["admin"] == "" || kinds["read_only"] == "" {
			t.Fatalf("roles %v, want admin and read_only", kinds)
		}
		if got := domRelatedID(t, s, "memberships", members[0]["id"].(string), "role"); got != kinds["admin"] {
			t.Errorf("the owner's role is %q, want the admin role %q", got, kinds["admin"])
		}
		// Each role has a permission on every base subject: all rights for admin, reading
		// for read_only.
		for kind, write := range map[string]bool{"admin": true, "read_only": false} {
			perms := domGetAll(t, s, "/api/roles/"+kinds[kind]+"/permissions")
			if len(perms) != len(models.BaseSubjects) {
				t.Errorf("%s has %d permissions, want %d", kind, len(perms), len(models.BaseSubjects))
			}
			seen := map[any]bool{}
			for _, p := range perms {
				mustAttrs(t, p, jm{"can_create": write, "can_read": true, "can_update": write, "can_destroy": write, "restrictions": jm{}})
				seen[domAttrs(p)["subject"]] = true
			}
			if len(seen) != len(models.BaseSubjects) {
				t.Errorf("%s: %d distinct subjects, want %d", kind, len(seen), len(models.BaseSubjects))
			}
		}
		// The new organization is listed to its owner.
		if n := domCount(t, s, "/api/organizations"); n != 3 {
			t.Errorf("the owner sees %d organizations, want 3", n)
		}
	})

	t.Run("ViewerCreatesAndOwns", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, domAs(s, t, demoViewer, newOrg(t, "Viewer Labs")))
		id := org["id"].(string)
		rec := s.do(t, domAs(s, t, demoViewer, request{path: "/api/organizations/" + id + "/memberships"}))
		mustStatus(t, rec, http.StatusOK)
		data := decode(t, rec)["data"].([]any)
		if len(data) != 1 {
			t.Fatalf("%d memberships, want 1", len(data))
		}
		mustAttrs(t, data[0].(jm), jm{"user_email": demoViewerEmail, "user_first_name": "Sam", "user_last_name": "Rivera",
			"status": "active", "owner": true})
		// The demo owner is no member of it, and still owns two organizations.
		mustStatus(t, s.get(t, "/api/organizations/"+id), http.StatusNotFound)
		totals := domAttrs(domGetOne(t, s, "/api/organizations/orgBlueBrd"))["subscription_info"].(jm)["totals"].(jm)
		if totals["organizations"] != 2.0 {
			t.Errorf("orgBlueBrd totals.organizations = %v, want 2", totals["organizations"])
		}
		if got := domAttrs(org)["subscription_info"].(jm)["totals"].(jm)["organizations"]; got != 1.0 {
			t.Errorf("the viewer's organization counts %v organizations, want 1", got)
		}
	})

	t.Run("SubscriptionTotalsCountRecords", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, newOrg(t, "Counted"))
		id := org["id"].(string)
		info := domAttrs(org)["subscription_info"].(jm)
		if info["plan_type"] == nil || info["limits"] == nil {
			t.Fatalf("subscription_info = %v, want a plan with limits", info)
		}
		// The owner now owns the two demo organizations and this one.
		wantTotals := func(orgID string, organizations, memberships int) {
			t.Helper()
			totals := domAttrs(domGetOne(t, s, "/api/organizations/"+orgID))["subscription_info"].(jm)["totals"].(jm)
			if totals["organizations"] != float64(organizations) || totals["memberships"] != float64(memberships) {
				t.Errorf("%s totals = %v, want organizations %d, memberships %d", orgID, totals, organizations, memberships)
			}
		}
		wantTotals(id, 3, 1)
		wantTotals("orgBlueBrd", 3, 3)
		wantTotals("orgGreenGr", 3, 3)
		m := mustCreated(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "new@example.com"},
			jm{"organization": relTo("organizations", id), "role": relTo("roles", domRoleOfKind(t, s, id, "read_only"))}))
		wantTotals(id, 3, 2)
		mustStatus(t, s.do(t, domDelete("/api/memberships/"+m["id"].(string))), http.StatusNoContent)
		wantTotals(id, 3, 1)
	})

	t.Run("SubscriptionPlanKept", func(t *testing.T) {
		// Counting members does not change an organization's plan, its limits, or the
		// totals of records the mock does not hold (markets, skus).
		s := mustServer(t)
		mustCreated(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "new@example.com"},
			jm{"organization": relTo("organizations", "orgGreenGr"), "role": relTo("roles", "rolGGReadO")}))
		got := domAttrs(domGetOne(t, s, "/api/organizations/orgGreenGr"))["subscription_info"]
		want := jm{
			"plan_type": "starter",
			"limits":    jm{"markets": 1, "skus": 1000, "organizations": 2, "memberships": 3},
			"totals":    jm{"organizations": 2, "markets": 1, "memberships": 4, "skus": 86},
		}
		if !reflect.DeepEqual(got, asJSON(t, want)) {
			t.Errorf("subscription_info = %v, want %v", got, want)
		}
	})

	t.Run("ErrNameBlank", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/organizations", "organizations", jm{}, nil), 422, wantBlank("name"))
		mustRefuse(t, s, newOrg(t, "   "), 422, wantBlank("name"))
		mustRefuse(t, s, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd", jm{"name": ""}, nil), 422, wantBlank("name"))
	})

	t.Run("ErrFormats", func(t *testing.T) {
		s := mustServer(t)
		attrs := jm{
			"name": "Bad formats", "support_email": "support.example.com", "logo_url": "ftp://files.example/logo.png",
			"favicon_url": "/favicon.ico", "primary_color": "#12345G", "contrast_color": "fff",
		}
		mustRefuse(t, s, domPost(t, "/api/organizations", "organizations", attrs, nil), 422,
			wantInvalid("support_email", "support.example.com"), wantInvalid("logo_url", "ftp://files.example/logo.png"),
			wantInvalid("favicon_url", "/favicon.ico"), wantInvalid("primary_color", "#12345G"), wantInvalid("contrast_color", "fff"))
		for _, c := range []struct{ attr, value string }{
			{"primary_color", "blue"}, {"contrast_color", "#FFFFFFF"}, {"contrast_color", "FFFFFF"},
			{"support_email", "help@"}, {"support_email", "Help <help@bb.example>"}, {"logo_url", "https://"},
			{"favicon_url", "javascript:alert(1)"},
		} {
			mustRefuse(t, s, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd", jm{c.attr: c.value}, nil),
				422, wantInvalid(c.attr, c.value))
		}
	})

	t.Run("FormatsAccepted", func(t *testing.T) {
		s := mustServer(t)
		attrs := jm{"support_email": "care@bb.example", "logo_url": "http://bb.example/l.png", "favicon_url": nil,
			"primary_color": "#a1B2c3", "contrast_color": "#000000"}
		org := mustUpdated(t, s, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd", attrs, nil))
		mustAttrs(t, org, attrs)
		mustAttrs(t, org, jm{"slug": "the-blue-brand", "region": "eu-west-1"})
	})
}

// domRoleOfKind returns the id of the organization's role of that kind.
func domRoleOfKind(t *testing.T, s *testServer, orgID, kind string) string {
	t.Helper()
	for _, r := range domGetAll(t, s, "/api/organizations/"+orgID+"/roles") {
		if domAttrs(r)["kind"] == kind {
			return r["id"].(string)
		}
	}
	t.Fatalf("%s has no %s role", orgID, kind)
	return ""
}

func TestDomainAPICredentials(t *testing.T) {
	newCredential := func(tb testing.TB, attrs jm, rels jm) request {
		if rels == nil {
			rels = jm{"organization": relTo("organizations", "orgBlueBrd")}
		}
		return domPost(tb, "/api/api_credentials", "api_credentials", attrs, rels)
	}
	clientID := regexp.MustCompile(`^[A-Za-z0-9]{20,}$`)

	t.Run("SalesChannelIsPublic", func(t *testing.T) {
		s := mustServer(t)
		c := mustCreated(t, s, newCredential(t, jm{"name": "Storefront", "kind": "sales_channel"}, nil))
		mustAttrs(t, c, jm{"kind": "sales_channel", "confidential": false, "client_secret": nil,
			"expires_in": 14400, "mode": "test", "scopes": "market:all"})
		if id, _ := domAttrs(c)["client_id"].(string); !clientID.MatchString(id) {
			t.Errorf("client_id = %q, want a generated id", id)
		}
	})

	for _, kind := range []string{"webapp", "integration", "orders", "imports"} {
		t.Run("ConfidentialKind/"+kind, func(t *testing.T) {
			s := mustServer(t)
			c := mustCreated(t, s, newCredential(t, jm{"name": "App", "kind": kind}, nil))
			a := domAttrs(c)
			mustAttrs(t, c, jm{"kind": kind, "confidential": true, "expires_in": 7200, "mode": "test"})
			id, _ := a["client_id"].(string)
			secret, _ := a["client_secret"].(string)
			if !clientID.MatchString(id) || !clientID.MatchString(secret) || id == secret {
				t.Errorf("client_id %q, client_secret %q: want two generated values", id, secret)
			}
			// The issue gives scopes for sales channels only; the mock leaves the others' null.
			if a["scopes"] != nil {
				t.Errorf("scopes = %v on a %s credential, want null", a["scopes"], kind)
			}
		})
	}

	t.Run("GeneratedValuesDiffer", func(t *testing.T) {
		s := mustServer(t)
		a := domAttrs(mustCreated(t, s, newCredential(t, jm{"name": "A", "kind": "integration"}, nil)))
		b := domAttrs(mustCreated(t, s, newCredential(t, jm{"name": "B", "kind": "integration"}, nil)))
		if a["client_id"] == b["client_id"] || a["client_secret"] == b["client_secret"] {
			t.Errorf("two credentials share generated values: %v / %v", a, b)
		}
	})

	t.Run("GivenValuesKept", func(t *testing.T) {
		s := mustServer(t)
		for _, n := range []int64{7200, 31536000} {
			c := mustCreated(t, s, newCredential(t, jm{"name": "Edge", "kind": "sales_channel", "expires_in": n, "mode": "live",
				"redirect_uri": "https://shop.example/cb"}, jm{"organization": relTo("organizations", "orgBlueBrd"), "role": relTo("roles", "rolBBMktEd")}))
			mustAttrs(t, c, jm{"expires_in": n, "mode": "live", "redirect_uri": "https://shop.example/cb"})
			if got := domRelatedID(t, s, "api_credentials", c["id"].(string), "role"); got != "rolBBMktEd" {
				t.Errorf("role = %q, want rolBBMktEd", got)
			}
		}
		c := mustUpdated(t, s, domPatch(t, "/api/api_credentials/apcBBErpIn", "api_credentials", "apcBBErpIn", jm{"expires_in": 86400}, nil))
		mustAttrs(t, c, jm{"expires_in": 86400, "confidential": true})
	})

	t.Run("ErrRequired", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/api_credentials", "api_credentials", jm{}, nil), 422,
			wantBlank("name"), wantBlank("kind"), wantRelBlank("organization"))
		mustRefuse(t, s, newCredential(t, jm{"name": " ", "kind": nil}, nil), 422, wantBlank("name"), wantBlank("kind"))
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "integration"}, jm{"organization": relTo("organizations", "orgNoSuch1")}),
			422, wantMustExist("organization"))
	})

	t.Run("ErrKind", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "robot"}, nil), 422, wantInclusion("kind", "robot"))
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "Sales_Channel"}, nil), 422, wantInclusion("kind", "Sales_Channel"))
	})

	t.Run("ErrExpiresIn", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "webapp", "expires_in": 7199}, nil), 422, wantGTE("expires_in", 7199, 7200))
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "webapp", "expires_in": 31536001}, nil), 422, wantLTE("expires_in", 31536001, 31536000))
		mustRefuse(t, s, domPatch(t, "/api/api_credentials/apcBBErpIn", "api_credentials", "apcBBErpIn", jm{"expires_in": 0}, nil),
			422, wantGTE("expires_in", 0, 7200))
	})

	t.Run("ErrMode", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "webapp", "mode": "staging"}, nil), 422, wantInclusion("mode", "staging"))
	})

	t.Run("ErrRedirectURI", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "webapp", "redirect_uri": "localhost:3000/cb"}, nil),
			422, wantInvalid("redirect_uri", "localhost:3000/cb"))
	})

	t.Run("ErrSeveral", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "robot", "expires_in": 1, "mode": "x"}, nil), 422,
			wantInclusion("kind", "robot"), wantGTE("expires_in", 1, 7200), wantInclusion("mode", "x"))
	})

	t.Run("ErrRoleOfAnotherOrganization", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newCredential(t, jm{"name": "App", "kind": "integration"},
			jm{"organization": relTo("organizations", "orgBlueBrd"), "role": relTo("roles", "rolGGAdmin")}), 422, wantOtherOrg("role"))
		mustRefuse(t, s, domPatch(t, "/api/api_credentials/apcBBErpIn", "api_credentials", "apcBBErpIn", nil, jm{"role": relTo("roles", "rolGGAdmin")}),
			422, wantOtherOrg("role"))
		mustRefuse(t, s, domPatch(t, "/api/api_credentials/apcBBErpIn", "api_credentials", "apcBBErpIn", nil, jm{"role": relTo("roles", "rolNoSuch1")}),
			422, wantMustExist("role"))
	})

	t.Run("KindAndModeFixedAfterCreate", func(t *testing.T) {
		s := mustServer(t)
		for _, attr := range []string{"kind", "mode", "client_secret", "confidential"} {
			mustRefuse(t, s, domPatch(t, "/api/api_credentials/apcBBStore", "api_credentials", "apcBBStore", jm{attr: "x"}, nil),
				http.StatusBadRequest, jm{"title": "Param not allowed", "detail": attr + " is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
		}
	})
}

func TestDomainMemberships(t *testing.T) {
	newMember := func(tb testing.TB, attrs jm, org, role string) request {
		return domPost(tb, "/api/memberships", "memberships", attrs,
			jm{"organization": relTo("organizations", org), "role": relTo("roles", role)})
	}

	t.Run("CreatedPendingWithTheUsersNames", func(t *testing.T) {
		s := mustServer(t)
		m := mustCreated(t, s, newMember(t, jm{"user_email": demoViewerEmail}, "orgGreenGr", "rolGGReadO"))
		mustAttrs(t, m, jm{"user_email": demoViewerEmail, "user_first_name": "Sam", "user_last_name": "Rivera",
			"status": "pending", "owner": false, "access_scope": "live_access", "test_enabled": false})
		// A pending invitation gives no access yet.
		rec := s.do(t, domAs(s, t, demoViewer, request{path: "/api/organizations/orgGreenGr"}))
		mustStatus(t, rec, http.StatusNotFound)
	})

	t.Run("UnknownEmailHasNoNames", func(t *testing.T) {
		s := mustServer(t)
		m := mustCreated(t, s, newMember(t, jm{"user_email": "nobody.yet@bb.example"}, "orgBlueBrd", "rolBBMktEd"))
		mustAttrs(t, m, jm{"user_email": "nobody.yet@bb.example", "user_first_name": nil, "user_last_name": nil,
			"status": "pending", "owner": false})
	})

	t.Run("SameEmailInAnotherOrganization", func(t *testing.T) {
		s := mustServer(t)
		// jamie is invited to The Blue Brand; Green Grocer may invite them too.
		m := mustCreated(t, s, newMember(t, jm{"user_email": "jamie.chen@bluebrand.example"}, "orgGreenGr", "rolGGReadO"))
		mustAttrs(t, m, jm{"status": "pending"})
	})

	t.Run("AccessScopeDrivesTestEnabled", func(t *testing.T) {
		s := mustServer(t)
		for scope, test := range map[string]bool{"live_access": false, "test_access": true, "all_access": true} {
			m := mustCreated(t, s, newMember(t, jm{"user_email": scope + "@bb.example", "access_scope": scope}, "orgBlueBrd", "rolBBReadO"))
			mustAttrs(t, m, jm{"access_scope": scope, "test_enabled": test})
		}
		m := mustUpdated(t, s, domPatch(t, "/api/memberships/memBBJamie", "memberships", "memBBJamie", jm{"access_scope": "live_access"}, nil))
		mustAttrs(t, m, jm{"access_scope": "live_access", "test_enabled": false})
		m = mustUpdated(t, s, domPatch(t, "/api/memberships/memBBViewr", "memberships", "memBBViewr", jm{"access_scope": "all_access"}, nil))
		mustAttrs(t, m, jm{"access_scope": "all_access", "test_enabled": true})
	})

	t.Run("ProfileAndRoleOfTheOrganization", func(t *testing.T) {
		s := mustServer(t)
		m := mustCreated(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "qa@bb.example"}, jm{
			"organization": relTo("organizations", "orgBlueBrd"), "role": relTo("roles", "rolBBMktEd"),
			"membership_profile": relTo("membership_profiles", "mprBBQAGrp"),
		}))
		id := m["id"].(string)
		if got := domRelatedID(t, s, "memberships", id, "membership_profile"); got != "mprBBQAGrp" {
			t.Errorf("membership_profile = %q", got)
		}
		mustUpdated(t, s, domPatch(t, "/api/memberships/"+id, "memberships", id, nil, jm{"role": relTo("roles", "rolBBAdmin")}))
		if got := domRelatedID(t, s, "memberships", id, "role"); got != "rolBBAdmin" {
			t.Errorf("role = %q, want rolBBAdmin", got)
		}
	})

	t.Run("ErrUserEmail", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newMember(t, jm{}, "orgBlueBrd", "rolBBReadO"), 422, wantBlank("user_email"))
		mustRefuse(t, s, newMember(t, jm{"user_email": ""}, "orgBlueBrd", "rolBBReadO"), 422, wantBlank("user_email"))
		mustRefuse(t, s, newMember(t, jm{"user_email": "not-an-email"}, "orgBlueBrd", "rolBBReadO"), 422, wantInvalid("user_email", "not-an-email"))
		mustRefuse(t, s, newMember(t, jm{"user_email": "someone@localhost"}, "orgBlueBrd", "rolBBReadO"), 422, wantInvalid("user_email", "someone@localhost"))
	})

	t.Run("ErrTaken", func(t *testing.T) {
		s := mustServer(t)
		for _, email := range []string{demoViewerEmail, demoOwnerEmail, "jamie.chen@bluebrand.example"} {
			mustRefuse(t, s, newMember(t, jm{"user_email": email}, "orgBlueBrd", "rolBBReadO"), 422, wantTaken("user_email", email))
		}
	})

	t.Run("ErrAccessScope", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newMember(t, jm{"user_email": "x@bb.example", "access_scope": "everything"}, "orgBlueBrd", "rolBBReadO"),
			422, wantInclusion("access_scope", "everything"))
		mustRefuse(t, s, domPatch(t, "/api/memberships/memBBJamie", "memberships", "memBBJamie", jm{"access_scope": "root"}, nil),
			422, wantInclusion("access_scope", "root"))
	})

	t.Run("ErrRelationships", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "x@bb.example"}, nil), 422,
			wantRelBlank("organization"), wantRelBlank("role"))
		mustRefuse(t, s, newMember(t, jm{"user_email": "x@bb.example"}, "orgBlueBrd", "rolGGAdmin"), 422, wantOtherOrg("role"))
		mustRefuse(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "x@gg.example"}, jm{
			"organization": relTo("organizations", "orgGreenGr"), "role": relTo("roles", "rolGGReadO"),
			"membership_profile": relTo("membership_profiles", "mprBBMktGr"),
		}), 422, wantOtherOrg("membership_profile"))
		mustRefuse(t, s, domPatch(t, "/api/memberships/memBBViewr", "memberships", "memBBViewr", nil, jm{"role": relTo("roles", "rolGGReadO")}),
			422, wantOtherOrg("role"))
		// The role is required on update too: it cannot be cleared.
		mustRefuse(t, s, domPatch(t, "/api/memberships/memBBViewr", "memberships", "memBBViewr", nil, jm{"role": jm{"data": nil}}),
			422, wantRelBlank("role"))
		mustRefuse(t, s, domPatch(t, "/api/memberships/memGGTomIn", "memberships", "memGGTomIn", nil,
			jm{"application_memberships": relToMany("application_memberships", "appBBOrdJm")}), 422, wantOtherOrg("application_memberships"))
	})

	t.Run("StatusAndOwnerNotWritable", func(t *testing.T) {
		s := mustServer(t)
		for _, attr := range []string{"status", "owner", "test_enabled", "user_first_name"} {
			mustRefuse(t, s, domPatch(t, "/api/memberships/memBBJamie", "memberships", "memBBJamie", jm{attr: true}, nil),
				http.StatusBadRequest, jm{"title": "Param not allowed", "detail": attr + " is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
		}
	})

	t.Run("ResendPending", func(t *testing.T) {
		s := mustServer(t)
		before := s.dump(t)
		rec := s.do(t, request{method: http.MethodPost, path: "/api/memberships/memBBJamie/resend"})
		mustStatus(t, rec, http.StatusAccepted)
		if rec.Body.Len() != 0 {
			t.Errorf("body %q, want none", rec.Body.String())
		}
		if !reflect.DeepEqual(before, s.dump(t)) {
			t.Error("resend changed the store")
		}
	})

	t.Run("ErrResendActive", func(t *testing.T) {
		s := mustServer(t)
		// The message is the mock's own: the issue names only the status.
		mustRefuse(t, s, request{method: http.MethodPost, path: "/api/memberships/memBBViewr/resend"}, 422,
			wantValidation("/data/attributes/status", "status", "must be pending to resend the invitation", "invalid", jm{"value": "active"}))
	})

	t.Run("Delete", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domDelete("/api/memberships/memBBViewr")), http.StatusNoContent)
		mustStatus(t, s.get(t, "/api/memberships/memBBViewr"), http.StatusNotFound)
		// The viewer no longer sees The Blue Brand.
		mustStatus(t, s.do(t, domAs(s, t, demoViewer, request{path: "/api/organizations/orgBlueBrd"})), http.StatusNotFound)
	})

	t.Run("ErrDeleteOwner", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domDelete("/api/memberships/memBBOwner"), http.StatusLocked, wantLocked("organization"))
		mustRefuse(t, s, domDelete("/api/memberships/memGGOwner"), http.StatusLocked, wantLocked("organization"))
	})

	t.Run("ErrDeleteWithApplicationMemberships", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domDelete("/api/memberships/memBBJamie"), http.StatusLocked, wantLocked("application_memberships"))
	})
}

func TestDomainMembershipProfiles(t *testing.T) {
	newProfile := func(tb testing.TB, attrs jm) request {
		return domPost(tb, "/api/membership_profiles", "membership_profiles", attrs, jm{"organization": relTo("organizations", "orgBlueBrd")})
	}

	t.Run("Create", func(t *testing.T) {
		s := mustServer(t)
		for scope, test := range map[string]bool{"live_access": false, "test_access": true, "all_access": true} {
			p := mustCreated(t, s, newProfile(t, jm{"name": "Group " + scope, "access_scope": scope}))
			mustAttrs(t, p, jm{"name": "Group " + scope, "access_scope": scope, "test_enabled": test})
		}
	})

	t.Run("ErrRequired", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/membership_profiles", "membership_profiles", jm{}, nil), 422,
			wantBlank("name"), wantBlank("access_scope"), wantRelBlank("organization"))
		mustRefuse(t, s, domPatch(t, "/api/membership_profiles/mprBBMktGr", "membership_profiles", "mprBBMktGr", jm{"name": " ", "access_scope": nil}, nil), 422,
			wantBlank("name"), wantBlank("access_scope"))
	})

	t.Run("ErrAccessScope", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newProfile(t, jm{"name": "G", "access_scope": "LIVE"}), 422, wantInclusion("access_scope", "LIVE"))
	})

	t.Run("DeleteUnused", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domDelete("/api/membership_profiles/mprBBQAGrp")), http.StatusNoContent)
		mustStatus(t, s.get(t, "/api/membership_profiles/mprBBQAGrp"), http.StatusNotFound)
	})

	t.Run("ErrDeleteUsedByMemberships", func(t *testing.T) {
		s := mustServer(t)
		// mprBBMktGr is jamie's profile (and an application membership's).
		mustRefuse(t, s, domDelete("/api/membership_profiles/mprBBMktGr"), http.StatusLocked, wantLocked("memberships"))
	})

	t.Run("ErrDeleteUsedByApplicationMemberships", func(t *testing.T) {
		s := mustServer(t)
		mustCreated(t, s, domPost(t, "/api/application_memberships", "application_memberships", nil, jm{
			"api_credential": relTo("api_credentials", "apcBBErpIn"), "organization": relTo("organizations", "orgBlueBrd"),
			"role": relTo("roles", "rolBBReadO"), "membership_profile": relTo("membership_profiles", "mprBBQAGrp"),
		}))
		mustRefuse(t, s, domDelete("/api/membership_profiles/mprBBQAGrp"), http.StatusLocked, wantLocked("application_memberships"))
	})
}

func TestDomainApplicationMemberships(t *testing.T) {
	newApp := func(tb testing.TB, rels jm) request {
		return domPost(tb, "/api/application_memberships", "application_memberships", jm{"filters": jm{"market_id_in": []int{1}}}, rels)
	}

	t.Run("Create", func(t *testing.T) {
		s := mustServer(t)
		a := mustCreated(t, s, newApp(t, jm{
			"api_credential": relTo("api_credentials", "apcBBErpIn"), "organization": relTo("organizations", "orgBlueBrd"),
			"role": relTo("roles", "rolBBMktEd"), "membership": relTo("memberships", "memBBViewr"),
		}))
		mustAttrs(t, a, jm{"filters": jm{"market_id_in": []int{1}}})
		id := a["id"].(string)
		for rel, want := range map[string]string{"api_credential": "apcBBErpIn", "organization": "orgBlueBrd", "role": "rolBBMktEd", "membership": "memBBViewr"} {
			if got := domRelatedID(t, s, "application_memberships", id, rel); got != want {
				t.Errorf("%s = %q, want %q", rel, got, want)
			}
		}
		mustStatus(t, s.do(t, domDelete("/api/application_memberships/"+id)), http.StatusNoContent)
	})

	t.Run("ErrRequired", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newApp(t, nil), 422, wantRelBlank("api_credential"), wantRelBlank("organization"), wantRelBlank("role"))
	})

	t.Run("ErrRequiredOnUpdate", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPatch(t, "/api/application_memberships/appBBOrdJm", "application_memberships", "appBBOrdJm", nil,
			jm{"role": jm{"data": nil}}), 422, wantRelBlank("role"))
		// The profile is optional: it can be cleared.
		mustUpdated(t, s, domPatch(t, "/api/application_memberships/appBBOrdJm", "application_memberships", "appBBOrdJm", nil,
			jm{"membership_profile": jm{"data": nil}}))
		if got := domRelatedID(t, s, "application_memberships", "appBBOrdJm", "membership_profile"); got != "" {
			t.Errorf("membership_profile = %q after clearing it", got)
		}
	})

	t.Run("ErrOtherOrganization", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newApp(t, jm{
			"api_credential": relTo("api_credentials", "apcGGInteg"), "organization": relTo("organizations", "orgBlueBrd"),
			"role": relTo("roles", "rolGGAdmin"),
		}), 422, wantOtherOrg("api_credential"), wantOtherOrg("role"))
		mustRefuse(t, s, newApp(t, jm{
			"api_credential": relTo("api_credentials", "apcGGInteg"), "organization": relTo("organizations", "orgGreenGr"),
			"role": relTo("roles", "rolGGAdmin"), "membership": relTo("memberships", "memBBJamie"),
			"membership_profile": relTo("membership_profiles", "mprBBMktGr"),
		}), 422, wantOtherOrg("membership"), wantOtherOrg("membership_profile"))
		mustRefuse(t, s, domPatch(t, "/api/application_memberships/appBBOrdJm", "application_memberships", "appBBOrdJm", nil,
			jm{"role": relTo("roles", "rolGGReadO")}), 422, wantOtherOrg("role"))
	})
}

func TestDomainRoles(t *testing.T) {
	t.Run("CreatedCustom", func(t *testing.T) {
		s := mustServer(t)
		r := mustCreated(t, s, domPost(t, "/api/roles", "roles", jm{"name": "Support"}, jm{"organization": relTo("organizations", "orgBlueBrd")}))
		mustAttrs(t, r, jm{"name": "Support", "kind": "custom"})
		if n := domCount(t, s, "/api/roles/"+r["id"].(string)+"/permissions"); n != 0 {
			t.Errorf("a new custom role has %d permissions, want none", n)
		}
	})

	// The docs say only Enterprise organizations may create roles, but no public source shows
	// the refusal (status, code, detail) or the plan_type Enterprise reports, so none is made up:
	// a non-Enterprise organization creates one too (see the README's "What it serves").
	t.Run("CreatedCustomWhateverThePlan", func(t *testing.T) {
		s := mustServer(t)
		if plan := domAttrs(domGetOne(t, s, "/api/organizations/orgGreenGr"))["subscription_info"].(jm)["plan_type"]; plan != "starter" {
			t.Fatalf("orgGreenGr plan_type = %v, want starter (the case this test is about)", plan)
		}
		r := mustCreated(t, s, domPost(t, "/api/roles", "roles", jm{"name": "Picker"}, jm{"organization": relTo("organizations", "orgGreenGr")}))
		mustAttrs(t, r, jm{"name": "Picker", "kind": "custom"})
	})

	t.Run("ErrKindNotWritable", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/roles", "roles", jm{"name": "Boss", "kind": "admin"}, jm{"organization": relTo("organizations", "orgBlueBrd")}),
			http.StatusBadRequest, jm{"title": "Param not allowed", "detail": "kind is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
	})

	t.Run("ErrNameBlank", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/roles", "roles", jm{"name": "\t"}, jm{"organization": relTo("organizations", "orgBlueBrd")}), 422, wantBlank("name"))
		mustRefuse(t, s, domPost(t, "/api/roles", "roles", jm{}, nil), 422, wantBlank("name"), wantRelBlank("organization"))
	})

	t.Run("RenameCustom", func(t *testing.T) {
		s := mustServer(t)
		r := mustUpdated(t, s, domPatch(t, "/api/roles/rolBBMktEd", "roles", "rolBBMktEd", jm{"name": "Marketing"}, nil))
		mustAttrs(t, r, jm{"name": "Marketing", "kind": "custom"})
	})

	t.Run("BaseRolesKeepTheirNames", func(t *testing.T) {
		s := mustServer(t)
		// Other attributes of a base role may change, and so may its name to itself.
		r := mustUpdated(t, s, domPatch(t, "/api/roles/rolBBAdmin", "roles", "rolBBAdmin", jm{"name": "admin", "reference": "ADM"}, nil))
		mustAttrs(t, r, jm{"name": "admin", "kind": "admin", "reference": "ADM"})
	})

	for _, id := range []string{"rolBBAdmin", "rolBBReadO", "rolGGAdmin", "rolGGReadO"} {
		t.Run("ErrRenameBase/"+id, func(t *testing.T) {
			s := mustServer(t)
			// The message is the mock's own: the issue names only the rule.
			mustRefuse(t, s, domPatch(t, "/api/roles/"+id, "roles", id, jm{"name": "Superuser"}, nil), 422,
				wantValidation("/data/attributes/name", "name", "can't be changed for the admin and read_only roles", "invalid", jm{"value": "Superuser"}))
		})
	}

	t.Run("AddMissingBasePermissions", func(t *testing.T) {
		s := mustServer(t)
		before := map[string]jm{}
		for _, p := range domGetAll(t, s, "/api/roles/rolBBMktEd/permissions") {
			before[domAttrs(p)["subject"].(string)] = domAttrs(p)
		}
		if len(before) != 2 {
			t.Fatalf("rolBBMktEd has %d permissions in the demo data, want 2", len(before))
		}
		permVersions := domCount(t, s, "/api/versions?filter[q][resource_type_eq]=permissions")
		// false adds nothing.
		mustUpdated(t, s, domPatch(t, "/api/roles/rolBBMktEd", "roles", "rolBBMktEd", jm{"_add_missing_base_permissions": false}, nil))
		if n := domCount(t, s, "/api/roles/rolBBMktEd/permissions"); n != 2 {
			t.Fatalf("_add_missing_base_permissions: false left %d permissions, want 2", n)
		}
		r := mustUpdated(t, s, domPatch(t, "/api/roles/rolBBMktEd", "roles", "rolBBMktEd", jm{"_add_missing_base_permissions": true}, nil))
		if _, ok := domAttrs(r)["_add_missing_base_permissions"]; ok {
			t.Error("the trigger is rendered")
		}
		perms := domGetAll(t, s, "/api/roles/rolBBMktEd/permissions")
		if len(perms) != len(models.BaseSubjects) {
			t.Fatalf("%d permissions, want one per base subject (%d)", len(perms), len(models.BaseSubjects))
		}
		seen := map[string]bool{}
		for _, p := range perms {
			a := domAttrs(p)
			subject := a["subject"].(string)
			if seen[subject] {
				t.Errorf("two permissions on %s", subject)
			}
			seen[subject] = true
			if old, ok := before[subject]; ok {
				if !reflect.DeepEqual(a, old) {
					t.Errorf("existing permission on %s changed: %v -> %v", subject, old, a)
				}
				continue
			}
			mustAttrs(t, p, jm{"can_create": false, "can_read": false, "can_update": false, "can_destroy": false, "restrictions": jm{}})
			if got := domRelatedID(t, s, "permissions", p["id"].(string), "organization"); got != "orgBlueBrd" {
				t.Errorf("added permission %v belongs to %q", p["id"], got)
			}
		}
		// Each added permission has its create version.
		if got := domCount(t, s, "/api/versions?filter[q][resource_type_eq]=permissions") - permVersions; got != len(models.BaseSubjects)-2 {
			t.Errorf("%d permission versions written, want %d", got, len(models.BaseSubjects)-2)
		}
		// Again: nothing is missing any more.
		mustUpdated(t, s, domPatch(t, "/api/roles/rolBBMktEd", "roles", "rolBBMktEd", jm{"_add_missing_base_permissions": true}, nil))
		if n := domCount(t, s, "/api/roles/rolBBMktEd/permissions"); n != len(models.BaseSubjects) {
			t.Errorf("a second run left %d permissions, want %d", n, len(models.BaseSubjects))
		}
	})

	t.Run("ErrTriggerOnCreate", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPost(t, "/api/roles", "roles", jm{"name": "R", "_add_missing_base_permissions": true}, jm{"organization": relTo("organizations", "orgBlueBrd")}),
			http.StatusBadRequest, jm{"title": "Param not allowed", "detail": "_add_missing_base_permissions is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
	})
}

func TestDomainPermissions(t *testing.T) {
	newPermission := func(tb testing.TB, attrs jm, role string) request {
		full := jm{"can_create": true, "can_read": true, "can_update": false, "can_destroy": false}
		for k, v := range attrs {
			full[k] = v
		}
		var rels jm
		if role != "" {
			rels = jm{"role": relTo("roles", role)}
		}
		return domPost(tb, "/api/permissions", "permissions", full, rels)
	}

	t.Run("OrganizationFollowsRole", func(t *testing.T) {
		s := mustServer(t)
		for role, org := range map[string]string{"rolBBMktEd": "orgBlueBrd", "rolGGReadO": "orgGreenGr"} {
			p := mustCreated(t, s, newPermission(t, jm{"subject": "customers"}, role))
			mustAttrs(t, p, jm{"subject": "customers", "can_create": true, "can_read": true, "can_update": false,
				"can_destroy": false, "restrictions": jm{}})
			if got := domRelatedID(t, s, "permissions", p["id"].(string), "organization"); got != org {
				t.Errorf("a permission of %s belongs to %q, want %s", role, got, org)
			}
		}
	})

	t.Run("SameSubjectOnAnotherRole", func(t *testing.T) {
		s := mustServer(t)
		// rolBBAdmin has orders; rolBBMktEd has none yet.
		p := mustCreated(t, s, newPermission(t, jm{"subject": "orders"}, "rolBBMktEd"))
		mustAttrs(t, p, jm{"subject": "orders"})
	})

	t.Run("ErrSubjectBlank", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newPermission(t, jm{}, "rolBBMktEd"), 422, wantBlank("subject"))
		mustRefuse(t, s, newPermission(t, jm{"subject": ""}, "rolBBMktEd"), 422, wantBlank("subject"))
		mustRefuse(t, s, domPost(t, "/api/permissions", "permissions", jm{}, nil), 422,
			wantBlank("can_create"), wantBlank("can_read"), wantBlank("can_update"), wantBlank("can_destroy"), wantBlank("subject"), wantRelBlank("role"))
	})

	t.Run("ErrSubjectNotBase", func(t *testing.T) {
		s := mustServer(t)
		for _, subject := range []string{"unicorns", "Orders", "organizations"} {
			mustRefuse(t, s, newPermission(t, jm{"subject": subject}, "rolBBMktEd"), 422, wantInclusion("subject", subject))
		}
	})

	t.Run("ErrSubjectTaken", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newPermission(t, jm{"subject": "orders"}, "rolBBAdmin"), 422, wantTaken("subject", "orders"))
		mustRefuse(t, s, newPermission(t, jm{"subject": "skus"}, "rolBBMktEd"), 422, wantTaken("subject", "skus"))
	})

	t.Run("ErrRole", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, newPermission(t, jm{"subject": "skus"}, "rolNoSuch1"), 422, wantMustExist("role"))
		mustRefuse(t, s, domPost(t, "/api/permissions", "permissions", jm{"subject": "skus", "can_create": true, "can_read": true,
			"can_update": true, "can_destroy": true}, jm{"role": relTo("roles", "rolBBMktEd"), "organization": relTo("organizations", "orgGreenGr")}),
			http.StatusBadRequest, jm{"title": "Param not allowed", "detail": "organization is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
	})

	t.Run("ErrRestrictionsNotWritable", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domPatch(t, "/api/permissions/prmBBMkSku", "permissions", "prmBBMkSku", jm{"restrictions": jm{}}, nil),
			http.StatusBadRequest, jm{"title": "Param not allowed", "detail": "restrictions is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
	})

	t.Run("FixtureRestrictionsKept", func(t *testing.T) {
		s := mustServer(t)
		mustAttrs(t, domGetOne(t, s, "/api/permissions/prmBBMkSku"), jm{"restrictions": jm{"market_id_in": []int{202, 203}}})
		mustAttrs(t, domGetOne(t, s, "/api/permissions/prmBBMkPro"), jm{"restrictions": jm{}})
	})
}

func TestDomainIdentityProviders(t *testing.T) {
	valid := func() jm {
		return jm{
			"name": "Okta", "client_id": "0oa1", "client_secret": "s3cret", "issuer": "https://idp.example/",
			"domains": "shop.example", "token_url": "https://idp.example/token", "authorize_url": "https://idp.example/authorize",
			"jwks_url": "https://idp.example/keys",
		}
	}
	newIdP := func(tb testing.TB, attrs jm) request {
		return domPost(tb, "/api/identity_providers", "identity_providers", attrs, nil)
	}
	txtRecord := regexp.MustCompile(`^cl-verification=[A-Za-z0-9]{8,}$`)

	t.Run("Create", func(t *testing.T) {
		s := mustServer(t)
		p := mustCreated(t, s, newIdP(t, valid()))
		mustAttrs(t, p, valid())
		mustAttrs(t, p, jm{"status": "pending", "disabled_at": nil})
		if txt, _ := domAttrs(p)["txt_record"].(string); !txtRecord.MatchString(txt) {
			t.Errorf("txt_record = %q, want cl-verification=...", txt)
		}
		if got := domRelatedID(t, s, "identity_providers", p["id"].(string), "user"); got != demoOwner {
			t.Errorf("user = %q, want %s", got, demoOwner)
		}
		other := mustCreated(t, s, newIdP(t, valid()))
		if domAttrs(other)["txt_record"] == domAttrs(p)["txt_record"] {
			t.Error("two identity providers share a txt_record")
		}
	})

	t.Run("UserIsTheCreator", func(t *testing.T) {
		s := mustServer(t)
		p := mustCreated(t, s, domAs(s, t, demoViewer, newIdP(t, valid())))
		rec := s.do(t, domAs(s, t, demoViewer, request{path: "/api/identity_providers/" + p["id"].(string) + "/user"}))
		mustStatus(t, rec, http.StatusOK)
		if got := decode(t, rec)["data"].(jm)["id"]; got != demoViewer {
			t.Errorf("user = %v, want %s", got, demoViewer)
		}
		// It is the viewer's, not the owner's.
		mustStatus(t, s.get(t, "/api/identity_providers/"+p["id"].(string)), http.StatusNotFound)
	})

	t.Run("ErrRequired", func(t *testing.T) {
		s := mustServer(t)
		var want []jm
		for _, name := range []string{"name", "client_id", "client_secret", "issuer", "domains", "token_url", "authorize_url", "jwks_url"} {
			want = append(want, wantBlank(name))
		}
		mustRefuse(t, s, newIdP(t, jm{}), 422, want...)
		attrs := valid()
		attrs["client_secret"] = " "
		attrs["domains"] = nil
		mustRefuse(t, s, newIdP(t, attrs), 422, wantBlank("client_secret"), wantBlank("domains"))
		mustRefuse(t, s, domPatch(t, "/api/identity_providers/idpBBOkta1", "identity_providers", "idpBBOkta1", jm{"name": ""}, nil), 422, wantBlank("name"))
	})

	t.Run("ErrURLs", func(t *testing.T) {
		s := mustServer(t)
		attrs := valid()
		attrs["issuer"] = "idp.example"
		attrs["token_url"] = "ftp://idp.example/token"
		attrs["authorize_url"] = "https:///authorize"
		attrs["jwks_url"] = "keys"
		mustRefuse(t, s, newIdP(t, attrs), 422, wantInvalid("issuer", "idp.example"), wantInvalid("token_url", "ftp://idp.example/token"),
			wantInvalid("authorize_url", "https:///authorize"), wantInvalid("jwks_url", "keys"))
		mustRefuse(t, s, domPatch(t, "/api/identity_providers/idpBBOkta1", "identity_providers", "idpBBOkta1", jm{"jwks_url": "mailto:a@b.example"}, nil),
			422, wantInvalid("jwks_url", "mailto:a@b.example"))
	})

	t.Run("DisableAndEnable", func(t *testing.T) {
		s := mustServer(t)
		p := mustUpdated(t, s, domPatch(t, "/api/identity_providers/idpBBOkta1", "identity_providers", "idpBBOkta1", jm{"_disable": true}, nil))
		disabled, _ := domAttrs(p)["disabled_at"].(string)
		at, err := time.Parse("2006-01-02T15:04:05.000Z", disabled)
		if err != nil || at.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("disabled_at = %q, want the time of the request", disabled)
		}
		if _, ok := domAttrs(p)["_disable"]; ok {
			t.Error("the trigger is rendered")
		}
		mustAttrs(t, domGetOne(t, s, "/api/identity_providers/idpBBOkta1"), jm{"disabled_at": disabled})
		p = mustUpdated(t, s, domPatch(t, "/api/identity_providers/idpBBOkta1", "identity_providers", "idpBBOkta1", jm{"_enable": true}, nil))
		mustAttrs(t, p, jm{"disabled_at": nil})
		// The demo's disabled provider is enabled the same way; false changes nothing.
		p = mustUpdated(t, s, domPatch(t, "/api/identity_providers/idpGGAuth0", "identity_providers", "idpGGAuth0", jm{"_enable": false}, nil))
		mustAttrs(t, p, jm{"disabled_at": "2024-03-10T12:00:00.000Z"})
		p = mustUpdated(t, s, domPatch(t, "/api/identity_providers/idpGGAuth0", "identity_providers", "idpGGAuth0", jm{"_enable": true}, nil))
		mustAttrs(t, p, jm{"disabled_at": nil})
	})

	t.Run("CreateDisabled", func(t *testing.T) {
		s := mustServer(t)
		attrs := valid()
		attrs["_disable"] = true
		p := mustCreated(t, s, newIdP(t, attrs))
		if at, _ := domAttrs(p)["disabled_at"].(string); at == "" {
			t.Error("_disable: true on create left disabled_at null")
		}
	})

	t.Run("ErrReadOnly", func(t *testing.T) {
		s := mustServer(t)
		for _, attr := range []string{"status", "txt_record", "disabled_at"} {
			mustRefuse(t, s, domPatch(t, "/api/identity_providers/idpBBOkta1", "identity_providers", "idpBBOkta1", jm{attr: "x"}, nil),
				http.StatusBadRequest, jm{"title": "Param not allowed", "detail": attr + " is not allowed.", "code": "PARAM_NOT_ALLOWED", "status": "400"})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domDelete("/api/identity_providers/idpGGAuth0")), http.StatusNoContent)
		mustStatus(t, s.get(t, "/api/identity_providers/idpGGAuth0"), http.StatusNotFound)
	})
}

func TestDomainTransferOwnership(t *testing.T) {
	transfer := func(tb testing.TB, org string, email any) request {
		return domPatch(tb, "/api/organizations/"+org+"/transfer_ownership", "organizations", org, jm{"new_owner_email": email}, nil)
	}

	t.Run("ToAnActiveMember", func(t *testing.T) {
		s := mustServer(t)
		rec := s.do(t, transfer(t, "orgGreenGr", "priya.patel@greengrocer.example"))
		mustStatus(t, rec, http.StatusAccepted)
		if rec.Body.Len() != 0 {
			t.Errorf("body %q, want none", rec.Body.String())
		}
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memGGPriya"), jm{"owner": true, "status": "active"})
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memGGOwner"), jm{"owner": false, "status": "active", "user_email": demoOwnerEmail})
		if got := domRelatedID(t, s, "memberships", "memGGOwner", "role"); got != "rolGGAdmin" {
			t.Errorf("the old owner's role is %q, want rolGGAdmin", got)
		}
		// Both owners' organization counts follow: Priya owns one, the demo owner one.
		for _, org := range []string{"orgGreenGr", "orgBlueBrd"} {
			totals := domAttrs(domGetOne(t, s, "/api/organizations/"+org))["subscription_info"].(jm)["totals"].(jm)
			if totals["organizations"] != 1.0 {
				t.Errorf("%s totals.organizations = %v, want 1", org, totals["organizations"])
			}
		}
		// The old owner is still an admin: writes still go through.
		mustCreated(t, s, domPost(t, "/api/roles", "roles", jm{"name": "After"}, jm{"organization": relTo("organizations", "orgGreenGr")}))
		// One owner only.
		if n := domCount(t, s, "/api/memberships?filter[q][owner_true]=true&filter[q][organization_id_eq]=orgGreenGr"); n != 1 {
			t.Errorf("%d owners, want 1", n)
		}
		// And the old owner may no longer give it away.
		mustRefuse(t, s, transfer(t, "orgGreenGr", demoOwnerEmail), http.StatusUnauthorized, jm{"title": "Access denied",
			"detail": "You are not authorized to perform this action on the requested resource.", "code": "UNAUTHORIZED", "status": "401"})
	})

	t.Run("ToTheReadOnlyViewer", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, transfer(t, "orgBlueBrd", demoViewerEmail)), http.StatusAccepted)
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memBBViewr"), jm{"owner": true})
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memBBOwner"), jm{"owner": false})
		if got := domRelatedID(t, s, "memberships", "memBBOwner", "role"); got != "rolBBAdmin" {
			t.Errorf("the old owner's role is %q, want rolBBAdmin", got)
		}
		// The new owner may write.
		mustCreated(t, s, domAs(s, t, demoViewer, domPost(t, "/api/roles", "roles", jm{"name": "By the new owner"},
			jm{"organization": relTo("organizations", "orgBlueBrd")})))
	})

	ownerMustNotChange := func(t *testing.T, s *testServer) {
		t.Helper()
		mustAttrs(t, domGetOne(t, s, "/api/memberships/memBBOwner"), jm{"owner": true})
	}

	for _, c := range []struct{ name, email string }{
		{"ErrPendingMember", "jamie.chen@bluebrand.example"},
		{"ErrNoMember", "stranger@example.com"},
		{"ErrMemberOfAnotherOrganization", "priya.patel@greengrocer.example"},
		{"ErrCurrentOwner", demoOwnerEmail},
		{"ErrNotAnEmail", "viewer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustServer(t)
			// The message is the mock's own: the issue names only the pointer.
			mustRefuse(t, s, transfer(t, "orgBlueBrd", c.email), 422,
				wantValidation("/data/attributes/new_owner_email", "new_owner_email", "must be the email of another active member", "invalid", jm{"value": c.email}))
			ownerMustNotChange(t, s)
		})
	}

	t.Run("ErrBlank", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, transfer(t, "orgBlueBrd", nil), 422, wantBlank("new_owner_email"))
		mustRefuse(t, s, transfer(t, "orgBlueBrd", ""), 422, wantBlank("new_owner_email"))
		mustRefuse(t, s, transfer(t, "orgBlueBrd", "  "), 422, wantBlank("new_owner_email"))
		mustRefuse(t, s, domPatch(t, "/api/organizations/orgBlueBrd/transfer_ownership", "organizations", "orgBlueBrd", jm{}, nil), 422, wantBlank("new_owner_email"))
	})

	t.Run("ErrNotTheOwner", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domAs(s, t, demoViewer, transfer(t, "orgBlueBrd", demoViewerEmail)), http.StatusUnauthorized, jm{"title": "Access denied",
			"detail": "You are not authorized to perform this action on the requested resource.", "code": "UNAUTHORIZED", "status": "401"})
	})
}

func TestDomainUser(t *testing.T) {
	update := func(tb testing.TB, attrs jm) request {
		return domPatch(tb, "/api/user", "users", "", attrs, nil)
	}

	t.Run("Update", func(t *testing.T) {
		s := mustServer(t)
		u := mustUpdated(t, s, update(t, jm{"time_zone": "Asia/Tokyo", "first_name": "Alexandra", "email": demoOwnerEmail}))
		mustAttrs(t, u, jm{"time_zone": "Asia/Tokyo", "first_name": "Alexandra", "email": demoOwnerEmail})
		u = mustUpdated(t, s, domAs(s, t, demoViewer, update(t, jm{"email": "sam.rivera@example.com", "time_zone": "UTC"})))
		mustAttrs(t, u, jm{"email": "sam.rivera@example.com", "time_zone": "UTC"})
	})

	t.Run("ErrEmail", func(t *testing.T) {
		s := mustServer(t)
		for _, email := range []string{"alex", "alex@", "@example.com", "alex@example", "alex morgan@example.com"} {
			mustRefuse(t, s, update(t, jm{"email": email}), 422, wantInvalid("email", email))
		}
	})

	t.Run("ErrEmailTaken", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, update(t, jm{"email": demoViewerEmail}), 422, wantTaken("email", demoViewerEmail))
		mustRefuse(t, s, domAs(s, t, demoViewer, update(t, jm{"email": demoOwnerEmail})), 422, wantTaken("email", demoOwnerEmail))
	})

	t.Run("ErrTimeZone", func(t *testing.T) {
		s := mustServer(t)
		for _, tz := range []string{"Mars/Olympus", "Local", "+02:00", "Europe/"} {
			mustRefuse(t, s, update(t, jm{"time_zone": tz}), 422, wantInvalid("time_zone", tz))
		}
	})

	t.Run("ErrSeveral", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, update(t, jm{"email": "x", "time_zone": "Nowhere"}), 422, wantInvalid("email", "x"), wantInvalid("time_zone", "Nowhere"))
	})
}

func TestDomainVersions(t *testing.T) {
	t.Run("Membership", func(t *testing.T) {
		s := mustServer(t)
		m := mustCreated(t, s, domPost(t, "/api/memberships", "memberships", jm{"user_email": "kim@bb.example"},
			jm{"organization": relTo("organizations", "orgBlueBrd"), "role": relTo("roles", "rolBBReadO")}))
		id := m["id"].(string)
		mustUpdated(t, s, domPatch(t, "/api/memberships/"+id, "memberships", id, jm{"access_scope": "all_access", "reference": "K-1"}, nil))
		// An update that changes nothing writes no version.
		mustUpdated(t, s, domPatch(t, "/api/memberships/"+id, "memberships", id, jm{"access_scope": "all_access"}, nil))
		// Through the relationship while the membership exists.
		rel := domGetAll(t, s, "/api/memberships/"+id+"/versions")
		if len(rel) != 2 {
			t.Fatalf("%d versions under the relationship, want 2", len(rel))
		}
		mustStatus(t, s.do(t, domDelete("/api/memberships/"+id)), http.StatusNoContent)
		vs := domVersions(t, s, "memberships", id)
		if len(vs) != 3 {
			t.Fatalf("%d versions, want create, update, destroy", len(vs))
		}
		mustVersion(t, vs[0], "memberships", id, "create", jm{
			"user_email": []any{nil, "kim@bb.example"}, "status": []any{nil, "pending"}, "owner": []any{nil, false},
			"test_enabled": []any{nil, false}, "access_scope": []any{nil, "live_access"},
			"organization_id": []any{nil, "orgBlueBrd"}, "role_id": []any{nil, "rolBBReadO"},
		}, demoOwner)
		mustVersion(t, vs[1], "memberships", id, "update", jm{
			"access_scope": []any{"live_access", "all_access"}, "test_enabled": []any{false, true}, "reference": []any{nil, "K-1"},
		}, demoOwner)
		mustVersion(t, vs[2], "memberships", id, "destroy", jm{
			"user_email": []any{"kim@bb.example", nil}, "status": []any{"pending", nil}, "owner": []any{false, nil},
			"test_enabled": []any{true, nil}, "access_scope": []any{"all_access", nil}, "reference": []any{"K-1", nil},
			"organization_id": []any{"orgBlueBrd", nil}, "role_id": []any{"rolBBReadO", nil},
		}, demoOwner)
		for i, v := range rel {
			if v["id"] != vs[i]["id"] {
				t.Errorf("relationship version %d is %v, /api/versions has %v", i, v["id"], vs[i]["id"])
			}
		}
		who := domAttrs(vs[0])["who"].(jm)["user"].(jm)
		if who["email"] != demoOwnerEmail {
			t.Errorf("who.user = %v, want the owner's email", who)
		}
	})

	t.Run("RoleChangeOfAMembership", func(t *testing.T) {
		s := mustServer(t)
		before := len(domVersions(t, s, "memberships", "memBBViewr"))
		mustUpdated(t, s, domPatch(t, "/api/memberships/memBBViewr", "memberships", "memBBViewr", nil, jm{"role": relTo("roles", "rolBBAdmin")}))
		vs := domVersions(t, s, "memberships", "memBBViewr")
		if len(vs) != before+1 {
			t.Fatalf("%d versions after a role change, want %d", len(vs), before+1)
		}
		mustVersion(t, vs[len(vs)-1], "memberships", "memBBViewr", "update", jm{"role_id": []any{"rolBBReadO", "rolBBAdmin"}}, demoOwner)
	})

	t.Run("RoleAndPermission", func(t *testing.T) {
		s := mustServer(t)
		r := mustCreated(t, s, domPost(t, "/api/roles", "roles", jm{"name": "Support"}, jm{"organization": relTo("organizations", "orgBlueBrd")}))
		id := r["id"].(string)
		mustUpdated(t, s, domPatch(t, "/api/roles/"+id, "roles", id, jm{"name": "Customer support", "metadata": jm{"team": "cs"}}, nil))
		vs := domGetAll(t, s, "/api/roles/"+id+"/versions")
		if len(vs) != 2 {
			t.Fatalf("%d role versions, want 2", len(vs))
		}
		mustVersion(t, vs[0], "roles", id, "create", jm{"name": []any{nil, "Support"}, "kind": []any{nil, "custom"},
			"organization_id": []any{nil, "orgBlueBrd"}}, demoOwner)
		mustVersion(t, vs[1], "roles", id, "update", jm{"name": []any{"Support", "Customer support"},
			"metadata": []any{nil, jm{"team": "cs"}}}, demoOwner)

		p := mustCreated(t, s, domPost(t, "/api/permissions", "permissions", jm{"subject": "returns", "can_create": false,
			"can_read": true, "can_update": false, "can_destroy": false}, jm{"role": relTo("roles", id)}))
		pid := p["id"].(string)
		mustUpdated(t, s, domPatch(t, "/api/permissions/"+pid, "permissions", pid, jm{"can_update": true}, nil))
		pvs := domGetAll(t, s, "/api/permissions/"+pid+"/versions")
		if len(pvs) != 2 {
			t.Fatalf("%d permission versions, want 2", len(pvs))
		}
		mustVersion(t, pvs[0], "permissions", pid, "create", jm{
			"subject": []any{nil, "returns"}, "can_create": []any{nil, false}, "can_read": []any{nil, true},
			"can_update": []any{nil, false}, "can_destroy": []any{nil, false}, "restrictions": []any{nil, jm{}},
			"role_id": []any{nil, id}, "organization_id": []any{nil, "orgBlueBrd"},
		}, demoOwner)
		mustVersion(t, pvs[1], "permissions", pid, "update", jm{"can_update": []any{false, true}}, demoOwner)
	})

	t.Run("WhoFollowsTheToken", func(t *testing.T) {
		s := mustServer(t)
		org := mustCreated(t, s, domAs(s, t, demoViewer, domPost(t, "/api/organizations", "organizations", jm{"name": "Viewer Labs"}, nil)))
		orgID := org["id"].(string)
		r := mustCreated(t, s, domAs(s, t, demoViewer, domPost(t, "/api/roles", "roles", jm{"name": "Ops"}, jm{"organization": relTo("organizations", orgID)})))
		id := r["id"].(string)
		rec := s.do(t, domAs(s, t, demoViewer, request{path: "/api/roles/" + id + "/versions"}))
		mustStatus(t, rec, http.StatusOK)
		vs := decode(t, rec)["data"].([]any)
		if len(vs) != 1 {
			t.Fatalf("%d versions, want 1", len(vs))
		}
		mustVersion(t, vs[0].(jm), "roles", id, "create", jm{"name": []any{nil, "Ops"}, "kind": []any{nil, "custom"},
			"organization_id": []any{nil, orgID}}, demoViewer)
		who := domAttrs(vs[0].(jm))["who"].(jm)["user"].(jm)
		if who["email"] != demoViewerEmail || who["first_name"] != "Sam" || who["last_name"] != "Rivera" {
			t.Errorf("who.user = %v, want the viewer", who)
		}
		// The organization's set-up (roles, permissions, the owner membership) is the viewer's too.
		rec = s.do(t, domAs(s, t, demoViewer, request{path: "/api/organizations/" + orgID + "/memberships"}))
		mustStatus(t, rec, http.StatusOK)
		memberID := decode(t, rec)["data"].([]any)[0].(jm)["id"].(string)
		rec = s.do(t, domAs(s, t, demoViewer, request{path: "/api/memberships/" + memberID + "/versions"}))
		mustStatus(t, rec, http.StatusOK)
		mvs := decode(t, rec)["data"].([]any)
		if len(mvs) != 1 {
			t.Fatalf("%d versions of the owner membership, want 1", len(mvs))
		}
		adminID := ""
		for _, r := range domGetAllAs(t, s, demoViewer, "/api/organizations/"+orgID+"/roles") {
			if domAttrs(r)["kind"] == "admin" {
				adminID = r["id"].(string)
			}
		}
		mustVersion(t, mvs[0].(jm), "memberships", memberID, "create", jm{
			"user_email": []any{nil, demoViewerEmail}, "user_first_name": []any{nil, "Sam"}, "user_last_name": []any{nil, "Rivera"},
			"status": []any{nil, "active"}, "owner": []any{nil, true}, "test_enabled": []any{nil, true},
			"access_scope": []any{nil, "all_access"}, "organization_id": []any{nil, orgID}, "role_id": []any{nil, adminID},
		}, demoViewer)
		// The owner of the demo organizations sees none of these versions.
		if n := domCount(t, s, "/api/versions?filter[q][resource_id_eq]="+id); n != 0 {
			t.Errorf("the demo owner sees %d versions of the viewer's role", n)
		}
	})

	t.Run("TransferOwnershipIsVersioned", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domPatch(t, "/api/organizations/orgGreenGr/transfer_ownership", "organizations", "orgGreenGr",
			jm{"new_owner_email": "priya.patel@greengrocer.example"}, nil)), http.StatusAccepted)
		old := domVersions(t, s, "memberships", "memGGOwner")
		neu := domVersions(t, s, "memberships", "memGGPriya")
		if len(old) != 1 || len(neu) != 1 {
			t.Fatalf("%d and %d versions, want one each", len(old), len(neu))
		}
		mustVersion(t, old[0], "memberships", "memGGOwner", "update", jm{"owner": []any{true, false}}, demoOwner)
		mustVersion(t, neu[0], "memberships", "memGGPriya", "update", jm{"owner": []any{false, true}}, demoOwner)
	})

	t.Run("RefusedWritesLeaveNoVersion", func(t *testing.T) {
		s := mustServer(t)
		n := domCount(t, s, "/api/versions")
		mustRefuse(t, s, domPatch(t, "/api/roles/rolBBAdmin", "roles", "rolBBAdmin", jm{"name": "Boss"}, nil), 422,
			wantValidation("/data/attributes/name", "name", "can't be changed for the admin and read_only roles", "invalid", jm{"value": "Boss"}))
		mustRefuse(t, s, domDelete("/api/memberships/memBBJamie"), http.StatusLocked, wantLocked("application_memberships"))
		if got := domCount(t, s, "/api/versions"); got != n {
			t.Errorf("%d versions after refused writes, want %d", got, n)
		}
	})

	t.Run("OtherTypesAreNotVersioned", func(t *testing.T) {
		s := mustServer(t)
		n := domCount(t, s, "/api/versions")
		c := mustCreated(t, s, domPost(t, "/api/api_credentials", "api_credentials", jm{"name": "X", "kind": "webapp"},
			jm{"organization": relTo("organizations", "orgBlueBrd")}))
		mustStatus(t, s.do(t, domDelete("/api/api_credentials/"+c["id"].(string))), http.StatusNoContent)
		mustUpdated(t, s, domPatch(t, "/api/organizations/orgBlueBrd", "organizations", "orgBlueBrd", jm{"gtm_id": "GTM-1"}, nil))
		if got := domCount(t, s, "/api/versions"); got != n {
			t.Errorf("%d versions, want %d", got, n)
		}
	})
}

// domGetAllAs returns the first 25 records of a list, as the user.
func domGetAllAs(t *testing.T, s *testServer, userID, path string) []jm {
	t.Helper()
	rec := s.do(t, domAs(s, t, userID, request{path: path + "?page[size]=25"}))
	mustStatus(t, rec, http.StatusOK)
	var out []jm
	for _, d := range decode(t, rec)["data"].([]any) {
		out = append(out, d.(jm))
	}
	return out
}

func TestDomainDeletesLocked(t *testing.T) {
	t.Run("ErrCredentialWithApplicationMemberships", func(t *testing.T) {
		s := mustServer(t)
		mustRefuse(t, s, domDelete("/api/api_credentials/apcBBOrdAp"), http.StatusLocked, wantLocked("application_memberships"))
	})

	t.Run("DeletableOnceFreed", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domDelete("/api/application_memberships/appBBOrdJm")), http.StatusNoContent)
		mustStatus(t, s.do(t, domDelete("/api/api_credentials/apcBBOrdAp")), http.StatusNoContent)
		mustStatus(t, s.do(t, domDelete("/api/memberships/memBBJamie")), http.StatusNoContent)
		mustStatus(t, s.do(t, domDelete("/api/membership_profiles/mprBBMktGr")), http.StatusNoContent)
	})

	t.Run("CredentialWithoutDependents", func(t *testing.T) {
		s := mustServer(t)
		mustStatus(t, s.do(t, domDelete("/api/api_credentials/apcBBStore")), http.StatusNoContent)
		mustStatus(t, s.get(t, "/api/api_credentials/apcBBStore"), http.StatusNotFound)
	})

	t.Run("ErrNotDeletableTypes", func(t *testing.T) {
		s := mustServer(t)
		for _, path := range []string{"/api/organizations/orgBlueBrd", "/api/roles/rolBBMktEd", "/api/permissions/prmBBMkPro", "/api/versions/verRolMk01"} {
			before := s.dump(t)
			rec := s.do(t, domDelete(path))
			mustStatus(t, rec, http.StatusMethodNotAllowed)
			if !reflect.DeepEqual(before, s.dump(t)) {
				t.Errorf("DELETE %s changed the store", path)
			}
		}
	})
}

func TestDomainDemoDataset(t *testing.T) {
	s := mustServer(t)
	orgs := domGetAll(t, s, "/api/organizations")
	if len(orgs) != 2 {
		t.Fatalf("the owner sees %d organizations, want 2", len(orgs))
	}
	credentials := domGetAll(t, s, "/api/api_credentials")
	for _, org := range orgs {
		id := org["id"].(string)
		t.Run("OwnerMembership/"+id, func(t *testing.T) {
			members := domGetAll(t, s, "/api/organizations/"+id+"/memberships")
			var owners []jm
			for _, m := range members {
				if domAttrs(m)["owner"] == true {
					owners = append(owners, m)
				}
			}
			if len(owners) != 1 {
				t.Fatalf("%d owners, want 1", len(owners))
			}
			mustAttrs(t, owners[0], jm{"status": "active", "user_email": demoOwnerEmail})
			totals := domAttrs(org)["subscription_info"].(jm)["totals"].(jm)
			if totals["memberships"] != float64(len(members)) {
				t.Errorf("totals.memberships = %v, the organization has %d", totals["memberships"], len(members))
			}
			if totals["organizations"] != float64(len(orgs)) {
				t.Errorf("totals.organizations = %v, the owner owns %d", totals["organizations"], len(orgs))
			}
			// No pending member owns it, and test_enabled follows every access_scope.
			for _, m := range members {
				a := domAttrs(m)
				if a["status"] == "pending" && a["owner"] == true {
					t.Errorf("%v is a pending owner", m["id"])
				}
				scope, _ := a["access_scope"].(string)
				if a["test_enabled"] != (scope != "live_access") {
					t.Errorf("%v: access_scope %v, test_enabled %v", m["id"], scope, a["test_enabled"])
				}
			}
		})
		t.Run("BaseRoles/"+id, func(t *testing.T) {
			kinds := map[any]any{}
			for _, r := range domGetAll(t, s, "/api/organizations/"+id+"/roles") {
				kinds[domAttrs(r)["kind"]] = domAttrs(r)["name"]
			}
			if kinds["admin"] != "admin" || kinds["read_only"] != "read_only" {
				t.Errorf("roles %v, want admin and read_only", kinds)
			}
		})
		t.Run("Domain/"+id, func(t *testing.T) {
			a := domAttrs(org)
			if a["domain"] != a["slug"].(string)+".commercelayer.io" {
				t.Errorf("domain %v for slug %v", a["domain"], a["slug"])
			}
		})
	}

	t.Run("Credentials", func(t *testing.T) {
		var public, confidential int
		for _, c := range credentials {
			a := domAttrs(c)
			switch a["kind"] {
			case "sales_channel":
				public++
				if a["client_secret"] != nil || a["confidential"] != false || a["scopes"] != "market:all" {
					t.Errorf("sales channel %v: client_secret %v, confidential %v, scopes %v", c["id"], a["client_secret"], a["confidential"], a["scopes"])
				}
			default:
				confidential++
				if s, _ := a["client_secret"].(string); s == "" || a["confidential"] != true {
					t.Errorf("%v %v: client_secret %v, confidential %v", a["kind"], c["id"], a["client_secret"], a["confidential"])
				}
			}
			n, _ := a["expires_in"].(float64)
			if n < 7200 || n > 31536000 {
				t.Errorf("%v: expires_in %v", c["id"], a["expires_in"])
			}
		}
		if public == 0 || confidential == 0 {
			t.Errorf("%d public and %d confidential credentials, want both", public, confidential)
		}
	})

	t.Run("DisabledIdentityProvider", func(t *testing.T) {
		var disabled int
		for _, p := range domGetAll(t, s, "/api/identity_providers") {
			a := domAttrs(p)
			if a["disabled_at"] != nil {
				disabled++
			}
			if txt, _ := a["txt_record"].(string); !strings.HasPrefix(txt, "cl-verification=") {
				t.Errorf("%v: txt_record %q", p["id"], txt)
			}
		}
		if disabled == 0 {
			t.Error("no disabled identity provider")
		}
	})

	t.Run("Versions", func(t *testing.T) {
		vs := domGetAll(t, s, "/api/versions")
		if len(vs) == 0 {
			t.Fatal("no versions")
		}
		types := map[any]bool{}
		for _, v := range vs {
			a := domAttrs(v)
			types[a["resource_type"]] = true
			switch a["event"] {
			case "create", "update", "destroy":
			default:
				t.Errorf("%v: event %v", v["id"], a["event"])
			}
			if _, ok := a["changes"].(jm); !ok {
				t.Errorf("%v: changes %v", v["id"], a["changes"])
			}
			if u, _ := a["who"].(jm)["user"].(jm); u == nil || u["id"] == nil {
				t.Errorf("%v: who %v", v["id"], a["who"])
			}
		}
		for _, typ := range []string{"roles", "permissions", "memberships"} {
			if !types[typ] {
				t.Errorf("no version of %s", typ)
			}
		}
		// A record's versions are under its relationship too.
		if n := len(domGetAll(t, s, "/api/roles/rolBBMktEd/versions")); n != 2 {
			t.Errorf("rolBBMktEd has %d versions, want 2", n)
		}
	})
}
