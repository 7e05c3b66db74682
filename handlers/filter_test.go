package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// The api_credentials of testdata/filters.yaml, in default (creation) order. The file's
// header tabulates their attributes; every expected list below is derived from it.
const (
	a1 = "apcWebUnd1" // Webapp_1      webapp         conf true   redirect https://...  7200     REF-001 erp
	a2 = "apcWebapp1" // webapp1       webapp         conf true   redirect ""           9000     ""      ""
	a3 = "apcPercent" // 100% off      sales_channel  conf false  redirect NULL         14400    NULL    NULL    (role hidden)
	b1 = "apcUpperOn" // WEBAPP ONE    integration    conf true   redirect NULL         20000    ref-002 NULL
	b2 = "apcCafeExp" // Café Express  integration    conf NULL   redirect https://...  100000   REF-003 crm
	b3 = "apcCafeNoi" // CAFÉ NOIR     sales_channel  conf false  redirect ""           31536000 NULL    NULL
	b4 = "apcLegacy1" // Legacy 1000   orders         conf true   redirect https://...  NULL     NULL    NULL
	a4 = "apcZetaToo" // zeta tool     orders         conf true   redirect https://...  7200     REF-004 erp
)

// allCredentials is every api_credential in default order.
var allCredentials = []string{a1, a2, a3, b1, b2, b3, b4, a4}

// specPredicates is SPEC.md's list of predicates, verbatim.
const specPredicates = `eq not_eq matches does_not_match matches_any matches_all does_not_match_any
  does_not_match_all lt lteq gt gteq present blank null not_null in not_in lt_any lteq_any
  gt_any gteq_any lt_all lteq_all gt_all gteq_all not_eq_all start not_start start_any
  start_all not_start_any not_start_all end not_end end_any end_all not_end_any not_end_all
  cont not_cont cont_any cont_all not_cont_all true false`

// specSDKPredicates are the two predicates SPEC adds, which the SDK treats specially.
const specSDKPredicates = `jcont not_in_or_null`

func filtersDataset(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("../testdata/filters.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustFiltersServer(tb testing.TB, cfg handlers.Config) *testServer {
	tb.Helper()
	cfg.BaseURL = testBase
	return mustServerWith(tb, filtersDataset(tb), cfg)
}

// fq builds a query string of filter[q] conditions from condition/value pairs.
func fq(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add("filter[q]["+pairs[i]+"]", pairs[i+1])
	}
	return v.Encode()
}

