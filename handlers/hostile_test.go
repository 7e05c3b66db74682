package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/store"
)

// Hostile input: bodies over the size limit, nested too deep, huge, not UTF-8, with numbers
// no integer holds, duplicate keys, NUL bytes, or a great many members. Each is answered with
// a 4xx error document (or, when the input is merely unusual, handled normally), never a 5xx,
// and a refused request changes nothing.

// orgLink links a new record to The Blue Brand.
const orgLink = `"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}`

// roleWith is a role creation with these attributes, in The Blue Brand.
func roleWith(attrs string) string {
	return `{"data":{"type":"roles","attributes":{` + attrs + `},` + orgLink + `}}`
}

// credentialWith is an API credential creation with these attributes besides a valid name
// and kind, in The Blue Brand.
func credentialWith(attrs string) string {
	return `{"data":{"type":"api_credentials","attributes":{"name":"Hostile","kind":"webapp",` + attrs + `},` + orgLink + `}}`
}

// hostileCase is one request and the answer it must get.
type hostileCase struct {
	name       string
	method     string // POST when empty
	path       string // /api/roles when empty
	body       string
	headers    map[string]string
	wantStatus int
	// A refusal (wantStatus >= 400): the code of every error object, the first one's detail
	// when it is fixed text, and the first one's source pointer for a 422.
	wantCode    string
	wantDetail  string
	wantPointer string
	// An accepted request: checks of the answered resource's attributes, and another
	// record ("type/id") the write may change besides its own.
	check   func(t *testing.T, attrs map[string]any)
	touches string
}

