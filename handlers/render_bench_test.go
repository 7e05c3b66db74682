package handlers

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/google/jsonapi"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// The rendering alone, from a document's gathered nodes to its bytes and ETag: written by
// hand, and as the mock did before (google/jsonapi nodes marshalled by encoding/json, an
// FNV-1a ETag). go test -run '^$' -bench Render ./handlers/

// benchDocument is a page of n api_credentials of one organization, each with its role,
// with include=organization,role resolved when include is set.
func benchDocument(n int, include bool) (d *document, org *docNode) {
	reg := models.All()
	creds, orgs, roles := reg.Lookup("api_credentials"), reg.Lookup("organizations"), reg.Lookup("roles")
	d = &document{base: "https://provisioning.commercelayer.io", params: &query.Params{}, nodes: map[nodeKey]*docNode{}}
	times := map[string]any{"created_at": "2025-01-01T00:00:00.000Z", "updated_at": "2025-01-02T03:04:05.678Z",
		"reference": nil, "reference_origin": nil, "metadata": json.RawMessage(`{}`)}
	record := func(fields map[string]any) store.Record {
		rec := store.Record{}
		for k, v := range times {
			rec[k] = v
		}
		for k, v := range fields {
			rec[k] = v
		}
		return rec
	}
	org, _ = d.node(orgs, record(map[string]any{"id": "orgBlueBrd", "name": "The Blue Brand", "slug": "the-blue-brand",
		"domain": "the-blue-brand.commercelayer.io", "support_phone": nil, "support_email": "support@example.com",
		"logo_url": nil, "favicon_url": nil, "primary_color": "#0000FF", "contrast_color": "#FFFFFF", "gtm_id": nil,
		"gtm_id_test": nil, "discount_disabled": false, "account_disabled": false, "acceptance_disabled": false,
		"max_concurrent_promotions": int64(10), "max_concurrent_imports": int64(10), "region": "eu-west-1",
		"can_switch_live": true, "subscription_info": json.RawMessage(`{"plan":"growth","seats":5}`)}))
	role, _ := d.node(roles, record(map[string]any{"id": "rolBBAdmin", "name": "Admin", "kind": "admin",
		"organization_id": "orgBlueBrd"}))
	for i := 0; i < n; i++ {
		c, _ := d.node(creds, record(map[string]any{"id": fmt.Sprintf("cred%06d", i), "name": fmt.Sprintf("Bench app %02d", i),
			"kind": "integration", "confidential": true, "redirect_uri": nil, "client_id": fmt.Sprintf("bench-client-%02d", i),
			"client_secret": "s", "scopes": "market:all", "expires_in": int64(7200), "mode": "test", "custom": false,
			"organization_id": "orgBlueBrd", "role_id": "rolBBAdmin"}))
		if include {
			d.resolve(c, 0, linkage{one: "orgBlueBrd"})
			d.resolve(c, 1, linkage{one: "rolBBAdmin"})
		}
		d.primary = append(d.primary, c)
	}
	if include {
		d.included = []*docNode{org, role}
	}
	return d, org
}

func referenceETag(body []byte) string {
	h := fnv.New64a()
	h.Write(body)
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], h.Sum64())
	return `W/"` + hex.EncodeToString(sum[:]) + `"`
}

func benchRender(b *testing.B, d *document, many bool) {
	b.ReportAllocs()
	for b.Loop() {
		buf := getDocBuffer()
		out := append(*buf, `{"data":`...)
		var err error
		if many {
			out, err = d.appendNodes(out, d.primary)
		} else {
			out, err = d.appendNode(out, d.primary[0])
		}
		if err == nil {
			out, err = d.appendIncluded(out)
		}
		if err != nil {
			b.Fatal(err)
		}
		*buf = append(out, '}')
		_ = etagOf(*buf)
		putDocBuffer(buf)
	}
}

func benchReferenceRender(b *testing.B, d *document, many bool) {
	b.ReportAllocs()
	for b.Loop() {
		nodes := make([]*jsonapi.Node, len(d.primary))
		for i, n := range d.primary {
			nodes[i] = referenceNode(b, d, n)
		}
		var included []*jsonapi.Node
		for _, n := range d.included {
			included = append(included, referenceNode(b, d, n))
		}
		var doc any = &jsonapi.OnePayload{Data: nodes[0], Included: included}
		if many {
			doc = &jsonapi.ManyPayload{Data: nodes, Included: included}
		}
		body, err := marshalJSON(doc)
		if err != nil {
			b.Fatal(err)
		}
		_ = referenceETag(body)
	}
}

// BenchmarkRenderRetrieve: the organization of BenchmarkRetrieve.
func BenchmarkRenderRetrieve(b *testing.B) {
	d, org := benchDocument(0, false)
	d.primary = []*docNode{org}
	b.Run("written", func(b *testing.B) { benchRender(b, d, false) })
	b.Run("encoding-json", func(b *testing.B) { benchReferenceRender(b, d, false) })
}

func BenchmarkRenderList25Include(b *testing.B) {
	d, _ := benchDocument(25, true)
	b.Run("written", func(b *testing.B) { benchRender(b, d, true) })
	b.Run("encoding-json", func(b *testing.B) { benchReferenceRender(b, d, true) })
}