func list(ids ...string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

type filterCase struct {
	name  string // also the predicate it covers when pred is empty and name is a predicate
	pred  string // the predicate of SPEC's list this case covers, if any
	path  string // default /api/api_credentials
	query string // the raw query string
	want  []string
}

// predicateCases has at least one case per predicate of SPEC's list, each on
// /api/api_credentials of testdata/filters.yaml.
var predicateCases = []filterCase{
	{pred: "eq", query: fq("name_eq", "webapp1"), want: list(a2)},
	{pred: "not_eq", name: "NULL is not unequal", query: fq("mode_not_eq", "test"), want: list(a3, b2)},
	{pred: "not_eq_all", query: fq("kind_not_eq_all", "webapp,orders"), want: list(a3, b1, b2, b3)},
	// matches: SQL LIKE patterns, case ignored; _ is a wildcard here.
	{pred: "matches", query: fq("name_matches", "%p_1"), want: list(a1, a2)},
	{pred: "matches", name: "matches ignores case", query: fq("name_matches", "WEB%"), want: list(a1, a2, b1)},
	{pred: "does_not_match", query: fq("name_does_not_match", "%a%"), want: list(a3)},
	{pred: "matches_any", query: fq("name_matches_any", "%1,zeta%"), want: list(a1, a2, a4)},
	{pred: "matches_all", query: fq("name_matches_all", "w%,%1"), want: list(a1, a2)},
	{pred: "does_not_match_any", query: fq("name_does_not_match_any", "w%,%e"), want: list(a1, a2, a3, b2, b3, b4, a4)},
	{pred: "does_not_match_all", query: fq("name_does_not_match_all", "w%,%e"), want: list(a3, b2, b3, b4, a4)},
	// Comparisons: numbers as numbers (text order would give other answers).
	{pred: "lt", query: fq("expires_in_lt", "10000"), want: list(a1, a2, a4)},
	{pred: "lteq", query: fq("expires_in_lteq", "9000"), want: list(a1, a2, a4)},
	{pred: "gt", query: fq("expires_in_gt", "10000"), want: list(a3, b1, b2, b3)},
	{pred: "gteq", query: fq("expires_in_gteq", "20000"), want: list(b1, b2, b3)},
	{pred: "lt_any", query: fq("expires_in_lt_any", "8000,15000"), want: list(a1, a2, a3, a4)},
	{pred: "lteq_any", query: fq("expires_in_lteq_any", "7200,100"), want: list(a1, a4)},
	{pred: "gt_any", query: fq("expires_in_gt_any", "50000,99999999"), want: list(b2, b3)},
	{pred: "gteq_any", query: fq("expires_in_gteq_any", "31536000,100000"), want: list(b2, b3)},
	{pred: "lt_all", query: fq("expires_in_lt_all", "20000,15000"), want: list(a1, a2, a3, a4)},
	{pred: "lteq_all", query: fq("expires_in_lteq_all", "14400,100000"), want: list(a1, a2, a3, a4)},
	{pred: "gt_all", query: fq("expires_in_gt_all", "9000,14400"), want: list(b1, b2, b3)},
	{pred: "gteq_all", query: fq("expires_in_gteq_all", "9000,14400"), want: list(a3, b1, b2, b3)},
	// NULL against the empty string.
	{pred: "present", query: fq("redirect_uri_present", "true"), want: list(a1, b2, b4, a4)},
	{pred: "present", name: "present false", query: fq("redirect_uri_present", "false"), want: list(a2, a3, b1, b3)},
	{pred: "blank", query: fq("redirect_uri_blank", "true"), want: list(a2, a3, b1, b3)},
	{pred: "blank", name: "blank false", query: fq("redirect_uri_blank", "false"), want: list(a1, b2, b4, a4)},
	{pred: "null", query: fq("redirect_uri_null", "true"), want: list(a3, b1)},
	{pred: "null", name: "null false", query: fq("redirect_uri_null", "false"), want: list(a1, a2, b2, b3, b4, a4)},
	{pred: "not_null", query: fq("redirect_uri_not_null", "true"), want: list(a1, a2, b2, b3, b4, a4)},
	{pred: "not_null", name: "not_null false", query: fq("redirect_uri_not_null", "false"), want: list(a3, b1)},
	{pred: "in", query: fq("expires_in_in", "7200,100000"), want: list(a1, b2, a4)},
	{pred: "not_in", query: fq("kind_not_in", "webapp,sales_channel"), want: list(b1, b2, b4, a4)},
	// start/end/cont take the value literally, ignoring case.
	{pred: "start", query: fq("name_start", "web"), want: list(a1, a2, b1)},
	{pred: "not_start", query: fq("name_not_start", "web"), want: list(a3, b2, b3, b4, a4)},
	{pred: "start_any", query: fq("name_start_any", "web,caf"), want: list(a1, a2, b1, b2, b3)},
	{pred: "start_all", name: "underscore is literal", query: fq("name_start_all", "web,webapp_"), want: list(a1)},
	{pred: "not_start_any", query: fq("name_not_start_any", "web,webapp_"), want: list(a2, a3, b1, b2, b3, b4, a4)},
	{pred: "not_start_all", query: fq("name_not_start_all", "web,caf"), want: list(a3, b4, a4)},
	{pred: "end", name: "underscore is literal", query: fq("name_end", "_1"), want: list(a1)},
	{pred: "not_end", query: fq("name_not_end", "1"), want: list(a3, b1, b2, b3, b4, a4)},
	{pred: "end_any", query: fq("name_end_any", "off,noir"), want: list(a3, b3)},
	{pred: "end_all", query: fq("name_end_all", "1,p1"), want: list(a2)},
	{pred: "not_end_any", query: fq("name_not_end_any", "1,p1"), want: list(a1, a3, b1, b2, b3, b4, a4)},
	{pred: "not_end_all", query: fq("name_not_end_all", "1,off"), want: list(b1, b2, b3, b4, a4)},
	{pred: "cont", name: "percent is literal", query: fq("name_cont", "0%"), want: list(a3)},
	{pred: "not_cont", query: fq("name_not_cont", "app"), want: list(a3, b2, b3, b4, a4)},
	{pred: "cont_any", query: fq("name_cont_any", "caf,tool"), want: list(b2, b3, a4)},
	{pred: "cont_all", query: fq("name_cont_all", "web,one"), want: list(b1)},
	{pred: "not_cont_all", query: fq("name_not_cont_all", "a,e"), want: list(a3)},
	// Booleans; NULL is neither true nor false, and is not "not true" either (SQL, as the
	// real service's Ransack compiles _true=false to != TRUE).
	{pred: "true", query: fq("confidential_true", "true"), want: list(a1, a2, b1, b4, a4)},
	{pred: "true", name: "true false", query: fq("confidential_true", "false"), want: list(a3, b3)},
	{pred: "false", query: fq("custom_false", "true"), want: list(a1, b1, b3, a4)},
	{pred: "false", name: "false false", query: fq("custom_false", "false"), want: list(a2, b2)},
	// not_in_or_null: NOT IN, and NULL too (which not_in skips).
	{pred: "not_in_or_null", query: fq("mode_not_in_or_null", "test"), want: list(a3, b2, b4)},
	{pred: "not_in_or_null", name: "a list", query: fq("reference_origin_not_in_or_null", "erp,crm"), want: list(a2, a3, b1, b3, b4)},
	{pred: "not_in_or_null", name: "typed", query: fq("expires_in_not_in_or_null", "07200,9000"), want: list(a3, b1, b2, b3, b4)},
	{pred: "not_in_or_null", name: "through a hop, hidden and missing roles are NULL", query: fq("role_name_not_in_or_null", "admin"), want: list(a2, a3, b2, b3)},
	// jcont: JSON containment of an object, as the SDK sends it (JSON-encoded).
	{pred: "jcont", query: fq("metadata_jcont", `{"tier":"gold"}`), want: list(a1, b4)},
	{pred: "jcont", name: "every key", query: fq("metadata_jcont", `{"tier":"gold","region":"eu"}`), want: list(a1)},
	{pred: "jcont", name: "values are exact", query: fq("metadata_jcont", `{"tier":"GOLD"}`), want: list()},
	{pred: "jcont", name: "empty object: any object", query: fq("metadata_jcont", `{}`), want: list(a1, a3, b4)},
	{pred: "jcont", name: "unknown key", query: fq("metadata_jcont", `{"colour":"gold"}`), want: list()},
	{pred: "jcont", name: "a string is not a number", query: fq("metadata_jcont", `{"tier":1}`), want: list()},
	{pred: "jcont", name: "through a hop", query: fq("organization_metadata_jcont", `{}`), want: list()},
}

// trickyCases are the other cases of the issue: case, wildcards, NULL, lists, typed
// values, _or_, traversal, relationship lists, several filters.
var trickyCases = []filterCase{
	// Case: eq, in and comparisons are exact; the LIKE families ignore case.
	{name: "eq is exact", query: fq("name_eq", "WEBAPP1"), want: list()},
	{name: "in is exact", query: fq("name_in", "webapp1,WEBAPP ONE,zeta TOOL"), want: list(a2, b1)},
	{name: "id eq is exact", query: fq("id_eq", "apcpercent"), want: list()},
	{name: "string comparison is exact", query: fq("name_gteq", "a"), want: list(a2, a4)},
	{name: "cont ignores case", query: fq("name_cont", "WEBAPP"), want: list(a1, a2, b1)},
	{name: "end ignores case", query: fq("name_end", "NOIR"), want: list(b3)},
	{name: "cont ignores non-ASCII case", query: fq("name_cont", "café"), want: list(b2, b3)},
	{name: "start ignores non-ASCII case", query: fq("name_start", "CAFÉ"), want: list(b2, b3)},
	{name: "matches ignores non-ASCII case", query: fq("name_matches", "%É%"), want: list(b2, b3)},
	{name: "not_cont ignores non-ASCII case", query: fq("name_not_cont", "É"), want: list(a1, a2, a3, b1, b4, a4)},
	{name: "eq is exact on non-ASCII", query: fq("name_eq", "café express"), want: list()},
	{name: "matches escaped non-ASCII", query: fq("name_matches", `%\É%`), want: list(b2, b3)},
	{name: "non-ASCII in a list", query: fq("name_start_any", "café,zeta"), want: list(b2, b3, a4)},
	{name: "non-ASCII not_start_all", query: fq("name_not_start_all", "CAFÉ N,w"), want: list(a3, b2, b4, a4)},
	{name: "non-ASCII does not match NULL", query: fq("reference_origin_not_cont", "é"), want: list(a1, a2, b2, a4)},
	// % and _ are literal in cont/start/end, wildcards in matches.
	{name: "cont percent alone", query: fq("name_cont", "%"), want: list(a3)},
	{name: "cont underscore alone", query: fq("name_cont", "_"), want: list(a1)},
	{name: "cont p_1 literal", query: fq("name_cont", "p_1"), want: list(a1)},
	{name: "start 100%", query: fq("name_start", "100%"), want: list(a3)},
	{name: "end % off", query: fq("name_end", "% off"), want: list(a3)},
	{name: "cont backslash is literal", query: fq("name_cont", `\`), want: list()},
	{name: "matches percent is a wildcard", query: fq("name_matches", "%"), want: allCredentials},
	{name: "matches underscore is a wildcard", query: fq("name_matches", "_ebapp%"), want: list(a1, a2, b1)},
	{name: "matches escaped underscore", query: fq("name_matches", `%\_1`), want: list(a1)},
	{name: "matches 100 without percent", query: fq("name_matches", "%100%"), want: list(a3, b4)},
	// NULL against empty strings.
	{name: "eq empty string is not NULL", query: fq("redirect_uri_eq", ""), want: list(a2, b3)},
	{name: "reference null", query: fq("reference_null", "true"), want: list(a3, b3, b4)},
	{name: "reference blank", query: fq("reference_blank", "true"), want: list(a2, a3, b3, b4)},
	{name: "reference present", query: fq("reference_present", "1"), want: list(a1, b1, b2, a4)},
	{name: "reference not_null 0", query: fq("reference_not_null", "0"), want: list(a3, b3, b4)},
	{name: "reference not_eq skips NULL", query: fq("reference_not_eq", "REF-001"), want: list(a2, b1, b2, a4)},
	{name: "reference_origin in", query: fq("reference_origin_in", "erp,crm"), want: list(a1, b2, a4)},
	{name: "reference_origin eq empty", query: fq("reference_origin_eq", ""), want: list(a2)},
	{name: "expires_in null", query: fq("expires_in_null", "true"), want: list(b4)},
	{name: "mode in one value", query: fq("mode_in", "live"), want: list(a3, b2)},
	// Numbers.
	{name: "number with leading zero", query: fq("expires_in_eq", "07200"), want: list(a1, a4)},
	{name: "number with spaces", query: fq("expires_in_eq", " 7200 "), want: list(a1, a4)},
	{name: "number not_eq skips NULL", query: fq("expires_in_not_eq", "7200"), want: list(a2, a3, b1, b2, b3)},
	{name: "number gt and sort", query: fq("expires_in_gt", "10000") + "&sort=mode,-created_at", want: list(b2, a3, b3, b1)},
	// Timestamps as times: with or without milliseconds or zone, and plain dates.
	{name: "created_at gt without millis", query: fq("created_at_gt", "2024-01-10T10:00:00Z"), want: list(a2, a3, b1, b2, b3, b4, a4)},
	{name: "created_at eq short millis (tie)", query: fq("created_at_eq", "2024-01-10T10:00:00.25Z"), want: list(a2, a3)},
	{name: "created_at eq other zone", query: fq("created_at_eq", "2024-01-10T11:00:00.250+01:00"), want: list(a2, a3)},
	{name: "created_at lt without zone", query: fq("created_at_lt", "2024-01-10T10:00:00.250"), want: list(a1)},
	{name: "created_at lt zone crossing the date", query: fq("created_at_lt", "2024-02-01T01:00:00+02:00"), want: list(a1, a2, a3)},
	{name: "created_at gteq plain date", query: fq("created_at_gteq", "2024-02-01"), want: list(b1, b2, b3, b4, a4)},
	{name: "created_at lt plain date", query: fq("created_at_lt", "2024-02-01"), want: list(a1, a2, a3)},
	{name: "created_at lteq millis", query: fq("created_at_lteq", "2024-02-01T12:30:45.123Z"), want: list(a1, a2, a3, b1, b2)},
	{name: "created_at gt last millisecond", query: fq("created_at_gt", "2024-03-15T23:59:59.998Z"), want: list(b3, b4, a4)},
	{name: "created_at eq space separated", query: fq("created_at_eq", "2024-02-01 12:30:45.123"), want: list(b2)},
	{name: "created_at in", query: fq("created_at_in", "2024-01-10T10:00:00Z,2024-05-05T05:05:05.005Z"), want: list(a1, a4)},
	// Finer than the stored milliseconds.
	{name: "created_at lt sub-millisecond", query: fq("created_at_lt", "2024-01-10T10:00:00.0001Z"), want: list(a1)},
	{name: "created_at gteq sub-millisecond", query: fq("created_at_gteq", "2024-01-10T10:00:00.0001Z"), want: list(a2, a3, b1, b2, b3, b4, a4)},
	{name: "created_at gt sub-millisecond", query: fq("created_at_gt", "2024-01-10T10:00:00.2509Z"), want: list(b1, b2, b3, b4, a4)},
	{name: "created_at lteq sub-millisecond", query: fq("created_at_lteq", "2024-01-10T10:00:00.2509Z"), want: list(a1, a2, a3)},
	{name: "created_at eq sub-millisecond", query: fq("created_at_eq", "2024-01-10T10:00:00.0001Z"), want: list()},
	{name: "created_at not_in sub-millisecond", query: fq("created_at_not_in", "2024-01-10T10:00:00.0001Z"), want: allCredentials},
	{name: "created_at lt_any sub-millisecond", query: fq("created_at_lt_any", "2024-01-10T10:00:00.0001Z,2020-01-01"), want: list(a1)},
	{name: "created_at start (text)", query: fq("created_at_start", "2024-01"), want: list(a1, a2, a3)},
	{name: "updated_at gt", query: fq("updated_at_gt", "2024-02-15"), want: list(a1, b3, b4, a4)},
	// Booleans.
	{name: "boolean eq 1", query: fq("confidential_eq", "1"), want: list(a1, a2, b1, b4, a4)},
	{name: "boolean eq false", query: fq("confidential_eq", "false"), want: list(a3, b3)},
	{name: "boolean eq TRUE", query: fq("confidential_eq", "TRUE"), want: list(a1, a2, b1, b4, a4)},
	{name: "boolean not_eq skips NULL", query: fq("confidential_not_eq", "true"), want: list(a3, b3)},
	{name: "boolean null", query: fq("confidential_null", "true"), want: list(b2)},
	{name: "boolean in", query: fq("custom_in", "1,0"), want: list(a1, a2, b1, b2, b3, a4)},
	{name: "custom null", query: fq("custom_null", "true"), want: list(a3, b4)},
	// Other attributes.
	{name: "metadata cont", query: fq("metadata_cont", "gold"), want: list(a1, b4)},
	{name: "metadata null", query: fq("metadata_null", "true"), want: list(a2, b1, b2, b3, a4)},
	{name: "id in", query: fq("id_in", "apcPercent,apcCafeNoi"), want: list(a3, b3)},
	{name: "client_id start", query: fq("client_id_start", "cidbeta"), want: list(b1, b2, b3, b4)},
	{name: "scopes eq", query: fq("scopes_eq", "market:all"), want: list(a1, a3, b2, b3, b4, a4)},
	// _or_.
	{name: "or: union of both", query: fq("name_or_reference_cont", "00"), want: list(a1, a3, b1, b2, b4, a4)},
	{name: "or: three attributes", query: fq("name_or_reference_origin_or_kind_eq", "erp"), want: list(a1, a4)},
	{name: "or: kind or mode", query: fq("kind_or_mode_eq", "live"), want: list(a3, b2)},
	{name: "or: with a hop", query: fq("organization_name_or_name_start", "beta"), want: list(b1, b2, b3, b4)},
	{name: "or: name or hop", query: fq("name_or_organization_slug_cont", "alpha"), want: list(a1, a2, a3, a4)},
	{name: "or: mixed kinds, time", query: fq("name_or_created_at_eq", "2024-01-10T10:00:00Z"), want: list(a1)},
	{name: "or: mixed kinds, boolean", query: fq("name_or_confidential_eq", "true"), want: list(a1, a2, b1, b4, a4)},
	{name: "or: mixed kinds, number", query: fq("name_or_expires_in_lt", "9000"), want: list(a1, a3, a4)},
	{name: "or: null over both", query: fq("reference_or_reference_origin_null", "true"), want: list(a3, b1, b3, b4)},
	// One hop.
	{name: "organization_name_start", query: fq("organization_name_start", "alpha"), want: list(a1, a2, a3, a4)},
	{name: "organization_slug_eq", query: fq("organization_slug_eq", "beta-store"), want: list(b1, b2, b3, b4)},
	{name: "organization_id_eq", query: fq("organization_id_eq", "orgBeta002"), want: list(b1, b2, b3, b4)},
	{name: "role_id_eq", query: fq("role_id_eq", "rolAAdmin1"), want: list(a1, a4)},
	{name: "role_name_eq", query: fq("role_name_eq", "admin"), want: list(a1, b1, b4, a4)},
	{name: "role_kind_in", query: fq("role_kind_in", "custom,read_only"), want: list(a2, b2)},
	{name: "role_name_cont non-ASCII", query: fq("role_name_cont", "CAFÉ"), want: list(a2)},
	{name: "role_name_not_eq skips no role", query: fq("role_name_not_eq", "admin"), want: list(a2, b2)},
	// Through a missing to-one relationship the related attributes are NULL (the real
	// service joins with LEFT OUTER JOIN): credentials without a role match role_*_null.
	{name: "role_id_null", query: fq("role_id_null", "true"), want: list(a3, b3)},
	{name: "role_name_null", query: fq("role_name_null", "true"), want: list(a3, b3)},
	{name: "role_name_blank", query: fq("role_name_blank", "true"), want: list(a3, b3)},
	{name: "role_name_present false", query: fq("role_name_present", "false"), want: list(a3, b3)},
	{name: "role_name_not_null", query: fq("role_name_not_null", "true"), want: list(a1, a2, b1, b2, b4, a4)},
	{name: "role_name_not_null false", query: fq("role_name_not_null", "false"), want: list(a3, b3)},
	// A link to a record the user cannot see (apcPercent's role, in orgGamma03) reads as no
	// link: it neither matches that record's attributes nor escapes the null predicates.
	{name: "hidden role: role_id_eq", query: fq("role_id_eq", "rolGammaAd"), want: list()},
	{name: "hidden role: role_id_in", query: fq("role_id_in", "rolGammaAd,rolAAdmin1"), want: list(a1, a4)},
	{name: "hidden role: role_id_not_null", query: fq("role_id_not_null", "true"), want: list(a1, a2, b1, b2, b4, a4)},
	{name: "hidden role: role_id_present false", query: fq("role_id_present", "false"), want: list(a3, b3)},
	{name: "hidden role: role_kind_eq", query: fq("role_kind_eq", "admin"), want: list(a1, b1, b4, a4)},
	{name: "hidden role: role_organization_slug_eq", query: fq("role_organization_slug_eq", "gamma-hidden"), want: list()},
	{name: "hidden role: role_organization_name_blank", query: fq("role_organization_name_blank", "true"), want: list(a3, b3)},
	// Two hops.
	{name: "role_organization_slug_eq", query: fq("role_organization_slug_eq", "beta-store"), want: list(b1, b2, b4)},
	{name: "role_organization_name_cont", query: fq("role_organization_name_cont", "ALPHA"), want: list(a1, a2, a4)},
	{name: "role_organization_id_not_eq", query: fq("role_organization_id_not_eq", "orgAlpha01"), want: list(b1, b2, b4)},
	{name: "role_organization_slug_null", query: fq("role_organization_slug_null", "true"), want: list(a3, b3)},
	// Several filters combine with AND.
	{name: "and: two", query: fq("kind_eq", "webapp", "expires_in_gt", "8000"), want: list(a2)},
	{name: "and: three with a hop", query: fq("organization_slug_eq", "beta-store", "confidential_true", "true", "name_cont", "e"), want: list(b1, b4)},
	{name: "and: disjoint", query: fq("kind_eq", "webapp", "mode_eq", "live"), want: list()},
	// Relationship lists.
	{name: "rel list cont", path: "/api/organizations/orgBeta002/api_credentials", query: fq("name_cont", "caf"), want: list(b2, b3)},
	{name: "rel list two filters", path: "/api/organizations/orgBeta002/api_credentials", query: fq("name_cont", "caf", "kind_eq", "integration"), want: list(b2)},
	{name: "rel list number", path: "/api/organizations/orgAlpha01/api_credentials", query: fq("expires_in_gt", "8000"), want: list(a2, a3)},
	{name: "rel list of a role", path: "/api/roles/rolBAdmin1/api_credentials", query: fq("name_start", "leg"), want: list(b4)},
	{name: "rel list hop", path: "/api/organizations/orgAlpha01/api_credentials", query: fq("role_name_eq", "admin"), want: list(a1, a4)},
	{name: "rel list roles non-ASCII", path: "/api/organizations/orgAlpha01/roles", query: fq("name_cont", "café"), want: list("rolACafe01")},
	{name: "rel list memberships", path: "/api/organizations/orgBeta002/memberships", query: fq("owner_false", "true"), want: list("memBGuest1")},
	// Other types.
	{name: "organizations name_cont", path: "/api/organizations", query: fq("name_cont", "SHOP"), want: list("orgAlpha01")},
	{name: "organizations region_eq", path: "/api/organizations", query: fq("region_eq", "us-east-1"), want: list("orgBeta002")},
	{name: "organizations contrast_color_null", path: "/api/organizations", query: fq("contrast_color_null", "true"), want: list("orgBeta002")},
	{name: "roles organization_name_start", path: "/api/roles", query: fq("organization_name_start", "beta"), want: list("rolBAdmin1", "rolBReadO1")},
	{name: "roles name_end non-ASCII", path: "/api/roles", query: fq("name_end", "É TEAM"), want: list("rolACafe01")},
	{name: "memberships owner_true", path: "/api/memberships", query: fq("owner_true", "true"), want: list("memAOwner1", "memBOwner1")},
	{name: "memberships user_email_cont", path: "/api/memberships", query: fq("user_email_cont", "EXAMPLE.COM"), want: list("memAOwner1", "memBOwner1", "memBGuest1")},
	{name: "memberships user_email_eq exact", path: "/api/memberships", query: fq("user_email_eq", "guest@example.com"), want: list()},
	{name: "memberships access_scope_null", path: "/api/memberships", query: fq("access_scope_null", "true"), want: list("memBGuest1")},
	{name: "memberships role_organization_slug_eq", path: "/api/memberships", query: fq("role_organization_slug_eq", "alpha-shop"), want: list("memAOwner1")},
	{name: "permissions can_create_true", path: "/api/permissions", query: fq("can_create_true", "true"), want: list("prmACafeOr")},
	{name: "permissions restrictions_cont", path: "/api/permissions", query: fq("restrictions_cont", "market_id_in"), want: list("prmACafeSk")},
	{name: "permissions role_name_cont", path: "/api/permissions", query: fq("role_name_cont", "café"), want: list("prmACafeOr", "prmACafeSk")},
	{name: "application_memberships api_credential_name_eq", path: "/api/application_memberships", query: fq("api_credential_name_eq", "Webapp_1"), want: list("appAOwnWeb")},
	{name: "application_memberships filters_cont", path: "/api/application_memberships", query: fq("filters_cont", "market"), want: list("appAOwnWeb")},
}

func runFilterCases(t *testing.T, s *testServer, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		name := tc.name
		if name == "" {
			name = tc.pred
		} else if tc.pred != "" {
			name = tc.pred + ": " + name
		}
		t.Run(name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/api/api_credentials"
			}
			target := path + "?page[size]=25&" + tc.query
			rec := s.get(t, target)
			mustStatus(t, rec, http.StatusOK)
			got := ids(t, rec)
			if !reflect.DeepEqual(got, tc.want) {
				q, _ := url.QueryUnescape(tc.query)
				t.Fatalf("GET %s ?%s\n got %v\nwant %v", path, q, got, tc.want)
			}
		})
	}
}

func TestFilterPredicates(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})

	// The parser supports exactly SPEC's predicates...
	spec := strings.Fields(specPredicates + " " + specSDKPredicates)
	supported := query.Predicates()
	sortedSpec := append([]string(nil), spec...)
	sortedSupported := append([]string(nil), supported...)
	sort.Strings(sortedSpec)
	sort.Strings(sortedSupported)
	if !reflect.DeepEqual(sortedSpec, sortedSupported) {
		t.Errorf("query.Predicates() = %v\nSPEC lists %v", sortedSupported, sortedSpec)
	}
	// ...and each has a case.
	covered := map[string]bool{}
	for _, tc := range predicateCases {
		covered[tc.pred] = true
	}
	for _, p := range supported {
		if !covered[p] {
			t.Errorf("predicate %s has no case in predicateCases", p)
		}
	}
	runFilterCases(t, s, predicateCases)
}

func TestFilterTrickyCases(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	runFilterCases(t, s, trickyCases)
}

// TestFilterPagination checks that filtered lists count only the matching records.
func TestFilterPagination(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	rec := s.get(t, "/api/api_credentials?page[size]=2&page[number]=2&"+fq("expires_in_gt", "10000"))
	mustStatus(t, rec, http.StatusOK)
	if got, want := ids(t, rec), []string{b2, b3}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	meta, _ := decode(t, rec)["meta"].(map[string]any)
	if meta["record_count"] != float64(4) || meta["page_count"] != float64(2) {
		t.Fatalf("meta = %v, want record_count 4, page_count 2", meta)
	}
}

type filterErrorCase struct {
	name   string
	path   string // default /api/api_credentials
	query  string
	code   string
	detail string
}

var filterErrorCases = []filterErrorCase{
	{name: "filter key other than q", query: "filter[foo]=1", code: "FILTER_NOT_ALLOWED", detail: "foo is not allowed."},
	{name: "filter[q] without a condition", query: "filter[q]=1", code: "FILTER_NOT_ALLOWED", detail: "filter[q] is not allowed."},
	{name: "unknown attribute", query: fq("bogus_eq", "1"), code: "FILTER_NOT_ALLOWED", detail: "bogus_eq is not allowed."},
	{name: "unknown predicate", query: fq("name_bogus", "1"), code: "FILTER_NOT_ALLOWED", detail: "name_bogus is not allowed."},
	{name: "predicate alone", query: fq("eq", "1"), code: "FILTER_NOT_ALLOWED", detail: "eq is not allowed."},
	{name: "predicate not in SPEC", query: fq("name_eq_any", "a"), code: "FILTER_NOT_ALLOWED", detail: "name_eq_any is not allowed."},
	{name: "not filterable attribute", query: fq("client_secret_eq", "x"), code: "FILTER_NOT_ALLOWED", detail: "client_secret_eq is not allowed."},
	{name: "not filterable attribute of another type", path: "/api/memberships", query: fq("test_enabled_true", "true"), code: "FILTER_NOT_ALLOWED", detail: "test_enabled_true is not allowed."},
	{name: "not filterable attribute behind a hop", query: fq("organization_support_email_eq", "x"), code: "FILTER_NOT_ALLOWED", detail: "organization_support_email_eq is not allowed."},
	{name: "unknown attribute in an _or_", query: fq("name_or_bogus_cont", "x"), code: "FILTER_NOT_ALLOWED", detail: "name_or_bogus_cont is not allowed."},
	{name: "to-many hop not filterable", path: "/api/roles", query: fq("versions_resource_type_eq", "roles"), code: "FILTER_NOT_ALLOWED", detail: "versions_resource_type_eq is not allowed."},
	{name: "not filterable attribute behind a to-many hop", path: "/api/organizations", query: fq("memberships_test_enabled_true", "true"), code: "FILTER_NOT_ALLOWED", detail: "memberships_test_enabled_true is not allowed."},
	{name: "jcont on a string", query: fq("name_jcont", `{"a":1}`), code: "FILTER_NOT_ALLOWED", detail: `name_jcont is not allowed.`},
	{name: "jcont with text", query: fq("metadata_jcont", "gold"), code: "INVALID_FILTER_VALUE", detail: "gold is not a valid value for metadata_jcont."},
	{name: "jcont with an array", query: fq("metadata_jcont", `["gold"]`), code: "INVALID_FILTER_VALUE", detail: `["gold"] is not a valid value for metadata_jcont.`},
	{name: "jcont with trailing text", query: fq("metadata_jcont", `{} {}`), code: "INVALID_FILTER_VALUE", detail: `{} {} is not a valid value for metadata_jcont.`},
	{name: "jcont nested too deep", query: fq("metadata_jcont", strings.Repeat(`{"a":`, 9)+"1"+strings.Repeat("}", 9)), code: "INVALID_FILTER_VALUE",
		detail: strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9) + " is not a valid value for metadata_jcont."},
	{name: "not_in_or_null typed", query: fq("expires_in_not_in_or_null", "7200,x"), code: "INVALID_FILTER_VALUE", detail: "7200,x is not a valid value for expires_in_not_in_or_null."},
	// Top-level filters: typed as filter[q]'s, named by their key.
	{name: "top-level unknown", query: "filter[bogus]=1", code: "FILTER_NOT_ALLOWED", detail: "bogus is not allowed."},
	{name: "top-level not filterable attribute", query: "filter[client_secret]=x", code: "FILTER_NOT_ALLOWED", detail: "client_secret is not allowed."},
	{name: "top-level object attribute", query: "filter[metadata]=x", code: "FILTER_NOT_ALLOWED", detail: "metadata is not allowed."},
	{name: "top-level to-many relationship id", path: "/api/organizations", query: "filter[memberships_id]=x", code: "FILTER_NOT_ALLOWED", detail: "memberships_id is not allowed."},
	{name: "top-level bound of a type without it", query: "filter[disabled_at_from]=2024-01-01", code: "FILTER_NOT_ALLOWED", detail: "disabled_at_from is not allowed."},
	{name: "top-level bound of a string", query: "filter[name_from]=a", code: "FILTER_NOT_ALLOWED", detail: "name_from is not allowed."},
	{name: "top-level not a number", query: "filter[expires_in]=7200,abc", code: "INVALID_FILTER_VALUE", detail: "7200,abc is not a valid value for expires_in."},
	{name: "top-level not a boolean", query: "filter[confidential]=yes", code: "INVALID_FILTER_VALUE", detail: "yes is not a valid value for confidential."},
	{name: "top-level bad timestamp", query: "filter[created_at_from]=yesterday", code: "INVALID_FILTER_VALUE", detail: "yesterday is not a valid value for created_at_from."},
	{name: "top-level bad timestamp to", query: "filter[updated_at_to]=2024-02-30", code: "INVALID_FILTER_VALUE", detail: "2024-02-30 is not a valid value for updated_at_to."},
	// NUL: SQLite would read a LIKE pattern only up to it (and match everything).
	{name: "NUL in eq", query: fq("name_eq", "a\x00"), code: "INVALID_FILTER_VALUE", detail: "a\x00 is not a valid value for name_eq."},
	{name: "NUL in a top-level filter", query: "filter[name]=%00", code: "INVALID_FILTER_VALUE", detail: "\x00 is not a valid value for name."},
	{name: "NUL inside jcont", query: fq("metadata_jcont", `{"tier":"\u0000"}`), code: "INVALID_FILTER_VALUE", detail: `{"tier":"\u0000"} is not a valid value for metadata_jcont.`},
	{name: "relationship without attribute", query: fq("organization_eq", "orgAlpha01"), code: "FILTER_NOT_ALLOWED", detail: "organization_eq is not allowed."},
	{name: "true on a string", query: fq("name_true", "true"), code: "FILTER_NOT_ALLOWED", detail: "name_true is not allowed."},
	{name: "on a relationship list", path: "/api/organizations/orgAlpha01/api_credentials", query: fq("bogus_eq", "1"), code: "FILTER_NOT_ALLOWED", detail: "bogus_eq is not allowed."},
	{name: "not a number", query: fq("expires_in_gt", "abc"), code: "INVALID_FILTER_VALUE", detail: "abc is not a valid value for expires_in_gt."},
	{name: "not a whole number", query: fq("expires_in_eq", "7200.5"), code: "INVALID_FILTER_VALUE", detail: "7200.5 is not a valid value for expires_in_eq."},
	{name: "number too large", query: fq("expires_in_lt", "99999999999999999999"), code: "INVALID_FILTER_VALUE", detail: "99999999999999999999 is not a valid value for expires_in_lt."},
	{name: "empty number", query: fq("expires_in_eq", ""), code: "INVALID_FILTER_VALUE", detail: " is not a valid value for expires_in_eq."},
	{name: "bad item in a list", query: fq("expires_in_in", "7200,x"), code: "INVALID_FILTER_VALUE", detail: "7200,x is not a valid value for expires_in_in."},
	{name: "bad timestamp", query: fq("created_at_gt", "yesterday"), code: "INVALID_FILTER_VALUE", detail: "yesterday is not a valid value for created_at_gt."},
	{name: "impossible date", query: fq("created_at_lt", "2024-02-30"), code: "INVALID_FILTER_VALUE", detail: "2024-02-30 is not a valid value for created_at_lt."},
	{name: "bad timestamp behind two hops", query: fq("role_organization_created_at_gt", "x"), code: "INVALID_FILTER_VALUE", detail: "x is not a valid value for role_organization_created_at_gt."},
	{name: "bad boolean", query: fq("confidential_eq", "yes"), code: "INVALID_FILTER_VALUE", detail: "yes is not a valid value for confidential_eq."},
	{name: "bad flag", query: fq("redirect_uri_null", "maybe"), code: "INVALID_FILTER_VALUE", detail: "maybe is not a valid value for redirect_uri_null."},
	{name: "bad flag on true", query: fq("confidential_true", "2"), code: "INVALID_FILTER_VALUE", detail: "2 is not a valid value for confidential_true."},
	{name: "bad value on a relationship list", path: "/api/organizations/orgAlpha01/api_credentials", query: fq("expires_in_gt", "ten"), code: "INVALID_FILTER_VALUE", detail: "ten is not a valid value for expires_in_gt."},
}

func assertFilterError(t *testing.T, s *testServer, tc filterErrorCase) {
	t.Helper()
	path := tc.path
	if path == "" {
		path = "/api/api_credentials"
	}
	rec := s.get(t, path+"?"+tc.query)
	mustStatus(t, rec, http.StatusBadRequest)
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Errorf("Content-Type = %q", ct)
	}
	errs, _ := decode(t, rec)["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", errs)
	}
	e := errs[0].(map[string]any)
	title := map[string]string{"FILTER_NOT_ALLOWED": "Filter not allowed", "INVALID_FILTER_VALUE": "Invalid filter value"}[tc.code]
	want := map[string]any{"title": title, "detail": tc.detail, "code": tc.code, "status": "400"}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("error = %v\n want %v", e, want)
	}
}

func TestFilterErrors(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	for _, tc := range filterErrorCases {
		t.Run(tc.name, func(t *testing.T) { assertFilterError(t, s, tc) })
	}
}

func TestFilterLenient(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{Query: query.Options{LenientFilters: true}})
	runFilterCases(t, s, []filterCase{
		{name: "unknown attribute ignored", query: fq("bogus_eq", "1"), want: allCredentials},
		{name: "unknown predicate ignored", query: fq("name_bogus", "1"), want: allCredentials},
		{name: "not filterable attribute ignored", query: fq("client_secret_eq", "x"), want: allCredentials},
		{name: "unfilterable to-many hop ignored", path: "/api/roles", query: fq("versions_resource_type_eq", "x"), want: list("rolAAdmin1", "rolACafe01", "rolBAdmin1", "rolBReadO1")},
		{name: "unknown top-level filter ignored", query: "filter[bogus]=1", want: allCredentials},
		{name: "inapplicable predicate ignored", query: fq("name_true", "true"), want: allCredentials},
		{name: "known filters still apply", query: fq("bogus_eq", "1", "name_cont", "caf"), want: list(b2, b3)},
		{name: "on a relationship list", path: "/api/organizations/orgBeta002/api_credentials", query: fq("nope_cont", "x", "kind_eq", "integration"), want: list(b1, b2)},
	})
	for _, tc := range filterErrorCases {
		if tc.code != "INVALID_FILTER_VALUE" {
			continue
		}
		t.Run("still rejects: "+tc.name, func(t *testing.T) { assertFilterError(t, s, tc) })
	}
}

// kindValue is a valid filter value for an attribute of the kind.
func kindValue(k models.Kind) string {
	switch k {
	case models.Integer:
		return "7200"
	case models.Number:
		return "1.5"
	case models.Boolean:
		return "true"
	case models.Time:
		return "2024-02-01T00:00:00.000Z"
	}
	return "x"
}

// predicateValue is a valid value for the predicate on an attribute of the kind, and whether
// the predicate applies to the kind at all.
func predicateValue(pred string, k models.Kind) (string, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(pred, "_any"), "_all")
	switch {
	case pred == "jcont":
		return `{"a":[1,{"b":null}]}`, k == models.Object
	case pred == "not_in_or_null":
		return kindValue(k) + "," + kindValue(k), true
	case pred == "true" || pred == "false":
		return "true", k == models.Boolean
	case pred == "present" || pred == "blank" || pred == "null" || pred == "not_null":
		return "false", true
	case base == "lt" || base == "lteq" || base == "gt" || base == "gteq":
		v := kindValue(k)
		if base != pred {
			v += "," + v
		}
		return v, k != models.Object && k != models.Boolean
	case strings.Contains(pred, "match") || strings.Contains(pred, "start") || strings.Contains(pred, "end") || strings.Contains(pred, "cont"):
		v := "x%"
		if base != pred {
			v += ",y"
		}
		return v, true
	case pred == "in" || pred == "not_in" || pred == "not_eq_all":
		return kindValue(k) + "," + kindValue(k), true
	}
	return kindValue(k), true
}

// TestFilterEveryPredicateOnEveryAttribute sends every predicate on every filterable attribute
// of every listable type (and through each to-one and filterable to-many relationship): 200
// where it applies,
// FILTER_NOT_ALLOWED where it does not, never anything else.
func TestFilterEveryPredicateOnEveryAttribute(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	reg := models.Provisioning()
	type attr struct {
		name string
		kind models.Kind
	}
	filterable := func(def *models.Resource) []attr {
		out := []attr{{"id", models.String}}
		for _, a := range def.Attrs {
			if a.Flags.Has(models.Filterable) {
				out = append(out, attr{a.Name, a.Kind})
			}
		}
		return out
	}
	n := 0
	for _, def := range reg.All() {
		if !def.Offers(models.OpList) {
			continue
		}
		paths := filterable(def)
		for _, rel := range def.Rels {
			if rel.ToMany && !rel.Flags.Has(models.Filterable) {
				continue
			}
			for _, a := range filterable(reg.Lookup(rel.Type)) {
				paths = append(paths, attr{rel.Name + "_" + a.name, a.kind})
			}
		}
		for _, p := range paths {
			for _, pred := range query.Predicates() {
				value, applies := predicateValue(pred, p.kind)
				cond := p.name + "_" + pred
				rec := s.get(t, "/api/"+def.Path+"?"+fq(cond, value))
				n++
				switch {
				case applies && rec.Code != http.StatusOK:
					t.Errorf("%s %s=%s: status %d, want 200: %s", def.Type, cond, value, rec.Code, rec.Body.String())
				case !applies && (rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"FILTER_NOT_ALLOWED"`)):
					t.Errorf("%s %s=%s: status %d, want 400 FILTER_NOT_ALLOWED: %s", def.Type, cond, value, rec.Code, rec.Body.String())
				}
			}
		}
	}
	t.Logf("%d filter requests", n)
}

