package query_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// FuzzParseFilter feeds arbitrary filter key suffixes and values into query.Parse, strictly
// and leniently, on every listable type: it must not panic, every error must be an API error
// with a 4xx status, and every accepted filter must be well formed.
//
//	go test -run='^$' -fuzz=FuzzParseFilter -fuzztime=20s ./query/
func FuzzParseFilter(f *testing.F) {
	for _, seed := range [][2]string{
		{"[q][name_eq]", "webapp1"},
		{"[q][name_or_reference_cont]", "00"},
		{"[q][organization_name_start]", "alpha"},
		{"[q][role_organization_slug_eq]", "beta-store"},
		{"[q][expires_in_gt]", "10000"},
		{"[q][expires_in_in]", "7200,100000"},
		{"[q][expires_in_lt_all]", "20000,15000"},
		{"[q][created_at_gteq]", "2024-02-01"},
		{"[q][created_at_eq]", "2024-01-10T11:00:00.250+01:00"},
		{"[q][confidential_true]", "1"},
		{"[q][custom_eq]", "false"},
		{"[q][redirect_uri_null]", "true"},
		{"[q][name_matches]", `%\_1`},
		{"[q][name_cont]", "0%"},
		{"[q][name_not_cont_all]", "a,e"},
		{"[q][metadata_cont]", "gold"},
		{"[q][id_not_eq_all]", "a,b"},
		{"[q][name_or_organization_name_or_role_name_end]", "x"},
		{"[q][expires_in_gt]", "abc"},
		{"[q][created_at_lt]", "2024-02-30"},
		{"[q][bogus_eq]", "1"},
		{"[q][name_true]", "true"},
		{"[q][api_credentials_name_eq]", "x"},
		{"[q][memberships_user_email_cont]", "x"},
		{"[q][metadata_jcont]", `{"tier":"gold","n":[1,{"a":null}]}`},
		{"[q][kind_not_in_or_null]", "webapp,orders"},
		{"[ids]", "a,b"},
		{"[created_at_from]", "2024-01-01"},
		{"[organization_id]", "x"},
		{"[expires_in]", "7200,x"},
		{"[q][name_cont]", "\x00"},
		{"[foo]", "1"},
		{"[q]", "1"},
		{"[q][]", ""},
		{"[q][name_eq][]", "x"},
		{"[q][_or__eq]", ""},
		{"[q][name_or__or_name_eq]", "x"},
		{"[q]]", "x"},
		{"", "x"},
	} {
		f.Add(seed[0], seed[1])
	}
	reg := models.Provisioning()
	var defs []*models.Resource
	for _, def := range reg.All() {
		if def.Offers(models.OpList) {
			defs = append(defs, def)
		}
	}
	f.Fuzz(func(t *testing.T, suffix, value string) {
		for _, key := range []string{"filter" + suffix, "filter[q][" + suffix + "]"} {
			for _, def := range defs {
				for _, lenient := range []bool{false, true} {
					p, err := query.Parse(reg, def, url.Values{key: {value}}, query.Options{LenientFilters: lenient})
					if err != nil {
						checkAPIError(t, key, value, err)
						continue
					}
					for _, flt := range p.Filters {
						checkFilter(t, key, value, flt)
					}
				}
			}
		}
	})
}

func checkAPIError(t *testing.T, key, value string, err error) {
	t.Helper()
	list := wireErrors(err)
	if len(list) == 0 {
		t.Fatalf("%q=%q: error %v is not an API error", key, value, err)
	}
	for _, e := range list {
		if e.HTTPStatus < 400 || e.HTTPStatus > 499 {
			t.Fatalf("%q=%q: status %d: %v", key, value, e.HTTPStatus, e)
		}
		if e.Code == "" || e.Title == "" || e.Detail == "" {
			t.Fatalf("%q=%q: incomplete error %+v", key, value, e)
		}
	}
}

func checkFilter(t *testing.T, key, value string, flt query.Filter) {
	t.Helper()
	if len(flt.Paths) == 0 {
		t.Fatalf("%q=%q: filter %s without attributes", key, value, flt.Key)
	}
	if strings.HasPrefix(key, "filter[q][") && !strings.HasSuffix(flt.Key, "_"+flt.Pred.Name) {
		t.Fatalf("%q=%q: key %s does not end with its predicate %s", key, value, flt.Key, flt.Pred.Name)
	}
	for i, p := range flt.Paths {
		vals := flt.ValuesFor(i)
		if len(vals) == 0 {
			t.Fatalf("%q=%q: filter %s has no values for %s", key, value, flt.Key, p.Column)
		}
		if flt.Pred.Quant == query.One && len(vals) != 1 {
			t.Fatalf("%q=%q: filter %s takes one value, has %d", key, value, flt.Key, len(vals))
		}
		if len(p.Hops) > 4 {
			t.Fatalf("%q=%q: filter %s goes %d hops deep", key, value, flt.Key, len(p.Hops))
		}
		for _, h := range p.Hops {
			if h.ToMany && !h.Flags.Has(models.Filterable) {
				t.Fatalf("%q=%q: filter %s goes through unfilterable to-many %s", key, value, flt.Key, h.Name)
			}
		}
		for _, v := range vals {
			switch v := v.(type) {
			case string:
				if (flt.Pred.Op == query.OpLike || flt.Pred.Op == query.OpNotLike) && len(v) > query.MaxPatternLength {
					t.Fatalf("%q=%q: pattern of %d bytes accepted", key, value, len(v))
				}
				if strings.IndexByte(v, 0) >= 0 {
					t.Fatalf("%q=%q: value with NUL accepted", key, value)
				}
			case int64, float64, bool:
			case map[string]any:
				if flt.Pred.Op != query.OpJSONContains {
					t.Fatalf("%q=%q: object value for %s", key, value, flt.Pred.Name)
				}
			default:
				t.Fatalf("%q=%q: value %#v of type %T", key, value, v, v)
			}
		}
	}
}
