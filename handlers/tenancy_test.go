package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// The tenancy matrix: both demo users × every resource type of the registry × a record in
// each of three organizations × every operation and relationship endpoint. What each user
// may see and write is not taken from the mock: an oracle works it out from the raw rows
// (memberships, their roles, and which organization or user each row belongs to), and the
// counts it gives for the untouched demo data are checked against counts worked out by hand
// from fixtures/demo.yaml.
//
// The three organizations ("contexts"):
//   - blue:  The Blue Brand (demo data): the owner owns it, the viewer is a read_only member;
//   - green: Green Grocer Co. (demo data): the owner owns it, the viewer is no member;
//   - lab:   an organization the viewer creates during set-up: the viewer owns it, the owner
//     is no member.
//
// For identity providers, which belong to a user and not to an organization, blue and green
// are the owner's two providers and lab is one the viewer creates.

var tenancyContexts = []string{"blue", "green", "lab"}

// tenancyUsers are the users the matrix acts as.
var tenancyUsers = []string{demoOwner, demoViewer}

// tenancyTable names, for every type, its record in each context (blue, green, lab); "$name"
// is a record made during set-up (see mustWorld). It also provides the links of the create
// bodies: a record created in a context links that context's records. Every type of the
// registry but the user singleton must be here.
var tenancyTable = map[string][3]string{
	"api_credentials":         {"apcBBOrdAp", "apcGGInteg", "$labApc"},
	"application_memberships": {"appBBOrdJm", "$ggApp", "$labApp"},
	"identity_providers":      {"idpBBOkta1", "idpGGAuth0", "$viewerIdp"},
	"memberships":             {"memBBJamie", "memGGTomIn", "$labMembership"},
	"membership_profiles":     {"mprBBMktGr", "$ggProfile", "$labProfile"},
	"organizations":           {"orgBlueBrd", "orgGreenGr", "$lab"},
	"permissions":             {"prmBBMkPro", "prmGGAdmOr", "$labPermission"},
	"roles":                   {"rolBBMktEd", "$ggCustom", "$labCustom"},
	"versions":                {"verRolMk01", "$ggVersion", "$labVersion"},
}

// activeMemberEmail is, per context, the email of an active member other than nobody: the
// new owner of transfer_ownership.
var activeMemberEmail = map[string]string{
	"blue":  "viewer@example.com",
	"green": "priya.patel@greengrocer.example",
	"lab":   "colleague@lab.example", // made active during set-up
}

// createAttrs are the attributes of a valid create of each type that offers one. Its
// relationships are every relationship the create accepts, linked to the context's records.
var createAttrs = map[string]map[string]any{
	"api_credentials":         {"name": "Tenancy credential", "kind": "integration"},
	"application_memberships": {"filters": map[string]any{"market_id_in": []int{1}}},
	"identity_providers": {"name": "Tenancy IdP", "client_id": "tenancyClient", "client_secret": "tenancySecret",
		"issuer": "https://idp.tenancy.example/", "domains": "tenancy.example",
		"token_url": "https://idp.tenancy.example/token", "authorize_url": "https://idp.tenancy.example/authorize",
		"jwks_url": "https://idp.tenancy.example/keys"},
	"memberships":         {"user_email": "new.member@tenancy.example", "access_scope": "test_access"},
	"membership_profiles": {"name": "Tenancy group", "access_scope": "test_access"},
	"organizations":       {"name": "Tenancy Org"},
	"permissions":         {"subject": "orders", "can_create": true, "can_read": true, "can_update": false, "can_destroy": false},
	"roles":               {"name": "Tenancy role"},
}

// actionBodies builds the body of each custom action on the record with that id in a context.
var actionBodies = map[string]func(ctx, id string) string{
	"memberships/resend": func(ctx, id string) string { return docJSON("memberships", id, nil, nil) },
	"organizations/transfer_ownership": func(ctx, id string) string {
		return docJSON("organizations", id, map[string]any{"new_owner_email": activeMemberEmail[ctx]}, nil)
	},
}

// unknownID is an id no record has.
const unknownID = "zzzzzzzzzz"

// demoCounts are the record counts of each list in the untouched demo data, worked out by
// hand from fixtures/demo.yaml.
var demoCounts = map[string]map[string]int{
	demoOwner: { // owner of both organizations
		"organizations": 2, "roles": 5, "permissions": 8, "membership_profiles": 2, "memberships": 6,
		"api_credentials": 6, "application_memberships": 1, "identity_providers": 2, "versions": 5,
	},
	demoViewer: { // read_only member of The Blue Brand only; no identity provider of their own
		"organizations": 1, "roles": 3, "permissions": 6, "membership_profiles": 2, "memberships": 3,
		"api_credentials": 4, "application_memberships": 1, "identity_providers": 0, "versions": 5,
	},
}

// demoRelatedCounts are record counts of relationship lists in the demo data, by hand; -1
// means the parent is not visible (404).
var demoRelatedCounts = map[string]map[string]int{
	demoOwner: {
		"/api/organizations/orgBlueBrd/memberships": 3, "/api/organizations/orgBlueBrd/roles": 3,
		"/api/organizations/orgBlueBrd/permissions": 6, "/api/organizations/orgBlueBrd/api_credentials": 4,
		"/api/organizations/orgGreenGr/memberships": 3, "/api/organizations/orgGreenGr/roles": 2,
		"/api/organizations/orgGreenGr/permissions": 2, "/api/organizations/orgGreenGr/api_credentials": 2,
		"/api/roles/rolBBAdmin/permissions": 2, "/api/roles/rolBBAdmin/memberships": 1, "/api/roles/rolBBAdmin/api_credentials": 2,
		"/api/roles/rolGGAdmin/memberships": 2, "/api/roles/rolBBMktEd/versions": 2,
	},
	demoViewer: {
		"/api/organizations/orgBlueBrd/memberships": 3, "/api/organizations/orgBlueBrd/roles": 3,
		"/api/organizations/orgBlueBrd/permissions": 6, "/api/organizations/orgBlueBrd/api_credentials": 4,
		"/api/organizations/orgGreenGr/memberships": -1, "/api/organizations/orgGreenGr/roles": -1,
		"/api/organizations/orgGreenGr/permissions": -1, "/api/organizations/orgGreenGr/api_credentials": -1,
		"/api/roles/rolBBAdmin/permissions": 2, "/api/roles/rolBBAdmin/memberships": 1, "/api/roles/rolBBAdmin/api_credentials": 2,
		"/api/roles/rolGGAdmin/memberships": -1, "/api/roles/rolBBMktEd/versions": 2,
	},
}

// ---------------------------------------------------------------------------------------
// Requests

// doAs sends the request with a token of the user.
func (s *testServer) doAs(tb testing.TB, user string, r request) *httptest.ResponseRecorder {
	tb.Helper()
	h := map[string]string{"Authorization": "Bearer " + s.tokenFor(tb, user)}
	for k, v := range r.headers {
		h[k] = v
	}
	r.headers = h
	return s.do(tb, r)
}