// TestFilterLargeInputs sends inputs at the edge of what SQLite accepts (1000 levels of
// expression, 32766 bound values, 50000-byte LIKE patterns): long lists, many conditions,
// long patterns and keys. They answer 200 or 400, never 500.
func TestFilterLargeInputs(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	many := func(v string, n int) string { return strings.TrimSuffix(strings.Repeat(v+",", n), ",") }
	distinct := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprint(100000000 + i)
		}
		return strings.Join(items, ",")
	}
	// 14 x 14 x 6 = 1176 distinct conditions, each true of every credential (name is never
	// NULL and never contains zzz).
	var manyConds []string
	others := []string{"kind", "client_id", "scopes", "redirect_uri", "reference", "reference_origin", "mode", "id",
		"organization_name", "organization_slug", "role_name", "role_kind", "role_organization_name", "role_organization_slug"}
	for _, x := range others {
		for _, y := range others {
			for _, p := range []string{"not_eq", "not_cont", "not_start", "not_end", "does_not_match", "not_in"} {
				manyConds = append(manyConds, "name_or_"+x+"_or_"+y+"_"+p, "zzz")
			}
		}
	}
	for _, tc := range []struct {
		name   string
		query  string
		status int
		want   []string // on 200
		code   string   // on 400
	}{
		{"cont_any with 2000 values", fq("name_cont_any", many("caf", 1000)+","+many("tool", 1000)), 200, list(b2, b3, a4), ""},
		{"not_cont_all with 2000 distinct values", fq("name_not_cont_all", distinct(2000)), 200, allCredentials, ""},
		{"in with 40000 repeated values", fq("expires_in_in", many("7200", 40000)), 200, list(a1, a4), ""},
		{"in with 20000 distinct values", fq("expires_in_not_in", distinct(20000)), 200, list(a1, a2, a3, b1, b2, b3, a4), ""},
		{"in with 40000 distinct values", fq("expires_in_in", distinct(40000)), 400, nil, "BAD_REQUEST"},
		{"_or_ over 300 attributes", fq(strings.Repeat("name_or_", 299)+"name_cont", "noir"), 200, list(b3), ""},
		{"1176 conditions", fq(manyConds...), 200, allCredentials, ""},
		{"pattern of 10000 bytes", fq("name_cont", strings.Repeat("x", 10000)), 200, list(), ""},
		{"pattern of 10000 escaped bytes", fq("name_cont", strings.Repeat("%", 10000)), 200, list(), ""},
		{"pattern of 10001 bytes", fq("name_cont", strings.Repeat("x", 10001)), 400, nil, "INVALID_FILTER_VALUE"},
		{"matches pattern of 60000 percents", fq("name_matches", strings.Repeat("%", 60000)), 400, nil, "INVALID_FILTER_VALUE"},
		{"non-ASCII pattern of 9999 bytes", fq("name_matches", strings.Repeat("é", 4999)+"%"), 200, list(), ""},
		{"very long unknown condition", fq(strings.Repeat("name_or_", 5000)+"bogus_eq", "1"), 400, nil, "FILTER_NOT_ALLOWED"},
		{"very long condition of known names", fq(strings.Repeat("name_or_", 5000)+"name_eq", "1"), 400, nil, "FILTER_NOT_ALLOWED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.get(t, "/api/api_credentials?page[size]=25&"+tc.query)
			if rec.Code != tc.status {
				body := rec.Body.String()
				if len(body) > 500 {
					body = body[:500] + "..."
				}
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			if tc.status != http.StatusOK {
				errs, _ := decode(t, rec)["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["code"] != tc.code {
					t.Fatalf("errors = %.300v, want one %s", errs, tc.code)
				}
				return
			}
			if got := ids(t, rec); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestFilterTopLevel covers the jsonapi-resources filters beside filter[q]: comma lists
// (IN) typed as the attribute, relationship ids (through tenancy), and time bounds.
func TestFilterTopLevel(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	const idps = "/api/identity_providers"
	runFilterCases(t, s, []filterCase{
		{name: "id", query: "filter[id]=apcPercent", want: list(a3)},
		{name: "id list", query: "filter[id]=apcPercent,apcCafeNoi", want: list(a3, b3)},
		{name: "ids", query: "filter[ids]=apcCafeNoi,apcPercent,nope", want: list(a3, b3)},
		{name: "id is exact", query: "filter[id]=apcpercent", want: list()},
		{name: "attribute list", query: "filter[kind]=webapp,orders", want: list(a1, a2, b4, a4)},
		{name: "attribute is exact", query: "filter[name]=WEBAPP1", want: list()},
		{name: "integer typed", query: "filter[expires_in]=07200", want: list(a1, a4)},
		{name: "boolean typed", query: "filter[confidential]=false", want: list(a3, b3)},
		{name: "boolean list", query: "filter[custom]=1,0", want: list(a1, a2, b1, b2, b3, a4)},
		{name: "timestamp typed", query: "filter[created_at]=2024-01-10T11:00:00.250%2B01:00", want: list(a2, a3)},
		{name: "relationship id", query: "filter[organization_id]=orgBeta002", want: list(b1, b2, b3, b4)},
		{name: "relationship id list", query: "filter[role_id]=rolAAdmin1,rolBReadO1", want: list(a1, b2, a4)},
		{name: "relationship id of a hidden record", query: "filter[role_id]=rolGammaAd", want: list()},
		{name: "created_at_from", query: "filter[created_at_from]=2024-02-01", want: list(b1, b2, b3, b4, a4)},
		{name: "created_at_from is inclusive", query: "filter[created_at_from]=2024-02-01T12:30:45.123Z", want: list(b2, b3, b4, a4)},
		{name: "created_at_to is inclusive", query: "filter[created_at_to]=2024-01-10T10:00:00.250Z", want: list(a1, a2, a3)},
		{name: "created_at from and to", query: "filter[created_at_from]=2024-02-01&filter[created_at_to]=2024-03-31", want: list(b1, b2, b3)},
		{name: "updated_at_from", query: "filter[updated_at_from]=2024-02-15", want: list(a1, b3, b4, a4)},
		{name: "updated_at_to", query: "filter[updated_at_to]=2024-02-15", want: list(a2, a3, b1, b2)},
		{name: "with filter[q]", query: "filter[organization_id]=orgAlpha01&" + fq("name_cont", "web"), want: list(a1, a2)},
		{name: "on a relationship list", path: "/api/organizations/orgBeta002/api_credentials", query: "filter[kind]=integration", want: list(b1, b2)},
		{name: "disabled_at_from", path: idps, query: "filter[disabled_at_from]=2024-02-01", want: list("idpAzureOff")},
		{name: "disabled_at_to", path: idps, query: "filter[disabled_at_to]=2024-02-01", want: list()},
		{name: "identity provider user_id", path: idps, query: "filter[user_id]=usrFilters", want: list("idpOktaOne1", "idpAzureOff")},
		{name: "memberships status", path: "/api/memberships", query: "filter[status]=pending", want: list("memBGuest1")},
	})
}

// TestFilterToMany covers filters through to-many relationships: a record matches once
// (EXISTS, not a join), only the related records the user may see count, and a record
// without any has NULL for the related attributes.
func TestFilterToMany(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	const orgs, roles = "/api/organizations", "/api/roles"
	runFilterCases(t, s, []filterCase{
		{name: "memberships_user_email_cont", path: orgs, query: fq("memberships_user_email_cont", "GUEST"), want: list("orgBeta002")},
		{name: "matches once", path: orgs, query: fq("memberships_user_email_cont", "example.com"), want: list("orgAlpha01", "orgBeta002")},
		{name: "negated: some member is not", path: orgs, query: fq("memberships_user_email_not_eq", "filters@example.com"), want: list("orgBeta002")},
		{name: "permissions_subject_eq", path: roles, query: fq("permissions_subject_eq", "skus"), want: list("rolACafe01")},
		{name: "permissions_subject_in", path: roles, query: fq("permissions_subject_in", "skus,orders"), want: list("rolACafe01")},
		{name: "then to-one", path: orgs, query: fq("api_credentials_role_name_eq", "read_only"), want: list("orgBeta002")},
		{name: "in an _or_", path: roles, query: fq("name_or_permissions_subject_eq", "read_only"), want: list("rolBReadO1")},
		{name: "typed", path: orgs, query: fq("api_credentials_expires_in_gt", "50000"), want: list("orgBeta002")},
		{name: "jcont", path: roles, query: fq("permissions_restrictions_jcont", `{"market_id_in":[2]}`), want: list("rolACafe01")},
		{name: "jcont numbers as numbers", path: roles, query: fq("permissions_restrictions_jcont", `{"market_id_in":[1.0,2]}`), want: list("rolACafe01")},
		{name: "jcont array lacks an element", path: roles, query: fq("permissions_restrictions_jcont", `{"market_id_in":[3]}`), want: list()},
		{name: "application_memberships of memberships", path: "/api/memberships", query: fq("application_memberships_filters_jcont", `{"market_id_in":[1]}`), want: list("memAOwner1")},
		{name: "rel list", path: "/api/organizations/orgAlpha01/roles", query: fq("permissions_subject_eq", "orders"), want: list("rolACafe01")},
		// memGCross1 belongs to orgGamma03, which the user cannot see, though it points at
		// rolACafe01: it neither matches nor keeps rolACafe01 from having no memberships.
		{name: "tenancy: an invisible related record never matches", path: roles, query: fq("memberships_user_email_eq", "cross@example.com"), want: list()},
		{name: "tenancy: an invisible related record is no record", path: roles, query: fq("memberships_id_null", "true"), want: list("rolACafe01")},
		{name: "no related record: NULL", path: roles, query: fq("permissions_id_null", "true"), want: list("rolAAdmin1", "rolBAdmin1", "rolBReadO1")},
		{name: "no related record: not_in_or_null", path: roles, query: fq("permissions_subject_not_in_or_null", "orders"), want: list("rolAAdmin1", "rolACafe01", "rolBAdmin1", "rolBReadO1")},
	})
	// One record per match: the count is the number of organizations, not of memberships.
	rec := s.get(t, orgs+"?"+fq("memberships_user_email_cont", "example.com"))
	mustStatus(t, rec, http.StatusOK)
	if meta := decode(t, rec)["meta"].(map[string]any); meta["record_count"] != float64(2) {
		t.Fatalf("meta = %v, want record_count 2", meta)
	}
}

// TestFilterNULInLikePredicates sends a NUL in every LIKE-based predicate (SQLite would read
// the pattern only up to it, and %00 matched every record): each is a 400.
func TestFilterNULInLikePredicates(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	n := 0
	for _, pred := range query.Predicates() {
		if !strings.Contains(pred, "match") && !strings.Contains(pred, "start") && !strings.Contains(pred, "end") && !strings.Contains(pred, "cont") {
			continue
		}
		if pred == "jcont" {
			continue // not LIKE: JSON, covered in filterErrorCases
		}
		for _, value := range []string{"\x00", "web\x00", "a,\x00"} {
			n++
			cond := "name_" + pred
			assertFilterError(t, s, filterErrorCase{query: fq(cond, value), code: "INVALID_FILTER_VALUE",
				detail: value + " is not a valid value for " + cond + "."})
		}
	}
	if n != 3*23 { // the matches, start, end and cont families: 6 + 6 + 6 + 5 predicates
		t.Fatalf("%d LIKE cases, want %d", n, 3*23)
	}
}
