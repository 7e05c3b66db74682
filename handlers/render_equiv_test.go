package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonapi"
	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// The documents are written by hand (render_json.go, render_write.go); these tests hold the
// bytes to those encoding/json made of the google/jsonapi payloads the mock marshalled
// before, and of json.Marshal for the Adobe family, over random and hostile values.

// hostilePieces are what random strings are made of: bytes and runes that JSON escapes, or
// that encoding/json rewrites (invalid UTF-8, U+2028, U+2029), and plain text.
var hostilePieces = []string{
	"a", "Z", "0", " ", "/", "<", ">", "&", `"`, `\`, "\u2028", "\u2029", "\u2027", "\u202a",
	"\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f", "\x80", "\xff", "\xc3",
	"\xe2\x80", "\xe2\x80\xa8", "\xed\xa0\x80", "\xf4\x90\x80\x80", "é", "😀", "\ufffd",
	"</script>", "%20", "?a=1&b=2", "\u00a0",
}

func hostileString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteString(hostilePieces[r.IntN(len(hostilePieces))])
	}
	return b.String()
}

// referenceJSON is what encoding/json writes of v, escaping HTML or not.
func referenceJSON(t *testing.T, v any, escapeHTML bool) ([]byte, error) {
	t.Helper()
	if escapeHTML {
		return json.Marshal(v)
	}
	return marshalJSON(v)
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := append([]string{""}, hostilePieces...)
	for range 5000 {
		cases = append(cases, hostileString(r))
	}
	for range 500 { // arbitrary bytes
		raw := make([]byte, r.IntN(20))
		for i := range raw {
			raw[i] = byte(r.UintN(256))
		}
		cases = append(cases, string(raw))
	}
	for _, s := range cases {
		for _, html := range []bool{false, true} {
			want, err := referenceJSON(t, s, html)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendString(nil, s, html); !bytes.Equal(got, want) {
				t.Fatalf("appendString(%q, html %v) = %s, encoding/json: %s", s, html, got, want)
			}
			if got := appendString([]byte("x"), []byte(s), html); !bytes.Equal(got[1:], want) {
				t.Fatalf("appendString([]byte %q, html %v) = %s, encoding/json: %s", s, html, got[1:], want)
			}
		}
	}
}

// FuzzAppendString: go test -fuzz FuzzAppendString ./handlers/
func FuzzAppendString(f *testing.F) {
	for _, s := range hostilePieces {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{false, true} {
			want, _ := referenceJSON(t, s, html)
			if got := appendString(nil, s, html); !bytes.Equal(got, want) {
				t.Fatalf("appendString(%q, html %v) = %s, encoding/json: %s", s, html, got, want)
			}
		}
	})
}

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	values := []any{nil, true, false, int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.0, -2.5, 1e20, 1e21, 123456789e13, 1e-6, 9.99999e-7, 1e-7, 5e-324,
		math.MaxFloat64, -math.SmallestNonzeroFloat64, 0.1, 100, 1.5e300, 12345678.9,
		math.NaN(), math.Inf(1), math.Inf(-1),
		json.RawMessage(nil), json.RawMessage(`{}`), json.RawMessage(`{"a":1}`),
		json.RawMessage(` { "a" : [ 1 , 2.50 , "x y" , "<&>\u2028" ] , "b" : { "c" : null } } `),
		json.RawMessage("{\"a\":\"tab\\\"\t\"}"), json.RawMessage(`{"a":"\\"}`), json.RawMessage(`{"a":"\\\" "}`), json.RawMessage(`{"a":"\"" , "b":1}`),
		json.RawMessage(`"only a string"`), json.RawMessage(`[1, 2]`), json.RawMessage(``), json.RawMessage(`{`),
		json.RawMessage(`{"a":1} {"b":2}`), json.RawMessage(`{"a":01}`), json.RawMessage("{\"a\":\"\xff\"}"),
		json.RawMessage(`nul`), json.RawMessage(`{"a": 1}x`),
		// Values not of the store's own kinds go through encoding/json.
		int(7), float32(0.1), "plain", map[string]any{"b": 1, "a": "<&>"}, []any{1, "x"},
		time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC), struct{ A int }{1},
	}
	for range 3000 {
		values = append(values, math.Float64frombits(r.Uint64()), r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)),
			int64(r.Uint64()), hostileString(r))
	}
	for _, v := range values {
		want, wantErr := referenceJSON(t, map[string]any{"v": v}, false)
		got, err := appendValue([]byte(`{"v":`), v)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("appendValue(%#v): error %v, encoding/json's %v", v, err, wantErr)
		}
		if err == nil && !bytes.Equal(append(got, '}'), want) {
			t.Fatalf("appendValue(%#v) = %s}, encoding/json: %s", v, got, want)
		}
	}
}

// Before the hand-written documents, a resource object was a jsonapi.Node and a
// relationship this, marshalled by encoding/json.
type referenceRelationship struct {
	Links struct {
		Self    string `json:"self"`
		Related string `json:"related"`
	} `json:"links"`
	Data json.RawMessage `json:"data,omitempty"`
}

func referenceLinkage(t testing.TB, rel *models.Rel, l linkage) json.RawMessage {
	var v any
	if rel.ToMany {
		list := make([]identifier, len(l.many))
		for i, id := range l.many {
			list[i] = identifier{Type: rel.Type, ID: id}
		}
		v = list
	} else if l.one != "" {
		v = identifier{Type: rel.Type, ID: l.one}
	}
	b, err := marshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// referenceNode builds the node the mock built before for a document's node.
func referenceNode(t testing.TB, d *document, n *docNode) *jsonapi.Node {
	def, rec := n.def, n.rec
	self := selfLink(d.base, def, rec.ID())
	node := &jsonapi.Node{Type: def.Type, ID: rec.ID(), Attributes: map[string]any{}, Links: &jsonapi.Links{"self": self}}
	for i := range def.Attrs {
		attr := &def.Attrs[i]
		if attr.Rendered() && d.params.Wants(def.Type, attr.Name) {
			node.Attributes[attr.Name] = rec[attr.Name]
		}
	}
	if len(def.Rels) > 0 {
		node.Relationships = map[string]any{}
	}
	for i, rel := range def.Rels {
		if !d.params.Wants(def.Type, rel.Name) {
			continue
		}
		ro := &referenceRelationship{}
		ro.Links.Self, ro.Links.Related = self+"/relationships/"+rel.Name, self+"/"+rel.Name
		if n.linkage != nil && n.linkage[i].resolved {
			ro.Data = referenceLinkage(t, &def.Rels[i], n.linkage[i])
		}
		node.Relationships[rel.Name] = ro
	}
	return node
}

// randomValue is a value of an attribute's kind, or an odd one, as a record may hold.
func randomValue(r *rand.Rand, kind models.Kind) any {
	if r.IntN(8) == 0 {
		return nil
	}
	switch kind {
	case models.Integer:
		return int64(r.Uint64() >> r.IntN(64))
	case models.Number:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
	case models.Boolean:
		return r.IntN(2) == 0
	case models.Object:
		m := map[string]any{hostileString(r): hostileString(r), "n": r.Float64(), "list": []any{1, hostileString(r)}}
		b, _ := json.MarshalIndent(m, "", strings.Repeat(" ", r.IntN(3)))
		return json.RawMessage(b)
	}
	return hostileString(r)
}

func TestResourceObjectsMatchJSONAPIPayloads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	reg := models.All()
	defs := reg.Of(models.ProvisioningFamily)
	for round := range 400 {
		d := &document{base: "https://h" + hostileString(r), params: &query.Params{Fields: map[string]map[string]bool{}},
			nodes: map[nodeKey]*docNode{}}
		var nodes []*docNode
		for range 1 + r.IntN(4) {
			def := defs[r.IntN(len(defs))]
			rec := store.Record{"id": hostileString(r)}
			if r.IntN(10) == 0 {
				rec["id"] = ""
			}
			for _, a := range def.Attrs {
				if r.IntN(10) > 0 {
					rec[a.Name] = randomValue(r, a.Kind)
				}
			}
			if r.IntN(3) == 0 { // a sparse fieldset, perhaps empty
				fields := map[string]bool{}
				for _, name := range def.Columns() {
					if r.IntN(2) == 0 {
						fields[name] = true
					}
				}
				for _, rel := range def.Rels {
					if r.IntN(2) == 0 {
						fields[rel.Name] = true
					}
				}
				d.params.Fields[def.Type] = fields
			}
			n, _ := d.node(def, rec)
			for i, rel := range def.Rels {
				switch r.IntN(3) {
				case 0:
					d.resolve(n, i, linkage{one: hostileString(r)})
				case 1:
					var l linkage
					if rel.ToMany {
						for range r.IntN(4) {
							l.many = append(l.many, hostileString(r))
						}
					}
					d.resolve(n, i, l)
				}
			}
			nodes = append(nodes, n)
		}
		d.primary, d.included = nodes[:1], nodes[1:]

		var one []byte
		one, err := d.appendNode(append(one, `{"data":`...), d.primary[0])
		if err == nil {
			one, err = d.appendIncluded(one)
		}
		if err != nil {
			t.Fatal(err)
		}
		one = append(one, '}')
		payload := &jsonapi.OnePayload{Data: referenceNode(t, d, d.primary[0])}
		for _, n := range d.included {
			payload.Included = append(payload.Included, referenceNode(t, d, n))
		}
		want, err := marshalJSON(payload)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(one, want) {
			t.Fatalf("round %d: the document differs from encoding/json's:\ngot  %s\nwant %s", round, one, want)
		}
	}
}

// referencePageLinks are the pagination links as the mock made them before.
func referencePageLinks(c echo.Context, base string, page query.Page, pages int) *jsonapi.Links {
	link := func(n int) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set("page[number]", strconv.Itoa(n))
		q.Set("page[size]", strconv.Itoa(page.Size))
		return base + c.Request().URL.Path + "?" + q.Encode()
	}
	last := max(pages, 1)
	links := jsonapi.Links{"first": link(1), "last": link(last)}
	if page.Number > 1 {
		links["prev"] = link(min(page.Number-1, last))
	}
	if page.Number < pages {
		links["next"] = link(page.Number + 1)
	}
	return &links
}

func TestPageLinksMatchURLValuesEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	keys := []string{"page[number]", "page[size]", "filter[q][name_cont]", "sort", "include", "fields[roles]",
		"a", "zzz", "page[numbe]", "page[number]x", "pagf", "page", "Page[number]"}
	e := echo.New()
	for round := range 2000 {
		q := url.Values{}
		for range r.IntN(6) {
			k := keys[r.IntN(len(keys))]
			if r.IntN(4) == 0 {
				k = hostileString(r)
			}
			q[k] = append(q[k], hostileString(r))
		}
		path := "/api/" + url.PathEscape(hostileString(r))
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", q.Encode()
		c := e.NewContext(req, httptest.NewRecorder())
		d := &document{base: "http://" + hostileString(r)}
		page := query.Page{Number: 1 + r.IntN(5), Size: 1 + r.IntN(30)}
		pages := r.IntN(7)
		got := d.appendPageLinks(nil, c, page, pages)
		want, err := marshalJSON(referencePageLinks(c, d.base, page, pages))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d (%s, page %+v of %d): links differ:\ngot  %s\nwant %s", round, req.URL, page, pages, got, want)
		}
	}
}

// referenceCredential is how the Adobe family wrote a credential before: json.Marshal's
// strings, the objects as stored.
func referenceCredential(b *bytes.Buffer, rec store.Record) {
	str := func(key, value string) {
		k, _ := json.Marshal(key)
		v, _ := json.Marshal(value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('{')
	str("instanceId", rec.ID())
	b.WriteByte(',')
	str("createdDate", rec.String("created_at"))
	b.WriteByte(',')
	str("lastModifiedDate", rec.String("updated_at"))
	b.WriteByte(',')
	str("type", rec.String("type"))
	if name, ok := rec["name"].(string); ok {
		b.WriteByte(',')
		str("name", name)
	}
	for _, o := range models.AuthObjects {
		if raw := objectText(rec[o.Member]); raw != nil {
			b.WriteString(`,"` + o.Member + `":`)
			b.Write(raw)
		}
	}
	b.WriteByte('}')
}

func TestCredentialsMatchJSONMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for round := range 2000 {
		rec := store.Record{}
		for _, col := range []string{"id", "created_at", "updated_at", "type", "name"} {
			if r.IntN(6) > 0 {
				rec[col] = hostileString(r)
			}
		}
		for _, o := range models.AuthObjects {
			switch r.IntN(4) {
			case 0:
				rec[o.Member] = json.RawMessage(fmt.Sprintf(`{"url":%q}`, hostileString(r)))
			case 1:
				rec[o.Member] = fmt.Sprintf(`{"clientId":%q}`, hostileString(r))
			}
		}
		var want bytes.Buffer
		referenceCredential(&want, rec)
		if got := appendCredential(nil, rec); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("round %d: credential differs:\ngot  %s\nwant %s", round, got, want.Bytes())
		}
	}
}