// docJSON is a request document of one resource; rels maps a relationship name to its
// linkage (an identifier, a list of them, or nil).
func docJSON(typ, id string, attrs map[string]any, rels map[string]any) string {
	data := map[string]any{"type": typ}
	if id != "" {
		data["id"] = id
	}
	if attrs != nil {
		data["attributes"] = attrs
	}
	if len(rels) > 0 {
		r := map[string]any{}
		for name, linkage := range rels {
			r[name] = map[string]any{"data": linkage}
		}
		data["relationships"] = r
	}
	b, err := json.Marshal(map[string]any{"data": data})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func ident(typ, id string) map[string]any { return map[string]any{"type": typ, "id": id} }

// ---------------------------------------------------------------------------------------
// The world: the demo data plus a record of every type in an organization each user cannot see.

type world struct {
	s   *testServer
	reg *models.Registry
	ids map[string]string // set-up records by name ("lab", "ggApp", ...)
	// forbidden lists, per user, the ids of every record they cannot see, for the scan of
	// every response they get.
	forbidden    map[string][]string
	forbiddenSet map[string]map[string]bool
}

// mustWorld returns a server with the dataset and the set-up records.
func mustWorld(tb testing.TB, dataset []byte) *world {
	tb.Helper()
	s := mustServerWith(tb, dataset, handlers.Config{BaseURL: testBase})
	w := &world{s: s, reg: s.st.Registry(), ids: map[string]string{}}
	create := func(name, user, typ string, attrs, rels map[string]any) string {
		tb.Helper()
		rec := s.doAs(tb, user, request{method: http.MethodPost, path: "/api/" + typ, body: docJSON(typ, "", attrs, rels)})
		if rec.Code != http.StatusCreated {
			tb.Fatalf("set-up: creating %s (%s) as %s: %d %s", name, typ, user, rec.Code, rec.Body.String())
		}
		id := decode(tb, rec)["data"].(map[string]any)["id"].(string)
		w.ids[name] = id
		return id
	}
	firstVersion := func(name, user, resourceID string) {
		tb.Helper()
		rec := s.doAs(tb, user, request{path: "/api/versions?filter[q][resource_id_eq]=" + resourceID})
		mustStatus(tb, rec, http.StatusOK)
		got := ids(tb, rec)
		if len(got) == 0 {
			tb.Fatalf("set-up: no version about %s", resourceID)
		}
		w.ids[name] = got[0]
	}

	// The owner, in Green Grocer: a custom role, a membership profile, an application
	// membership, and the versions of the role.
	ggCustom := create("ggCustom", demoOwner, "roles", map[string]any{"name": "Green custom"},
		map[string]any{"organization": ident("organizations", "orgGreenGr")})
	ggProfile := create("ggProfile", demoOwner, "membership_profiles", map[string]any{"name": "Green group", "access_scope": "all_access"},
		map[string]any{"organization": ident("organizations", "orgGreenGr")})
	create("ggApp", demoOwner, "application_memberships", map[string]any{"filters": map[string]any{}}, map[string]any{
		"api_credential": ident("api_credentials", "apcGGInteg"), "membership": ident("memberships", "memGGPriya"),
		"membership_profile": ident("membership_profiles", ggProfile), "organization": ident("organizations", "orgGreenGr"),
		"role": ident("roles", "rolGGAdmin"),
	})
	firstVersion("ggVersion", demoOwner, ggCustom)

	// The viewer: an organization of their own and a record of every type in it, and an
	// identity provider.
	lab := create("lab", demoViewer, "organizations", map[string]any{"name": "Viewer Lab"}, nil)
	orgLink := map[string]any{"organization": ident("organizations", lab)}
	labCustom := create("labCustom", demoViewer, "roles", map[string]any{"name": "Lab custom"}, orgLink)
	labProfile := create("labProfile", demoViewer, "membership_profiles", map[string]any{"name": "Lab group", "access_scope": "test_access"}, orgLink)
	labApc := create("labApc", demoViewer, "api_credentials", map[string]any{"name": "Lab integration", "kind": "integration"},
		map[string]any{"organization": ident("organizations", lab), "role": ident("roles", labCustom)})
	labMembership := create("labMembership", demoViewer, "memberships", map[string]any{"user_email": "guest@lab.example"},
		map[string]any{"organization": ident("organizations", lab), "role": ident("roles", labCustom)})
	create("labApp", demoViewer, "application_memberships", map[string]any{"filters": map[string]any{}}, map[string]any{
		"api_credential": ident("api_credentials", labApc), "membership": ident("memberships", labMembership),
		"membership_profile": ident("membership_profiles", labProfile), "organization": ident("organizations", lab),
		"role": ident("roles", labCustom),
	})
	// An active colleague, the new owner of transfer_ownership: invitations are pending
	// until accepted, which the API cannot do, so the set-up gives the colleague an account
	// and accepts the invitation as theirs in the store.
	colleague := create("labColleague", demoViewer, "memberships", map[string]any{"user_email": activeMemberEmail["lab"]},
		map[string]any{"organization": ident("organizations", lab), "role": ident("roles", labCustom)})
	account, err := s.st.Insert(context.Background(), w.reg.Lookup("users"), store.Record{"email": activeMemberEmail["lab"]})
	if err != nil {
		tb.Fatal(err)
	}
	w.ids["labColleagueUser"] = account.ID()
	if _, err := s.st.Update(context.Background(), w.reg.Lookup("memberships"), colleague, store.Record{"status": "active", "user_id": account.ID()}); err != nil {
		tb.Fatal(err)
	}
	// Not "orders": creates in the lab give labCustom a permission on orders.
	create("labPermission", demoViewer, "permissions",
		map[string]any{"subject": "skus", "can_create": false, "can_read": true, "can_update": false, "can_destroy": false},
		map[string]any{"role": ident("roles", labCustom)})
	create("viewerIdp", demoViewer, "identity_providers", map[string]any{
		"name": "Lab IdP", "client_id": "labClient", "client_secret": "labSecret", "issuer": "https://idp.lab.example/",
		"domains": "lab.example", "token_url": "https://idp.lab.example/token",
		"authorize_url": "https://idp.lab.example/authorize", "jwks_url": "https://idp.lab.example/keys",
	}, nil)
	firstVersion("labVersion", demoViewer, labCustom)

	w.setForbidden(w.oracle(tb))
	return w
}

// record returns the id of a type's record in a context.
func (w *world) record(tb testing.TB, typ, ctx string) string {
	tb.Helper()
	row, ok := tenancyTable[typ]
	if !ok {
		tb.Fatalf("tenancyTable has no row for %s: add its blue, green and lab records", typ)
	}
	id := row[slices.Index(tenancyContexts, ctx)]
	if name, ok := strings.CutPrefix(id, "$"); ok {
		id = w.ids[name]
		if id == "" {
			tb.Fatalf("tenancyTable: set-up made no record named %s", name)
		}
	}
	return id
}

// req sends the request as the user and scans the response for ids they may not see.
func (w *world) req(tb testing.TB, user string, r request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := w.s.doAs(tb, user, r)
	w.scan(tb, user, r, rec)
	return rec
}

// scan fails when a response holds an id of a record the user cannot see, in its body or
// its headers (Location).
func (w *world) scan(tb testing.TB, user string, r request, rec *httptest.ResponseRecorder) {
	tb.Helper()
	forbidden := w.forbiddenSet[user]
	text := rec.Body.String() + "\n" + fmt.Sprint(rec.Header())
	reported := map[string]bool{}
	for _, word := range alnumWords(text) {
		// An id the request itself carries may come back (pagination links keep the
		// query): that is the user's own input, not a leak.
		if forbidden[word] && !reported[word] && !strings.Contains(r.path, word) && !strings.Contains(r.body, word) {
			reported[word] = true
			tb.Errorf("LEAK: %s %s as %s answered %d with %s, the id of a record the user cannot see:\n%s",
				r.method, r.path, user, rec.Code, word, rec.Body.String())
		}
	}
}

// alnumWords splits text into runs of the characters ids are made of: the scan looks up
// each in the user's forbidden ids.
func alnumWords(text string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(text); i++ {
		alnum := i < len(text) && (text[i] >= 'a' && text[i] <= 'z' || text[i] >= 'A' && text[i] <= 'Z' || text[i] >= '0' && text[i] <= '9')
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			out = append(out, text[start:i])
			start = -1
		}
	}
	return out
}