// runHostile sends the case through the router and checks the answer, and that a refusal
// changed no data and an acceptance changed no record but the one it created or updated.
func runHostile(t *testing.T, s *testServer, tc hostileCase) {
	t.Helper()
	if tc.method == "" {
		tc.method = http.MethodPost
	}
	if tc.path == "" {
		tc.path = "/api/roles"
	}
	before := s.dump(t)
	rec := s.do(t, request{method: tc.method, path: tc.path, body: tc.body, headers: tc.headers})
	if rec.Code >= 500 {
		t.Fatalf("%s %s: server error %d: %.2000s", tc.method, tc.path, rec.Code, rec.Body.String())
	}
	after := s.dump(t)
	if tc.wantStatus >= 400 {
		mustRefusal(t, rec, tc.wantStatus, tc.wantCode, tc.wantDetail, tc.wantPointer)
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("the refused request changed the stored data")
		}
		return
	}
	mustStatus(t, rec, tc.wantStatus)
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Errorf("Content-Type = %q, want %q", ct, handlers.MediaType)
	}
	var doc struct {
		Data struct {
			Type       string         `json:"type"`
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Data.ID == "" {
		t.Fatalf("answer is not a resource document (%v): %.2000s", err, rec.Body.String())
	}
	unchangedBut(t, before, after, doc.Data.Type+"/"+doc.Data.ID, tc.touches)
	if tc.check != nil {
		tc.check(t, doc.Data.Attributes)
		// What was stored is what was answered.
		got := s.get(t, "/api/"+doc.Data.Type+"/"+doc.Data.ID)
		mustStatus(t, got, http.StatusOK)
		var stored struct {
			Data struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got.Body.Bytes(), &stored); err != nil {
			t.Fatal(err)
		}
		tc.check(t, stored.Data.Attributes)
	}
}

// mustRefusal asserts an error document whose every error has the code and status.
func mustRefusal(t *testing.T, rec *httptest.ResponseRecorder, status int, code, detail, pointer string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body: %.2000s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Errorf("Content-Type = %q, want %q", ct, handlers.MediaType)
	}
	var doc struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
			Code   string `json:"code"`
			Status string `json:"status"`
			Source *struct {
				Pointer string `json:"pointer"`
			} `json:"source"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Errors) == 0 {
		t.Fatalf("not an error document (%v): %.2000s", err, rec.Body.String())
	}
	for _, e := range doc.Errors {
		if e.Code != code || e.Status != strconv.Itoa(status) || e.Title == "" || e.Detail == "" {
			t.Errorf("error %+v, want code %s and status %q", e, code, strconv.Itoa(status))
		}
	}
	if detail != "" && doc.Errors[0].Detail != detail {
		t.Errorf("detail = %q, want %q", doc.Errors[0].Detail, detail)
	}
	if pointer != "" && (doc.Errors[0].Source == nil || doc.Errors[0].Source.Pointer != pointer) {
		t.Errorf("source = %+v, want pointer %s", doc.Errors[0].Source, pointer)
	}
}

// unchangedBut asserts that every record stored before is still there, unchanged, except
// the written one and the one it touches (each "type/id"); the written one may be new, and
// new versions may record the write.
func unchangedBut(t *testing.T, before, after map[string][]store.Record, written, touched string) {
	t.Helper()
	typ, _, _ := strings.Cut(written, "/")
	for table, recs := range before {
		now := map[string]store.Record{}
		for _, r := range after[table] {
			now[r.ID()] = r
		}
		for _, r := range recs {
			if key := table + "/" + r.ID(); key == written || key == touched {
				continue
			}
			if !reflect.DeepEqual(now[r.ID()], r) {
				t.Errorf("%s %s changed:\nbefore %v\nafter  %v", table, r.ID(), r, now[r.ID()])
			}
		}
		added := len(after[table]) - len(recs)
		switch {
		case table == typ && added > 1, table != typ && table != "versions" && added != 0:
			t.Errorf("%s: %d records added", table, added)
		}
	}
}

func wantAttr(name string, want any) func(*testing.T, map[string]any) {
	return func(t *testing.T, attrs map[string]any) {
		t.Helper()
		if !reflect.DeepEqual(attrs[name], want) {
			got := fmt.Sprintf("%v", attrs[name])
			if len(got) > 200 {
				got = got[:200] + "..."
			}
			t.Errorf("%s = %s (%T), want %.200v", name, got, attrs[name], want)
		}
	}
}

func runHostileCases(t *testing.T, cases []hostileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, mustServer(t), tc)
		})
	}
}

// TestBodyLimit: a body of exactly the limit is read; one byte more is a 413 in the error
// format, whatever the body holds, and changes nothing.
func TestBodyLimit(t *testing.T) {
	roleUpdate := `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"Marketing team"}}}`
	tooLarge := func(limit int) string {
		return fmt.Sprintf("The request body exceeds the limit of %d bytes.", limit)
	}
	check413 := func(t *testing.T, s *testServer, rec *httptest.ResponseRecorder, before map[string][]store.Record, limit int) {
		t.Helper()
		mustAPIError(t, rec, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "Payload too large", tooLarge(limit))
		if !reflect.DeepEqual(before, s.dump(t)) {
			t.Fatal("the refused request changed the stored data")
		}
	}
	cases := []struct {
		name, method, path, body string
		limit                    int // the server's MaxBody
		wantStatus               int
	}{
		{"create at the limit", "POST", "/api/roles", roleCreate, len(roleCreate), http.StatusCreated},
		{"create one byte over", "POST", "/api/roles", roleCreate + " ", len(roleCreate), http.StatusRequestEntityTooLarge},
		{"create far over", "POST", "/api/roles", roleCreate + strings.Repeat(" ", 10*len(roleCreate)), len(roleCreate), http.StatusRequestEntityTooLarge},
		{"update at the limit", "PATCH", "/api/roles/rolBBMktEd", roleUpdate, len(roleUpdate), http.StatusOK},
		{"update one byte over", "PATCH", "/api/roles/rolBBMktEd", roleUpdate + "\n", len(roleUpdate), http.StatusRequestEntityTooLarge},
		{"action one byte over", "PATCH", "/api/organizations/orgBlueBrd/transfer_ownership",
			`{"data":{"type":"organizations","id":"orgBlueBrd","attributes":{"new_owner_email":"viewer@example.com"}}}`, 100, http.StatusRequestEntityTooLarge},
		// Size comes before syntax: an over-long body is not parsed at all.
		{"malformed one byte over", "POST", "/api/roles", strings.Repeat("[", 65), 64, http.StatusRequestEntityTooLarge},
		{"malformed at the limit", "POST", "/api/roles", strings.Repeat("[", 64), 64, http.StatusBadRequest},
		{"default limit, at it", "POST", "/api/roles", roleCreate + strings.Repeat(" ", 1<<20-len(roleCreate)), 0, http.StatusCreated},
		{"default limit, one byte over", "POST", "/api/roles", roleCreate + strings.Repeat(" ", 1<<20-len(roleCreate)+1), 0, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, MaxBody: int64(tc.limit)})
			limit := tc.limit
			if limit == 0 {
				limit = 1 << 20
			}
			if tc.wantStatus != http.StatusRequestEntityTooLarge && len(tc.body) != limit {
				t.Fatalf("case error: body of %d bytes, limit %d", len(tc.body), limit)
			}
			if tc.wantStatus != http.StatusRequestEntityTooLarge {
				hc := hostileCase{method: tc.method, path: tc.path, body: tc.body, wantStatus: tc.wantStatus}
				if tc.wantStatus == http.StatusBadRequest {
					hc.wantCode = "BAD_REQUEST"
				}
				runHostile(t, s, hc)
				return
			}
			before := s.dump(t)
			check413(t, s, s.do(t, request{method: tc.method, path: tc.path, body: tc.body}), before, limit)
		})
	}

	t.Run("no Content-Length", func(t *testing.T) {
		// A body of unknown length (chunked) is cut at the limit just the same.
		s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, MaxBody: int64(len(roleCreate))})
		for _, tc := range []struct {
			body string
			want int
		}{{roleCreate, http.StatusCreated}, {roleCreate + " ", http.StatusRequestEntityTooLarge}} {
			before := s.dump(t)
			req := httptest.NewRequest(http.MethodPost, "/api/roles", io.MultiReader(strings.NewReader(tc.body)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", handlers.MediaType)
			req.Header.Set("Authorization", "Bearer "+s.tokenFor(t, demoOwner))
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if tc.want == http.StatusRequestEntityTooLarge {
				check413(t, s, rec, before, len(roleCreate))
			} else {
				mustStatus(t, rec, tc.want)
			}
		}
	})

	t.Run("over the network, chunked", func(t *testing.T) {
		s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, MaxBody: 1024})
		var chunked atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunked.Store(r.ContentLength == -1)
			s.ServeHTTP(w, r)
		}))
		defer srv.Close()
		before := s.dump(t)
		body := roleCreate + strings.Repeat(" ", 2048)
		// A reader of unknown length: the client sends the body chunked.
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/roles", io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", handlers.MediaType)
		req.Header.Set("Accept", handlers.MediaType)
		req.Header.Set("Authorization", "Bearer "+s.tokenFor(t, demoOwner))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rec := httptest.NewRecorder()
		rec.Code = resp.StatusCode
		for k, v := range resp.Header {
			rec.Header()[k] = v
		}
		if _, err := io.Copy(rec.Body, resp.Body); err != nil {
			t.Fatal(err)
		}
		if !chunked.Load() {
			t.Error("the body was not sent chunked")
		}
		check413(t, s, rec, before, 1024)
	})

	t.Run("authentication comes before the size", func(t *testing.T) {
		s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, MaxBody: 64})
		runHostile(t, s, hostileCase{body: roleCreate, headers: map[string]string{"Authorization": ""},
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHORIZED"})
	})
}

// nest wraps inner in n arrays or, when objects, n objects {"a": ...}.
func nest(n int, objects bool, inner string) string {
	if objects {
		return strings.Repeat(`{"a":`, n) + inner + strings.Repeat("}", n)
	}
	return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
}

// TestDeepNesting: a body nested deeper than 64 levels (the document's own objects
// included) is a 400 before anything walks it; 64 levels are fine; brackets in strings do
// not count.
func TestDeepNesting(t *testing.T) {
	const nestTooDeep = "JSON nesting too deep"
	// roleWith's document is 4 levels deep at the metadata's value: {data:{attributes:{metadata:
	metadata := func(levels int, objects bool) string {
		return roleWith(`"name":"Deep","metadata":{"a":` + nest(levels-4, objects, "1") + `}`)
	}
	if got := strings.Count(metadata(64, false), "["); got != 60 {
		t.Fatalf("case error: %d arrays", got)
	}
	objectDepth := func(levels int) func(*testing.T, map[string]any) {
		return func(t *testing.T, attrs map[string]any) {
			t.Helper()
			v, depth := attrs["metadata"], 3 // data, attributes, metadata's object
			for {
				switch x := v.(type) {
				case map[string]any:
					v, depth = x["a"], depth+1
					continue
				case []any:
					v, depth = x[0], depth+1
					continue
				}
				break
			}
			if depth != levels {
				t.Errorf("stored metadata is %d levels deep in the document, want %d", depth, levels)
			}
		}
	}
	mib := 1 << 20
	runHostileCases(t, []hostileCase{
		{name: "arrays 64 deep", body: metadata(64, false), wantStatus: http.StatusCreated, check: objectDepth(64)},
		{name: "arrays 65 deep", body: metadata(65, false), wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		{name: "objects 64 deep", body: metadata(64, true), wantStatus: http.StatusCreated, check: objectDepth(64)},
		{name: "objects 65 deep", body: metadata(65, true), wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		{name: "objects and arrays 65 deep", body: roleWith(`"name":"Deep","metadata":{"a":` +
			strings.Repeat(`[{"a":`, 30) + "[1]" + strings.Repeat(`}]`, 30) + `}`), wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		{name: "65 deep in an update", method: "PATCH", path: "/api/roles/rolBBMktEd",
			body:       `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"metadata":{"a":` + nest(61, false, "1") + `}}}}`,
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		// The depth is checked before the members: even where nothing would read it.
		{name: "65 deep in an unknown member", body: `{"data":{"type":"roles"},"meta":` + nest(64, false, "1") + `}`,
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		{name: "65 deep in an unknown attribute", body: roleWith(`"colour":` + nest(62, true, "1")),
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: nestTooDeep},
		{name: "brackets in strings do not nest", body: roleWith(`"name":"` + strings.Repeat("[{", 100) + `\"` + strings.Repeat("[", 100) + `"`),
			wantStatus: http.StatusCreated, check: wantAttr("name", strings.Repeat("[{", 100)+`"`+strings.Repeat("[", 100))},
		// Whole bodies of brackets, just under the default limit.
		{name: "1 MiB-1 of [", body: strings.Repeat("[", mib-1), wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "1 MiB-1 of balanced brackets", body: nest(mib/2-1, false, "") + " ", wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: `1 MiB-1 of {"a":`, body: strings.Repeat(`{"a":`, (mib-1)/5) + strings.Repeat(" ", (mib-1)%5), wantStatus: 400, wantCode: "BAD_REQUEST"},
	})
}

// TestDeepNestingIsRefusedCheaply: refusing a megabyte of nesting costs a few times the
// body's size in memory, not a structure per level (no recursive decoding).
func TestDeepNestingIsRefusedCheaply(t *testing.T) {
	s := mustServer(t)
	const mib = 1 << 20
	for _, body := range []string{
		strings.Repeat("[", mib-1),
		nest(mib/2-1, false, "") + " ",
		roleWith(`"name":"Deep","metadata":{"a":` + nest(9000, false, "1") + `}`),
		strings.Repeat(`{"a":`, (mib-1)/5),
	} {
		req := request{method: http.MethodPost, path: "/api/roles", body: body}
		s.do(t, req) // warm up: tokens, caches
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		rec := s.do(t, req)
		runtime.ReadMemStats(&m1)
		mustRefusal(t, rec, 400, "BAD_REQUEST", "", "")
		// Reading the body costs about three times its size; decoding a megabyte of nesting
		// into values would cost far more.
		if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 32*mib {
			t.Errorf("refusing %d bytes of nesting allocated %d MiB", len(body), alloc/mib)
		}
	}
}

// TestHugeValidJSON: a large but valid body within the limit is handled as any other: a
// 900 KB string is stored whole (the real service sets no length limit on these
// attributes), and a refusal of a large body changes nothing.
func TestHugeValidJSON(t *testing.T) {
	huge := strings.Repeat("a", 900_000)
	manyKeys := func(n int) (string, map[string]any) {
		var b strings.Builder
		want := map[string]any{}
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			k := fmt.Sprintf("k%05d", i)
			fmt.Fprintf(&b, `%q:%d`, k, i)
			want[k] = float64(i)
		}
		return "{" + b.String() + "}", want
	}
	metadata, wantMetadata := manyKeys(40_000)
	longArray := "[" + strings.Repeat("1,", 400_000) + "1]"
	runHostileCases(t, []hostileCase{
		{name: "900 KB name", body: roleWith(`"name":"` + huge + `"`), wantStatus: http.StatusCreated, check: wantAttr("name", huge)},
		{name: "900 KB name in an update", method: "PATCH", path: "/api/organizations/orgGreenGr",
			body:       `{"data":{"type":"organizations","id":"orgGreenGr","attributes":{"name":"` + huge + `"}}}`,
			wantStatus: http.StatusOK, check: wantAttr("name", huge)},
		{name: "900 KB name with an invalid kind", path: "/api/api_credentials",
			body:       `{"data":{"type":"api_credentials","attributes":{"name":"` + huge + `","kind":"bogus"},` + orgLink + `}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "kind - is not included in the list", wantPointer: "/data/attributes/kind"},
		{name: "900 KB string for a boolean", path: "/api/api_credentials", body: credentialWith(`"custom":"` + huge + `"`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "custom - is invalid", wantPointer: "/data/attributes/custom"},
		{name: "800 KB array for a string", body: roleWith(`"name":` + longArray),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "name - is invalid", wantPointer: "/data/attributes/name"},
		{name: "metadata with 40,000 keys", body: roleWith(`"name":"Keys","metadata":` + metadata),
			wantStatus: http.StatusCreated, check: wantAttr("metadata", wantMetadata)},
		{name: "900 KB name of an unknown type", body: `{"data":{"type":"rolez","attributes":{"name":"` + huge + `"}}}`,
			wantStatus: 400, wantCode: "INVALID_RESOURCE", wantDetail: "rolez is not a valid resource."},
	})
}

// TestInvalidUTF8: a body that is not UTF-8, wherever the bad bytes are, is a 400.
func TestInvalidUTF8(t *testing.T) {
	const notUTF8 = "the request body is not valid UTF-8"
	var cases []hostileCase
	for _, bad := range []struct{ name, bytes string }{
		{"lone continuation byte", "\x80"},
		{"byte never in UTF-8", "\xff\xfe"},
		{"overlong encoding of /", "\xc0\xaf"},
		{"encoded UTF-16 surrogate", "\xed\xa0\x80"},
		{"code point above U+10FFFF", "\xf4\x90\x80\x80"},
		{"Latin-1 text", "caf\xe9"},
	} {
		cases = append(cases, hostileCase{name: bad.name + " in a value", body: roleWith(`"name":"x` + bad.bytes + `"`),
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8})
	}
	cases = append(cases,
		hostileCase{name: "truncated sequence ending a string", body: roleWith(`"name":"x` + "\xe2\x82" + `"`),
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8},
		hostileCase{name: "in a key", body: roleWith(`"na` + "\xff" + `me":"x"`),
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8},
		hostileCase{name: "in an id of a linkage", body: `{"data":{"type":"roles","attributes":{"name":"x"},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd` + "\xc3" + `"}}}}}`,
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8},
		hostileCase{name: "in an update", method: "PATCH", path: "/api/roles/rolBBMktEd",
			body:       `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"` + "\xa0" + `"}}}`,
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8},
		hostileCase{name: "outside strings", body: roleWith(`"name":"x"`) + "\xff",
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: notUTF8},
		// Valid text is kept as sent; an escaped lone surrogate is valid JSON and becomes
		// U+FFFD, as Go's decoder reads it.
		hostileCase{name: "valid multi-byte text", body: roleWith(`"name":"Café ☕ 𝄞 🛍"`),
			wantStatus: http.StatusCreated, check: wantAttr("name", "Café ☕ 𝄞 🛍")},
		hostileCase{name: "escaped lone surrogate", body: roleWith(`"name":"x\ud800"`),
			wantStatus: http.StatusCreated, check: wantAttr("name", "x\uFFFD")},
	)
	runHostileCases(t, cases)
}

// TestNumbersBeyondInt64: a number no integer holds is a 422 on its attribute, not a 500.
func TestNumbersBeyondInt64(t *testing.T) {
	const path = "/api/api_credentials"
	notInteger := func(n string) hostileCase {
		return hostileCase{name: n, path: path, body: credentialWith(`"expires_in":` + n),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - must be an integer", wantPointer: "/data/attributes/expires_in"}
	}
	notNumber := func(name, n string) hostileCase {
		return hostileCase{name: name, path: path, body: credentialWith(`"expires_in":` + n),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - is not a number", wantPointer: "/data/attributes/expires_in"}
	}
	runHostileCases(t, []hostileCase{
		notInteger("9223372036854775808"),  // int64's maximum + 1
		notInteger("-9223372036854775809"), // int64's minimum - 1
		notInteger("99999999999999999999999999"),
		notInteger("1e300"),
		notInteger("9007199254740995"), // over 2^53, where a float64 no longer tells integers apart
		// 2^53 + 1 reads as 2^53, an integer still exact, which is then out of range.
		{name: "9007199254740993", path: path, body: credentialWith(`"expires_in":9007199254740993`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - must be less than or equal to 31536000", wantPointer: "/data/attributes/expires_in"},
		notNumber("1e400", "1e400"),
		notNumber("-1e400", "-1e400"),
		notNumber("a 100,000-digit integer", "1"+strings.Repeat("0", 100_000)),
		{name: "in range but over the maximum", path: path, body: credentialWith(`"expires_in":31536001`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - must be less than or equal to 31536000", wantPointer: "/data/attributes/expires_in"},
		{name: "1e-400 reads as 0", path: path, body: credentialWith(`"expires_in":1e-400`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - must be greater than or equal to 7200", wantPointer: "/data/attributes/expires_in"},
		{name: "in an update", method: "PATCH", path: "/api/api_credentials/apcBBDashb",
			body:       `{"data":{"type":"api_credentials","id":"apcBBDashb","attributes":{"expires_in":18446744073709551616}}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "expires_in - must be an integer", wantPointer: "/data/attributes/expires_in"},
		{name: "for a string", body: roleWith(`"name":1e400`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "name - is invalid", wantPointer: "/data/attributes/name"},
		{name: "for a boolean", path: path, body: credentialWith(`"custom":9223372036854775808`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "custom - is invalid", wantPointer: "/data/attributes/custom"},
		{name: "as an id", method: "PATCH", path: "/api/roles/rolBBMktEd",
			body:       `{"data":{"type":"roles","id":1e400,"attributes":{"name":"x"}}}`,
			wantStatus: 400, wantCode: "KEY_NOT_INCLUDED_IN_URL", wantDetail: "The URL does not support the key 1e400"},
		{name: "an integer in range is kept", path: path, body: credentialWith(`"expires_in":31536000`),
			wantStatus: http.StatusCreated, check: wantAttr("expires_in", float64(31536000))},
	})
}

// TestDuplicateKeys: of members with the same name, the last one counts, everywhere, as
// with the real service's JSON parser.
func TestDuplicateKeys(t *testing.T) {
	runHostileCases(t, []hostileCase{
		{name: "attribute", body: roleWith(`"name":"First","name":"Last"`), wantStatus: http.StatusCreated, check: wantAttr("name", "Last")},
		{name: "type, the last wrong", body: `{"data":{"type":"roles","type":"permissions","attributes":{"name":"x"},` + orgLink + `}}`,
			wantStatus: 400, wantCode: "INVALID_RESOURCE", wantDetail: "permissions is not a valid resource."},
		{name: "type, the first wrong", body: `{"data":{"type":"permissions","type":"roles","attributes":{"name":"Typed"},` + orgLink + `}}`,
			wantStatus: http.StatusCreated, check: wantAttr("name", "Typed")},
		{name: "data, the last not an object", body: `{"data":{"type":"roles","attributes":{"name":"x"},` + orgLink + `},"data":[]}`,
			wantStatus: 400, wantCode: "INVALID_DATA_FORMAT", wantDetail: "Data must be a hash."},
		{name: "attributes, the last without the name", body: `{"data":{"type":"roles","attributes":{"name":"x"},"attributes":{"reference":"r"},` + orgLink + `}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "name - can't be blank", wantPointer: "/data/attributes/name"},
		{name: "linked id, the last unknown", body: `{"data":{"type":"roles","attributes":{"name":"x"},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd","id":"orgMissing"}}}}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "organization - must exist", wantPointer: "/data/relationships/organization"},
		{name: "id of an update, the last another", method: "PATCH", path: "/api/roles/rolBBMktEd",
			body:       `{"data":{"type":"roles","id":"rolBBMktEd","id":"rolBBAdmin","attributes":{"name":"x"}}}`,
			wantStatus: 400, wantCode: "KEY_NOT_INCLUDED_IN_URL", wantDetail: "The URL does not support the key rolBBAdmin"},
		{name: "metadata keys", body: roleWith(`"name":"Meta","metadata":{"k":1,"k":2}`),
			wantStatus: http.StatusCreated, check: wantAttr("metadata", map[string]any{"k": float64(2)})},
	})
}

// TestNULBytes: a raw NUL is not JSON (400); an escaped one is a character like any other,
// stored and answered as sent, and judged by the attribute's rules.
func TestNULBytes(t *testing.T) {
	runHostileCases(t, []hostileCase{
		{name: "raw in a string", body: roleWith(`"name":"a` + "\x00" + `b"`),
			wantStatus: 400, wantCode: "BAD_REQUEST", wantDetail: `invalid character '\x00' in string literal`},
		{name: "raw between members", body: roleWith(`"name":"a",` + "\x00" + `"reference":"r"`),
			wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "raw after the document", body: roleWith(`"name":"a"`) + "\x00",
			wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "a body of NULs", body: strings.Repeat("\x00", 1000), wantStatus: 400, wantCode: "BAD_REQUEST"},
		// No text holds a NUL, whatever the database (PostgreSQL's text cannot).
		{name: "escaped in a value", body: roleWith(`"name":"a\u0000b"`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "name - is invalid", wantPointer: "/data/attributes/name"},
		{name: "escaped in a metadata key", body: roleWith(`"name":"m","metadata":{"k\u0000":"v"}`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "metadata - is invalid", wantPointer: "/data/attributes/metadata"},
		{name: "escaped in a metadata value", body: roleWith(`"name":"m","metadata":{"k":["\u0000"]}`),
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "metadata - is invalid", wantPointer: "/data/attributes/metadata"},
		{name: "an escaped backslash before u0000 is no NUL", body: roleWith(`"name":"m","metadata":{"k":"\\u0000"}`),
			wantStatus: http.StatusCreated, check: wantAttr("metadata", map[string]any{"k": `\u0000`})},
		{name: "escaped in an email", path: "/api/organizations",
			body:       `{"data":{"type":"organizations","attributes":{"name":"Nul","support_email":"a@b.example\u0000"}}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "support_email - is invalid", wantPointer: "/data/attributes/support_email"},
		{name: "escaped in the type", body: `{"data":{"type":"roles\u0000","attributes":{"name":"x"}}}`,
			wantStatus: 400, wantCode: "INVALID_RESOURCE", wantDetail: "roles\x00 is not a valid resource."},
		{name: "escaped in an attribute name", body: roleWith(`"name\u0000":"x"`),
			wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantDetail: "name\x00 is not allowed."},
		{name: "escaped in a linked id", body: `{"data":{"type":"roles","attributes":{"name":"x"},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd\u0000"}}}}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "organization - must exist", wantPointer: "/data/relationships/organization"},
		{name: "escaped in the id of an update", method: "PATCH", path: "/api/roles/rolBBMktEd",
			body:       `{"data":{"type":"roles","id":"rolBBMktEd\u0000","attributes":{"name":"x"}}}`,
			wantStatus: 400, wantCode: "KEY_NOT_INCLUDED_IN_URL", wantDetail: "The URL does not support the key rolBBMktEd\x00"},
	})
}

// TestManyMembers: tens of thousands of attributes, relationships, identifiers or keys are
// refused at the first that is not allowed, or handled, in one pass.
func TestManyMembers(t *testing.T) {
	members := func(n int, format string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(format, i)
		}
		return strings.Join(parts, ",")
	}
	const n = 40_000
	runHostileCases(t, []hostileCase{
		{name: "unknown attributes", body: roleWith(members(n, `"a%05d":1`) + `,"name":"x"`),
			wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantDetail: "a00000 is not allowed."},
		{name: "one attribute repeated", body: roleWith(members(n, `"name":"n%05d"`)),
			wantStatus: http.StatusCreated, check: wantAttr("name", fmt.Sprintf("n%05d", n-1))},
		{name: "unknown relationships", body: `{"data":{"type":"roles","attributes":{"name":"x"},"relationships":{` +
			members(n, `"r%05d":{"data":null}`) + `}}}`,
			wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantDetail: "r00000 is not allowed."},
		{name: "members of data", body: `{"data":{"type":"roles",` + members(n, `"m%05d":1`) + `}}`,
			wantStatus: 400, wantCode: "PARAM_NOT_ALLOWED", wantDetail: "m00000 is not allowed."},
		{name: "members of the document", body: `{` + members(n, `"m%05d":1`) + `,"data":{"type":"roles","attributes":{"name":"Top"},` + orgLink + `}}`,
			wantStatus: http.StatusCreated, check: wantAttr("name", "Top")},
		{name: "identifiers that do not exist", method: "PATCH", path: "/api/memberships/memBBJamie",
			body: `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":[` +
				members(20_000, `{"type":"application_memberships","id":"%x"}`) + `]}}}}`,
			wantStatus: 422, wantCode: "VALIDATION_ERROR", wantDetail: "application_memberships - must exist", wantPointer: "/data/relationships/application_memberships"},
		{name: "identifiers of the wrong type", method: "PATCH", path: "/api/memberships/memBBJamie",
			body: `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":[` +
				members(20_000, `{"type":"roles","id":"%x"}`) + `]}}}}`,
			wantStatus: 400, wantCode: "TYPE_MISMATCH", wantDetail: "roles is not a valid type for this operation."},
		{name: "one identifier repeated", method: "PATCH", path: "/api/memberships/memBBJamie",
			body: `{"data":{"type":"memberships","id":"memBBJamie","relationships":{"application_memberships":{"data":[` +
				strings.Repeat(`{"type":"application_memberships","id":"appBBOrdJm"},`, 18_000) + `{"type":"application_memberships","id":"appBBOrdJm"}]}}}}`,
			wantStatus: http.StatusOK, touches: "application_memberships/appBBOrdJm"},
	})
}