// setForbidden records, per user, the ids of the records they cannot see.
func (w *world) setForbidden(o *oracle) {
	w.forbidden = map[string][]string{}
	w.forbiddenSet = map[string]map[string]bool{}
	for _, u := range tenancyUsers {
		w.forbidden[u] = o.forbidden(u)
		w.forbiddenSet[u] = map[string]bool{}
		for _, id := range w.forbidden[u] {
			w.forbiddenSet[u][id] = true
		}
	}
}

// listAll reads every page of a list as the user; it returns the ids and the record_count.
func (w *world) listAll(tb testing.TB, user, path string) ([]string, int) {
	tb.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var all []string
	count := -1
	for n := 1; ; n++ {
		rec := w.req(tb, user, request{path: fmt.Sprintf("%s%spage[size]=25&page[number]=%d", path, sep, n)})
		if rec.Code != http.StatusOK {
			tb.Fatalf("GET %s as %s = %d; body: %s", path, user, rec.Code, rec.Body.String())
		}
		doc := decode(tb, rec)
		meta, _ := doc["meta"].(map[string]any)
		rc, _ := meta["record_count"].(float64)
		pages, _ := meta["page_count"].(float64)
		if count >= 0 && int(rc) != count {
			tb.Fatalf("GET %s: record_count changed between pages", path)
		}
		count = int(rc)
		all = append(all, ids(tb, rec)...)
		if n >= int(pages) {
			break
		}
	}
	return all, count
}

// ---------------------------------------------------------------------------------------
// The oracle

// oracle works out visibility and write rights from the raw rows, independently of the
// mock's scoping: a row belongs to an organization (organizations themselves; any row with
// an organization_id) or to a user (users themselves; any row with a user_id); a user sees
// the organizations they are an active member of and their own rows, and may write in an
// organization they own or hold an admin role in.
type oracle struct {
	tb   testing.TB
	reg  *models.Registry
	rows map[string][]store.Record
	byID map[string]map[string]store.Record
}

func (w *world) oracle(tb testing.TB) *oracle {
	tb.Helper()
	o := &oracle{tb: tb, reg: w.reg, rows: w.s.dump(tb), byID: map[string]map[string]store.Record{}}
	for typ, recs := range o.rows {
		o.byID[typ] = map[string]store.Record{}
		for _, r := range recs {
			o.byID[typ][r.ID()] = r
		}
	}
	return o
}

func (o *oracle) get(typ, id string) store.Record {
	o.tb.Helper()
	r := o.byID[typ][id]
	if r == nil {
		o.tb.Fatalf("oracle: no %s %s", typ, id)
	}
	return r
}

// rights maps the organizations the user is an active member of to whether they may write.
// An active membership is its account's, whatever email either shows.
func (o *oracle) rights(user string) map[string]bool {
	o.get("users", user)
	out := map[string]bool{}
	for _, m := range o.rows["memberships"] {
		if m.String("user_id") != user || m.String("status") != "active" {
			continue
		}
		org := m.String("organization_id")
		write := m["owner"] == true
		if role := o.byID["roles"][m.String("role_id")]; role != nil && role.String("kind") == "admin" {
			write = true
		}
		out[org] = out[org] || write
	}
	return out
}

// place returns the organization or the user a row belongs to.
func (o *oracle) place(typ string, r store.Record) (org, user string) {
	o.tb.Helper()
	switch {
	case typ == "organizations":
		return r.ID(), ""
	case typ == "users":
		return "", r.ID()
	}
	if def := o.reg.Lookup(typ); def != nil && def.Family != models.ProvisioningFamily {
		return "", "(no Provisioning user: another API family's)" // seen by no user of the API
	}
	if _, ok := r["organization_id"]; ok {
		return r.String("organization_id"), ""
	}
	if _, ok := r["user_id"]; ok {
		return "", r.String("user_id")
	}
	o.tb.Fatalf("oracle: cannot tell whose a %s is: teach the oracle about the type", typ)
	return "", ""
}

func (o *oracle) visible(user, typ string, r store.Record) bool {
	org, owner := o.place(typ, r)
	if owner != "" {
		return owner == user
	}
	_, member := o.rights(user)[org]
	return org != "" && member
}

func (o *oracle) mayWrite(user, typ string, r store.Record) bool {
	org, owner := o.place(typ, r)
	if owner != "" {
		return owner == user
	}
	return org != "" && o.rights(user)[org]
}

// visibleIDs are the ids of the type's rows the user sees.
func (o *oracle) visibleIDs(user, typ string) []string {
	out := []string{}
	for _, r := range o.rows[typ] {
		if o.visible(user, typ, r) {
			out = append(out, r.ID())
		}
	}
	return out
}

// forbidden lists the ids of the rows the user may not see. A user id is forbidden unless it
// is the user's or an active member's of one of their organizations (versions name who made
// a change).
func (o *oracle) forbidden(user string) []string {
	rights := o.rights(user)
	colleague := map[string]bool{}
	for _, m := range o.rows["memberships"] {
		if _, ok := rights[m.String("organization_id")]; ok && m.String("status") == "active" {
			colleague[m.String("user_id")] = true
		}
	}
	var out []string
	for typ, recs := range o.rows {
		if def := o.reg.Lookup(typ); def != nil && def.Family != models.ProvisioningFamily {
			continue // another API family's rows: no route of this API serves them
		}
		for _, r := range recs {
			switch {
			case typ == "users":
				if r.ID() != user && !colleague[r.ID()] {
					out = append(out, r.ID())
				}
			case !o.visible(user, typ, r):
				out = append(out, r.ID())
			}
		}
	}
	sort.Strings(out)
	return out
}

// related is what the user sees of a relationship of the row: the ids of the related rows
// they may see.
func (o *oracle) related(user string, def *models.Resource, rel *models.Rel, parent store.Record) []string {
	out := []string{}
	if !rel.ToMany {
		fk := parent.String(rel.FK)
		if fk == "" {
			return out
		}
		if t := o.byID[rel.Type][fk]; t != nil && o.visible(user, rel.Type, t) {
			out = append(out, fk)
		}
		return out
	}
	for _, r := range o.rows[rel.Type] {
		if r.String(rel.FK) != parent.ID() || (rel.TypeColumn != "" && r.String(rel.TypeColumn) != def.Type) {
			continue
		}
		if o.visible(user, rel.Type, r) {
			out = append(out, r.ID())
		}
	}
	return out
}

// hasDependents reports whether a row of another type links to the row, which refuses its
// delete with 423.
func (o *oracle) hasDependents(def *models.Resource, id string) bool {
	for _, other := range o.reg.All() {
		for _, rel := range other.Rels {
			if rel.ToMany || rel.Type != def.Type {
				continue
			}
			for _, r := range o.rows[other.Type] {
				if r.String(rel.FK) == id {
					return true
				}
			}
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------
// Assertions

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool { return slices.Equal(sortedCopy(a), sortedCopy(b)) }

// linkageIDs reads resource linkage: null, one identifier or a list of them, of the type.
func linkageIDs(tb testing.TB, data any, typ string) []string {
	tb.Helper()
	out := []string{}
	add := func(v any) {
		m, ok := v.(map[string]any)
		if !ok || m["type"] != typ {
			tb.Fatalf("linkage %v is not an identifier of %s", v, typ)
		}
		out = append(out, m["id"].(string))
	}
	switch d := data.(type) {
	case nil:
	case []any:
		for _, v := range d {
			add(v)
		}
	default:
		add(d)
	}
	return out
}

// errorObjects returns the error objects of an error document.
func errorObjects(tb testing.TB, rec *httptest.ResponseRecorder) []map[string]any {
	tb.Helper()
	var doc struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Errors) == 0 {
		tb.Fatalf("not an error document: %s", rec.Body.String())
	}
	return doc.Errors
}

func mustUnauthorized(tb testing.TB, rec *httptest.ResponseRecorder) {
	tb.Helper()
	mustAPIError(tb, rec, http.StatusUnauthorized, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
}

// mustSameAnswer fails unless two responses are the same: a record the user may not see
// answers exactly as an unknown id does.
func mustSameAnswer(tb testing.TB, got, unknown *httptest.ResponseRecorder, wantStatus int) {
	tb.Helper()
	if got.Code != wantStatus {
		tb.Fatalf("status = %d, want %d; body: %s", got.Code, wantStatus, got.Body.String())
	}
	if got.Code != unknown.Code || got.Body.String() != unknown.Body.String() ||
		got.Header().Get("Content-Type") != unknown.Header().Get("Content-Type") || got.Header().Get("Allow") != unknown.Header().Get("Allow") {
		tb.Fatalf("answer differs from an unknown id's:\n got     %d %s\n unknown %d %s", got.Code, got.Body.String(), unknown.Code, unknown.Body.String())
	}
	if wantStatus == http.StatusNotFound {
		mustAPIError(tb, got, http.StatusNotFound, "RECORD_NOT_FOUND", "Record not found", notFoundDetail)
	}
}

// mustUnchanged fails unless the data is as before.
func (w *world) mustUnchanged(tb testing.TB, before map[string][]store.Record) {
	tb.Helper()
	after := w.s.dump(tb)
	for typ := range before {
		if !reflect.DeepEqual(before[typ], after[typ]) {
			tb.Errorf("a refused request changed %s", typ)
		}
	}
}

// apiTypes are the registry's types with an /api/{type}/{id} route: every one but singletons.
func apiTypes(tb testing.TB, reg *models.Registry) []*models.Resource {
	tb.Helper()
	var out []*models.Resource
	for _, def := range reg.Of(models.ProvisioningFamily) {
		if def.Singleton {
			continue
		}
		if _, ok := tenancyTable[def.Type]; !ok {
			tb.Errorf("tenancyTable has no row for %s: add its blue, green and lab records", def.Type)
			continue
		}
		out = append(out, def)
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Tests

// TestTenancyDemoCounts: every list's record_count for both demo users in the untouched
// demo data, by hand, and the oracle agrees with it.
func TestTenancyDemoCounts(t *testing.T) {
	t.Parallel()
	s := mustServer(t)
	w := &world{s: s, reg: s.st.Registry()}
	o := w.oracle(t)
	w.setForbidden(o)
	if want := []string{"apcGGInteg", "apcGGStore", "idpBBOkta1", "idpGGAuth0", "memGGOwner", "memGGPriya", "memGGTomIn",
		"orgGreenGr", "prmGGAdmOr", "prmGGRoOrd", "rolGGAdmin", "rolGGReadO", "usrPriyaPt"}; !slices.Equal(w.forbidden[demoViewer], want) {
		t.Errorf("oracle: the viewer may not see %v, want %v", w.forbidden[demoViewer], want)
	}
	if len(w.forbidden[demoOwner]) != 0 {
		t.Errorf("oracle: the owner may not see %v, want everything", w.forbidden[demoOwner])
	}
	for _, u := range tenancyUsers {
		for _, def := range apiTypes(t, w.reg) {
			if !def.Offers(models.OpList) {
				continue
			}
			want, ok := demoCounts[u][def.Type]
			if !ok {
				t.Errorf("demoCounts has no %s count for %s", def.Type, u)
				continue
			}
			got, count := w.listAll(t, u, "/api/"+def.Type)
			if count != want || len(got) != want {
				t.Errorf("%s lists %d %s (record_count %d), want %d", u, len(got), def.Type, count, want)
			}
			if oc := len(o.visibleIDs(u, def.Type)); oc != want {
				t.Errorf("oracle: %s sees %d %s, want %d", u, oc, def.Type, want)
			}
		}
		for path, want := range demoRelatedCounts[u] {
			rec := w.req(t, u, request{path: path})
			if want < 0 {
				mustAPIError(t, rec, http.StatusNotFound, "RECORD_NOT_FOUND", "Record not found", notFoundDetail)
				continue
			}
			mustStatus(t, rec, http.StatusOK)
			if got := decode(t, rec)["meta"].(map[string]any)["record_count"]; got != float64(want) {
				t.Errorf("%s: %s record_count = %v, want %d", u, path, got, want)
			}
		}
	}
}

// TestTenancyReads: lists, retrieves, relationship endpoints, includes and filters of every
// type for both users, on the demo data with set-up records, and on the same data where
// records are linked across organizations (as a custom dataset may link them): what each
// user gets is what the oracle says they see, and no response holds an id they cannot see.
func TestTenancyReads(t *testing.T) {
	t.Parallel()
	t.Run("demo", func(t *testing.T) { checkReads(t, mustWorld(t, fixtures.Demo())) })
	t.Run("cross-linked", func(t *testing.T) { checkReads(t, mustWorld(t, crossLinkedDemo(t))) })
}

// crossLinkedDemo is the demo data with links across the two organizations, which the API
// refuses to make but a dataset can hold: a Blue Brand credential with a Green Grocer role,
// a Green Grocer credential with a Blue Brand role, and a Blue Brand application membership
// of a Green Grocer membership.
func crossLinkedDemo(tb testing.TB) []byte {
	tb.Helper()
	data := string(fixtures.Demo())
	for _, r := range []struct{ old, new string }{
		{"organization: orgBlueBrd, created_at: 2024-01-10T10:00:00.000Z}", "organization: orgBlueBrd, role: rolGGAdmin, created_at: 2024-01-10T10:00:00.000Z}"},
		{"organization: orgGreenGr, created_at: 2024-02-02T12:00:00.000Z}", "organization: orgGreenGr, role: rolBBAdmin, created_at: 2024-02-02T12:00:00.000Z}"},
		{"api_credential: apcBBOrdAp, membership: memBBJamie,", "api_credential: apcBBOrdAp, membership: memGGPriya,"},
	} {
		if strings.Count(data, r.old) != 1 {
			tb.Fatalf("crossLinkedDemo: %q is not once in the demo data", r.old)
		}
		data = strings.Replace(data, r.old, r.new, 1)
	}
	return []byte(data)
}

func checkReads(t *testing.T, w *world) {
	o := w.oracle(t)
	types := apiTypes(t, w.reg)
	for _, u := range tenancyUsers {
		for _, def := range types {
			t.Run(u+"/"+def.Type, func(t *testing.T) {
				if def.Offers(models.OpList) {
					checkList(t, w, o, u, def)
				}
				for _, ctx := range tenancyContexts {
					checkRecord(t, w, o, u, def, ctx)
				}
			})
		}
	}
}

// checkList: the list, its include of every relationship (and every relationship below
// those), and filters through every to-one relationship.
func checkList(t *testing.T, w *world, o *oracle, u string, def *models.Resource) {
	base := "/api/" + def.Type
	got, count := w.listAll(t, u, base)
	want := o.visibleIDs(u, def.Type)
	if !sameSet(got, want) || count != len(want) {
		t.Errorf("%s lists %s %v (record_count %d), want %v", u, def.Type, got, count, want)
	}
	for i := range def.Rels {
		rel := &def.Rels[i]
		target := w.reg.Lookup(rel.Type)
		paths := []string{rel.Name}
		for _, sub := range target.Rels {
			paths = append(paths, rel.Name+"."+sub.Name)
		}
		for _, inc := range paths {
			rec := w.req(t, u, request{path: base + "?page[size]=25&include=" + inc})
			mustStatus(t, rec, http.StatusOK)
			doc := decode(t, rec)
			checkIncluded(t, o, u, doc)
			if inc != rel.Name {
				continue
			}
			for _, d := range doc["data"].([]any) {
				res := d.(map[string]any)
				parent := o.get(def.Type, res["id"].(string))
				linked := linkageIDs(t, res["relationships"].(map[string]any)[rel.Name].(map[string]any)["data"], rel.Type)
				if exp := o.related(u, def, rel, parent); !sameSet(linked, exp) {
					t.Errorf("%s ?include=%s: %s links %v, want %v", base, inc, parent.ID(), linked, exp)
				}
			}
		}
		// Filters through a to-one relationship by the id of each context's related record:
		// records linked to one the user cannot see match nothing, as for an unknown id.
		if rel.ToMany {
			continue
		}
		// The candidates: an unknown id, each context's record, and every id the type's
		// rows link to.
		candidates := map[string]bool{unknownID: true}
		if _, ok := tenancyTable[rel.Type]; ok {
			for _, ctx := range tenancyContexts {
				candidates[w.record(t, rel.Type, ctx)] = true
			}
		}
		for _, r := range o.rows[def.Type] {
			if fk := r.String(rel.FK); fk != "" {
				candidates[fk] = true
			}
		}
		for _, id := range slices.Sorted(maps.Keys(candidates)) {
			got, _ := w.listAll(t, u, base+"?filter[q]["+rel.Name+"_id_eq]="+id)
			exp := []string{}
			if t := o.byID[rel.Type][id]; t != nil && o.visible(u, rel.Type, t) {
				for _, r := range o.rows[def.Type] {
					if r.String(rel.FK) == id && o.visible(u, def.Type, r) {
						exp = append(exp, r.ID())
					}
				}
			}
			if !sameSet(got, exp) {
				t.Errorf("%s?filter[q][%s_id_eq]=%s as %s: %v, want %v", base, rel.Name, id, u, got, exp)
			}
		}
	}
}

// checkIncluded: every included resource is one the user may see, and every linkage in the
// document points at a resource of the document.
func checkIncluded(t *testing.T, o *oracle, u string, doc map[string]any) {
	t.Helper()
	present := map[string]bool{}
	var all []any
	switch d := doc["data"].(type) {
	case []any:
		all = append(all, d...)
	case map[string]any:
		all = append(all, d)
	}
	inc, _ := doc["included"].([]any)
	for _, r := range inc {
		res := r.(map[string]any)
		typ, id := res["type"].(string), res["id"].(string)
		if rec := o.byID[typ][id]; rec == nil || !o.visible(u, typ, rec) {
			t.Errorf("included %s %s, which %s may not see", typ, id, u)
		}
	}
	all = append(all, inc...)
	for _, r := range all {
		res := r.(map[string]any)
		present[res["type"].(string)+"/"+res["id"].(string)] = true
	}
	for _, r := range all {
		res := r.(map[string]any)
		rels, _ := res["relationships"].(map[string]any)
		for name, ro := range rels {
			data, has := ro.(map[string]any)["data"]
			if !has {
				continue
			}
			var list []any
			switch d := data.(type) {
			case nil:
			case []any:
				list = d
			default:
				list = []any{d}
			}
			for _, l := range list {
				key := l.(map[string]any)["type"].(string) + "/" + l.(map[string]any)["id"].(string)
				if !present[key] {
					t.Errorf("%s/%s links %s through %s, which the document does not hold", res["type"], res["id"], key, name)
				}
			}
		}
	}
}

// checkRecord: retrieve and every relationship endpoint of the context's record, with an
// include of all its relationships.
func checkRecord(t *testing.T, w *world, o *oracle, u string, def *models.Resource, ctx string) {
	id := w.record(t, def.Type, ctx)
	rec := o.get(def.Type, id)
	vis := o.visible(u, def.Type, rec)
	self := "/api/" + def.Type + "/" + id
	unknown := "/api/" + def.Type + "/" + unknownID

	got := w.req(t, u, request{path: self})
	if !vis {
		mustSameAnswer(t, got, w.req(t, u, request{path: unknown}), http.StatusNotFound)
	} else {
		mustStatus(t, got, http.StatusOK)
		if gid := decode(t, got)["data"].(map[string]any)["id"]; gid != id {
			t.Errorf("GET %s is %v", self, gid)
		}
	}
	if len(def.Rels) > 0 {
		names := make([]string, len(def.Rels))
		for i, rel := range def.Rels {
			names[i] = rel.Name
		}
		q := "?include=" + strings.Join(names, ",")
		got := w.req(t, u, request{path: self + q})
		if !vis {
			mustSameAnswer(t, got, w.req(t, u, request{path: unknown + q}), http.StatusNotFound)
		} else {
			mustStatus(t, got, http.StatusOK)
			doc := decode(t, got)
			checkIncluded(t, o, u, doc)
			rels := doc["data"].(map[string]any)["relationships"].(map[string]any)
			for i := range def.Rels {
				rel := &def.Rels[i]
				linked := linkageIDs(t, rels[rel.Name].(map[string]any)["data"], rel.Type)
				if exp := o.related(u, def, rel, rec); !sameSet(linked, exp) {
					t.Errorf("%s%s links %s %v, want %v", self, q, rel.Name, linked, exp)
				}
			}
		}
	}
	for i := range def.Rels {
		rel := &def.Rels[i]
		for _, sub := range []string{"/" + rel.Name, "/relationships/" + rel.Name} {
			got := w.req(t, u, request{path: self + sub})
			if !vis {
				mustSameAnswer(t, got, w.req(t, u, request{path: unknown + sub}), http.StatusNotFound)
				continue
			}
			mustStatus(t, got, http.StatusOK)
			exp := o.related(u, def, rel, rec)
			doc := decode(t, got)
			var linked []string
			switch {
			case strings.HasPrefix(sub, "/relationships/"):
				linked = linkageIDs(t, doc["data"], rel.Type)
				if _, ok := doc["data"].([]any); ok != rel.ToMany {
					t.Errorf("GET %s%s: data %v, want a list exactly for a to-many relationship", self, sub, doc["data"])
				}
			case rel.ToMany:
				all, count := w.listAll(t, u, self+sub)
				if count != len(exp) {
					t.Errorf("GET %s%s as %s: record_count %d, want %d", self, sub, u, count, len(exp))
				}
				linked = all
			default:
				if doc["data"] != nil {
					res := doc["data"].(map[string]any)
					if res["type"] != rel.Type {
						t.Errorf("GET %s%s: type %v", self, sub, res["type"])
					}
					linked = []string{res["id"].(string)}
				}
			}
			if !sameSet(linked, exp) {
				t.Errorf("GET %s%s as %s: %v, want %v", self, sub, u, linked, exp)
			}
		}
	}
}

// writeOutcome is what a write must answer, from the oracle.
type writeOutcome int

const (
	writeDone writeOutcome = iota
	writeUnauthorized
	writeNotFound
)

func (o *oracle) outcome(user, typ string, r store.Record) writeOutcome {
	switch {
	case !o.visible(user, typ, r):
		return writeNotFound
	case !o.mayWrite(user, typ, r):
		return writeUnauthorized
	}
	return writeDone
}

// tenancyWrite is one write of the matrix.
type tenancyWrite struct {
	name    string
	user    string
	req     request
	unknown request // the same write on an unknown id
	outcome writeOutcome
	status  int                                                // writeNotFound: 404, or 405 or 422 as for an unknown id
	success int                                                // the status of a write that is done
	check   func(t *testing.T, rec *httptest.ResponseRecorder) // more checks of a refused write's answer
	after   func(t *testing.T, w *world, id string)            // checks after a write that is done
}

// TestTenancyWrites: updates, deletes, actions and creates of every type, by both users, in
// each context. A write the user may not make changes nothing: 401 UNAUTHORIZED where they
// can see the record, 404 exactly as for an unknown id where they cannot, and 422 "must
// exist" for a create linking records they cannot see. The data is restored after each
// write that is done.
func TestTenancyWrites(t *testing.T) {
	t.Parallel()
	shared := mustWorld(t, fixtures.Demo())
	o := shared.oracle(t)
	pristine, err := shared.s.st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var cases []tenancyWrite
	for _, u := range tenancyUsers {
		for _, def := range apiTypes(t, shared.reg) {
			cases = append(cases, memberWrites(t, shared, o, u, def)...)
			cases = append(cases, createWrites(t, shared, o, u, def)...)
		}
	}
	var refused, done int
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := shared
			if c.outcome == writeDone {
				// A write that is done is undone afterwards: the next case starts from the
				// same data.
				defer func() {
					if err := w.s.st.Restore(context.Background(), pristine); err != nil {
						t.Fatalf("restoring the data: %v", err)
					}
				}()
				done++
			} else {
				refused++
			}
			before := w.s.dump(t)
			rec := w.req(t, c.user, c.req)
			switch c.outcome {
			case writeNotFound:
				status := c.status
				if status == 0 {
					status = http.StatusNotFound
				}
				mustSameAnswer(t, rec, w.req(t, c.user, c.unknown), status)
				w.mustUnchanged(t, before)
			case writeUnauthorized:
				mustUnauthorized(t, rec)
				w.mustUnchanged(t, before)
			}
			if c.check != nil {
				c.check(t, rec)
			}
			switch c.outcome {
			case writeDone:
				if rec.Code != c.success {
					t.Fatalf("status = %d, want %d; body: %s", rec.Code, c.success, rec.Body.String())
				}
				if c.after != nil {
					var id string
					if rec.Code == http.StatusCreated {
						id = decode(t, rec)["data"].(map[string]any)["id"].(string)
					}
					c.after(t, w, id)
				}
			}
		})
	}
	t.Logf("%d writes: %d refused, %d done", len(cases), refused, done)
}

// memberWrites are the update, delete and actions of the type's record in each context, and
// the 405s of the operations it does not offer.
func memberWrites(t *testing.T, w *world, o *oracle, u string, def *models.Resource) []tenancyWrite {
	var cases []tenancyWrite
	for _, ctx := range tenancyContexts {
		id := w.record(t, def.Type, ctx)
		rec := o.get(def.Type, id)
		outcome := o.outcome(u, def.Type, rec)
		self := "/api/" + def.Type + "/" + id
		unknown := "/api/" + def.Type + "/" + unknownID
		name := func(op string) string { return fmt.Sprintf("%s/%s/%s/%s", u, def.Type, op, ctx) }

		update := func(id string) string {
			return docJSON(def.Type, id, map[string]any{"reference": "tenancy-" + u}, nil)
		}
		if def.Offers(models.OpUpdate) {
			cases = append(cases, tenancyWrite{name: name("update"), user: u, outcome: outcome, success: http.StatusOK,
				req:     request{method: http.MethodPatch, path: self, body: update(id)},
				unknown: request{method: http.MethodPatch, path: unknown, body: update(unknownID)},
				after: func(t *testing.T, w *world, _ string) {
					rec := w.req(t, u, request{path: self})
					mustStatus(t, rec, http.StatusOK)
					if got := decode(t, rec)["data"].(map[string]any)["attributes"].(map[string]any)["reference"]; got != "tenancy-"+u {
						t.Errorf("reference after the update = %v", got)
					}
				}})
		} else {
			cases = append(cases, notOffered(name("update"), u, request{method: http.MethodPatch, path: self, body: update(id)},
				request{method: http.MethodPatch, path: unknown, body: update(unknownID)}))
		}

		if def.Offers(models.OpDelete) {
			success := http.StatusNoContent
			if o.hasDependents(def, id) {
				success = http.StatusLocked
			}
			cases = append(cases, tenancyWrite{name: name("delete"), user: u, outcome: outcome, success: success,
				req:     request{method: http.MethodDelete, path: self},
				unknown: request{method: http.MethodDelete, path: unknown},
				after: func(t *testing.T, w *world, _ string) {
					rec := w.req(t, u, request{path: self})
					if success == http.StatusLocked {
						mustStatus(t, rec, http.StatusOK)
					} else {
						mustAPIError(t, rec, http.StatusNotFound, "RECORD_NOT_FOUND", "Record not found", notFoundDetail)
					}
				}})
		} else {
			cases = append(cases, notOffered(name("delete"), u, request{method: http.MethodDelete, path: self},
				request{method: http.MethodDelete, path: unknown}))
		}

		for _, act := range def.Actions {
			build, ok := actionBodies[def.Type+"/"+act.Name]
			if !ok {
				t.Errorf("actionBodies has no body for %s/%s", def.Type, act.Name)
				continue
			}
			cases = append(cases, tenancyWrite{name: name(act.Name), user: u, outcome: outcome, success: http.StatusAccepted,
				req:     request{method: act.Method, path: self + "/" + act.Name, body: build(ctx, id)},
				unknown: request{method: act.Method, path: unknown + "/" + act.Name, body: build(ctx, unknownID)}})
		}
	}
	return cases
}

// notOffered is an operation the type does not offer: 405 for every id alike.
func notOffered(name, u string, req, unknown request) tenancyWrite {
	return tenancyWrite{name: name + " (not offered)", user: u, outcome: writeNotFound, status: http.StatusMethodNotAllowed, req: req, unknown: unknown}
}

// createBody is the create of the type in the context: createAttrs, and every relationship
// the create accepts linked to the context's record of the related type. replace maps the
// linked ids (for the same create with unknown ids); links lists the relationships linked.
func createBody(t *testing.T, w *world, def *models.Resource, ctx string, replace func(rel *models.Rel, id string) string) (string, []string) {
	attrs, ok := createAttrs[def.Type]
	if !ok {
		t.Errorf("createAttrs has no create of %s", def.Type)
		return "", nil
	}
	rels := map[string]any{}
	var links []string
	for i := range def.Rels {
		rel := &def.Rels[i]
		if !rel.Flags.Has(models.Create) {
			continue
		}
		id := replace(rel, w.record(t, rel.Type, ctx))
		if rel.ToMany {
			rels[rel.Name] = []any{ident(rel.Type, id)}
		} else {
			rels[rel.Name] = ident(rel.Type, id)
		}
		links = append(links, rel.Name)
	}
	return docJSON(def.Type, "", attrs, rels), links
}

// createWrites are the creates of the type in each context; a type whose create links
// nothing (organizations, identity providers) is created once.
func createWrites(t *testing.T, w *world, o *oracle, u string, def *models.Resource) []tenancyWrite {
	if !def.Offers(models.OpCreate) {
		body := docJSON(def.Type, "", map[string]any{"reference": "x"}, nil)
		return []tenancyWrite{notOffered(fmt.Sprintf("%s/%s/create", u, def.Type), u,
			request{method: http.MethodPost, path: "/api/" + def.Type, body: body},
			request{method: http.MethodPost, path: "/api/" + def.Type, body: body})}
	}
	keep := func(_ *models.Rel, id string) string { return id }
	var cases []tenancyWrite
	for _, ctx := range tenancyContexts {
		body, links := createBody(t, w, def, ctx, keep)
		if body == "" {
			return nil
		}
		name := fmt.Sprintf("%s/%s/create/%s", u, def.Type, ctx)
		if len(links) == 0 {
			cases = append(cases, tenancyWrite{name: fmt.Sprintf("%s/%s/create", u, def.Type), user: u, outcome: writeDone,
				success: http.StatusCreated, req: request{method: http.MethodPost, path: "/api/" + def.Type, body: body},
				after: func(t *testing.T, w *world, id string) { checkCreated(t, w, u, def, id) }})
			break
		}
		org := o.get("organizations", w.record(t, "organizations", ctx))
		c := tenancyWrite{name: name, user: u, outcome: o.outcome(u, "organizations", org), success: http.StatusCreated,
			req:   request{method: http.MethodPost, path: "/api/" + def.Type, body: body},
			after: func(t *testing.T, w *world, id string) { checkCreated(t, w, u, def, id) }}
		if c.outcome == writeNotFound {
			// Linking records the user cannot see: "must exist" on each link, exactly as
			// for unknown ids.
			n := 0
			unknownBody, _ := createBody(t, w, def, ctx, func(*models.Rel, string) string { n++; return fmt.Sprintf("zzzzzzzz%02d", n) })
			c.unknown = request{method: http.MethodPost, path: "/api/" + def.Type, body: unknownBody}
			c.status = http.StatusUnprocessableEntity
			c.check = func(t *testing.T, rec *httptest.ResponseRecorder) { mustExist(t, rec, links) }
		}
		cases = append(cases, c)
	}
	return cases
}

// mustExist checks the errors of a create linking records the user cannot see: one
// "must exist" per link.
func mustExist(t *testing.T, rec *httptest.ResponseRecorder, links []string) {
	t.Helper()
	var pointers []string
	for _, e := range errorObjects(t, rec) {
		src, _ := e["source"].(map[string]any)
		p, _ := src["pointer"].(string)
		pointers = append(pointers, p)
		meta, _ := e["meta"].(map[string]any)
		if e["code"] != "VALIDATION_ERROR" || e["title"] != "must exist" || e["status"] != "422" || meta["error"] != "blank" {
			t.Errorf("error %v, want a 422 VALIDATION_ERROR \"must exist\" (blank)", e)
		}
	}
	var want []string
	for _, l := range links {
		want = append(want, "/data/relationships/"+l)
	}
	if !sameSet(pointers, want) {
		t.Errorf("must exist on %v, want %v", pointers, want)
	}
}

// checkCreated: the new record is the creator's to see, in the organization or the user it
// belongs to, and only members of it see it. A new organization makes its creator its owner,
// who may then write in it.
func checkCreated(t *testing.T, w *world, u string, def *models.Resource, id string) {
	t.Helper()
	o := w.oracle(t)
	rec := o.get(def.Type, id)
	for _, other := range tenancyUsers {
		got := w.req(t, other, request{path: "/api/" + def.Type + "/" + id})
		want := o.visible(other, def.Type, rec)
		if other == u && !want {
			t.Errorf("the oracle says the creator %s cannot see their new %s", u, def.Type)
		}
		if (got.Code == http.StatusOK) != want {
			t.Errorf("GET the new %s %s as %s = %d, want visible %v", def.Type, id, other, got.Code, want)
		}
	}
	switch def.Type {
	case "organizations":
		ms, count := w.listAll(t, u, "/api/organizations/"+id+"/memberships")
		if count != 1 {
			t.Fatalf("the new organization has %d memberships, want 1", count)
		}
		m := o.get("memberships", ms[0])
		if m.String("user_id") != u || m.String("user_email") != o.get("users", u).String("email") || m["owner"] != true || m.String("status") != "active" {
			t.Errorf("the new organization's membership is %v, want the creator's, active and owner", m)
		}
		rec := w.req(t, u, request{method: http.MethodPatch, path: "/api/organizations/" + id,
			body: docJSON("organizations", id, map[string]any{"support_phone": "+1 555 0100"}, nil)})
		mustStatus(t, rec, http.StatusOK)
		rec = w.req(t, u, request{method: http.MethodPost, path: "/api/roles",
			body: docJSON("roles", "", map[string]any{"name": "Creator's role"}, map[string]any{"organization": ident("organizations", id)})})
		mustStatus(t, rec, http.StatusCreated)
	case "identity_providers":
		if got := rec.String("user_id"); got != u {
			t.Errorf("the new identity provider belongs to %q, want its creator %s", got, u)
		}
	}
}

// TestTenancyCrossOrganizationLinks: a user who may write in both organizations cannot link
// a record of one to a record of the other: the owner's create in The Blue Brand with one
// link swapped for the Green Grocer record, and the owner's update of a Blue Brand record
// linking a Green Grocer record, are refused with a 422 on that link, and change nothing.
func TestTenancyCrossOrganizationLinks(t *testing.T) {
	t.Parallel()
	w := mustWorld(t, fixtures.Demo())
	refused := func(t *testing.T, req request, rel string) {
		t.Helper()
		before := w.s.dump(t)
		rec := w.req(t, demoOwner, req)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status = %d, want 422; body: %s", rec.Code, rec.Body.String())
		}
		found := false
		for _, e := range errorObjects(t, rec) {
			if src, _ := e["source"].(map[string]any); src["pointer"] == "/data/relationships/"+rel && e["code"] == "VALIDATION_ERROR" {
				found = true
			}
		}
		if !found {
			t.Errorf("no error on /data/relationships/%s: %s", rel, rec.Body.String())
		}
		w.mustUnchanged(t, before)
	}
	for _, def := range apiTypes(t, w.reg) {
		if !def.Offers(models.OpUpdate) {
			continue
		}
		for i := range def.Rels {
			rel := &def.Rels[i]
			if !rel.Flags.Has(models.Update) || rel.Type == "organizations" {
				continue
			}
			t.Run("update "+def.Type+"/"+rel.Name, func(t *testing.T) {
				id := w.record(t, def.Type, "blue")
				var linkage any = ident(rel.Type, w.record(t, rel.Type, "green"))
				if rel.ToMany {
					linkage = []any{linkage}
				}
				refused(t, request{method: http.MethodPatch, path: "/api/" + def.Type + "/" + id,
					body: docJSON(def.Type, id, nil, map[string]any{rel.Name: linkage})}, rel.Name)
			})
		}
	}
	for _, def := range apiTypes(t, w.reg) {
		if !def.Offers(models.OpCreate) {
			continue
		}
		for i := range def.Rels {
			rel := &def.Rels[i]
			if !rel.Flags.Has(models.Create) || rel.Type == "organizations" || def.Type == "permissions" {
				// The organization link is what the others must agree with; a permission's
				// organization is its role's.
				continue
			}
			t.Run("create "+def.Type+"/"+rel.Name, func(t *testing.T) {
				body, _ := createBody(t, w, def, "blue", func(r *models.Rel, id string) string {
					if r == rel {
						return w.record(t, r.Type, "green")
					}
					return id
				})
				refused(t, request{method: http.MethodPost, path: "/api/" + def.Type, body: body}, rel.Name)
			})
		}
	}
}

// TestTenancyUser: /api/user is the token's user, and PATCH /api/user changes that user only,
// and what their own active memberships show of them.
func TestTenancyUser(t *testing.T) {
	t.Parallel()
	for _, u := range tenancyUsers {
		t.Run(u, func(t *testing.T) {
			w := mustWorld(t, fixtures.Demo())
			o := w.oracle(t)
			rec := w.req(t, u, request{path: "/api/user"})
			mustStatus(t, rec, http.StatusOK)
			data := decode(t, rec)["data"].(map[string]any)
			if data["id"] != u || data["type"] != "users" || data["attributes"].(map[string]any)["email"] != o.get("users", u).String("email") {
				t.Fatalf("/api/user as %s is %v", u, data)
			}

			before := w.s.dump(t)
			rec = w.req(t, u, request{method: http.MethodPatch, path: "/api/user",
				body: docJSON("users", "", map[string]any{"first_name": "Changed", "time_zone": "Europe/Paris"}, nil)})
			mustStatus(t, rec, http.StatusOK)
			if id := decode(t, rec)["data"].(map[string]any)["id"]; id != u {
				t.Fatalf("PATCH /api/user as %s changed %v", u, id)
			}
			after := w.s.dump(t)
			for typ := range before {
				if typ == "users" {
					continue
				}
				if typ == "memberships" {
					for i, m := range before[typ] {
						if m.String("user_id") == u && m.String("status") == "active" {
							m = maps.Clone(m)
							m["user_first_name"] = "Changed"
						}
						if !reflect.DeepEqual(after[typ][i], m) {
							t.Errorf("PATCH /api/user as %s: membership %v became %v", u, before[typ][i], after[typ][i])
						}
					}
					continue
				}
				if !reflect.DeepEqual(before[typ], after[typ]) {
					t.Errorf("PATCH /api/user changed %s", typ)
				}
			}
			for i, row := range after["users"] {
				old := before["users"][i]
				if row.ID() != u {
					if !reflect.DeepEqual(row, old) {
						t.Errorf("PATCH /api/user as %s changed the user %s", u, row.ID())
					}
					continue
				}
				if row["first_name"] != "Changed" || row["time_zone"] != "Europe/Paris" || row["email"] != old["email"] {
					t.Errorf("the user after PATCH is %v", row)
				}
			}

			// Naming another user in the body is refused, and changes nothing.
			other := demoOwner
			if u == demoOwner {
				other = demoViewer
			}
			before = w.s.dump(t)
			rec = w.req(t, u, request{method: http.MethodPatch, path: "/api/user",
				body: docJSON("users", other, map[string]any{"first_name": "Hijacked"}, nil)})
			if rec.Code != http.StatusBadRequest {
				t.Errorf("PATCH /api/user naming %s = %d, want 400; body: %s", other, rec.Code, rec.Body.String())
			}
			w.mustUnchanged(t, before)
		})
	}
}

// TestTenancyMatrixCovers fails when the tables of the matrix fall behind the registry.
func TestTenancyMatrixCovers(t *testing.T) {
	reg := models.Provisioning()
	seen := map[string]bool{}
	for _, def := range apiTypes(t, reg) {
		seen[def.Type] = true
		if def.Offers(models.OpCreate) {
			if _, ok := createAttrs[def.Type]; !ok {
				t.Errorf("createAttrs has no create of %s", def.Type)
			}
		}
		for _, act := range def.Actions {
			if _, ok := actionBodies[def.Type+"/"+act.Name]; !ok {
				t.Errorf("actionBodies has no %s/%s", def.Type, act.Name)
			}
		}
		for _, u := range tenancyUsers {
			if _, ok := demoCounts[u][def.Type]; !ok && def.Offers(models.OpList) {
				t.Errorf("demoCounts has no %s count for %s", def.Type, u)
			}
		}
	}
	for typ := range tenancyTable {
		if !seen[typ] {
			t.Errorf("tenancyTable has %s, which is not a type of the registry", typ)
		}
	}
}
