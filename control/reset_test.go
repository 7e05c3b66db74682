package control_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// dirty changes every part of the mock a reset puts back: a created role, a fault rule,
// journal entries, rate limits switched on and their counters used.
func dirty(t *testing.T, e *env) (createdRole string) {
	t.Helper()
	createdRole = e.createRole(t, "Left over")
	mustStatus(t, e.ctl(t, http.MethodPost, "/faults", `{"path":"/api/organizations*","status":503}`), http.StatusCreated)
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":2}`), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusTooManyRequests)
	return createdRole
}

// faultIDs lists the ids of the fault rules.
func (e *env) faultIDs(tb testing.TB) []string {
	tb.Helper()
	rec := e.ctl(tb, http.MethodGet, "/faults", "")
	mustStatus(tb, rec, http.StatusOK)
	var rules []struct {
		ID string `json:"id"`
	}
	decodeInto(tb, rec, &rules)
	out := []string{}
	for _, r := range rules {
		out = append(out, r.ID)
	}
	return out
}

func TestResetIsACleanSlate(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	created := dirty(t, e)

	rec := e.ctl(t, http.MethodPost, "/reset", "")
	mustStatus(t, rec, http.StatusOK)
	var out struct {
		Reset bool     `json:"reset"`
		Parts []string `json:"parts"`
	}
	decodeInto(t, rec, &out)
	if want := []string{"data", "faults", "journal", "rate-limits"}; !out.Reset || !slices.Equal(out.Parts, want) {
		t.Errorf("reset answered %s, want parts %v", rec.Body.String(), want)
	}

	// Data: the created role is gone.
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+created, ""), http.StatusNotFound)
	// Faults: none, and new ones are numbered from the start again.
	if got := e.faultIDs(t); len(got) != 0 {
		t.Errorf("faults after reset: %v", got)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusOK)
	rec = e.ctl(t, http.MethodPost, "/faults", `{"path":"/api/nothing","status":500}`)
	mustStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"id":"fault-1"`) {
		t.Errorf("first fault after reset: %s", rec.Body.String())
	}
	// Rate limits: as configured at start (the real ones, off), counters at zero.
	if got := e.limits(t); got != realLimits {
		t.Errorf("limits after reset %+v, want %+v", got, realLimits)
	}
	rec = e.api(t, http.MethodGet, "/api/user", "")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("X-Ratelimit-Remaining"); got != "249" {
		t.Errorf("X-Ratelimit-Remaining after reset = %q, want 249 (counters at zero)", got)
	}
	// Journal: only what came after the reset (the control API is never journaled).
	var paths []string
	for _, entry := range e.entries(t, "") {
		paths = append(paths, entry.Method+" "+entry.Path)
	}
	if want := []string{"GET /api/user", "GET /api/organizations", "GET /api/roles/" + created}; !slices.Equal(paths, want) {
		t.Errorf("journal after reset: %v, want %v", paths, want)
	}
}

func TestResetKeepsTheNamedParts(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	created := dirty(t, e)
	journaled := len(e.entries(t, ""))

	rec := e.ctl(t, http.MethodPost, "/reset?keep=journal,faults", "")
	mustStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"parts":["data","rate-limits"]`) {
		t.Errorf("reset answered %s", rec.Body.String())
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+created, ""), http.StatusNotFound)
	if got := e.faultIDs(t); !slices.Equal(got, []string{"fault-1"}) {
		t.Errorf("kept faults: %v", got)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusServiceUnavailable)
	if got := len(e.entries(t, "")); got != journaled+2 {
		t.Errorf("journal has %d entries, want the %d kept and the two since", got, journaled)
	}
	if got := e.limits(t); got != realLimits {
		t.Errorf("limits %+v, want the start ones", got)
	}

	// Keeping the data and the rate limits leaves the role and the 429.
	created = e.createRole(t, "Kept")
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":1}`), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodPost, "/reset?keep=data,rate-limits", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusTooManyRequests)
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+created, ""), http.StatusOK)
}

func TestResetRefusesAnUnknownPart(t *testing.T) {
	e := newEnv(t, mock.Options{})
	created := e.createRole(t, "Still here")
	rec := e.ctl(t, http.MethodPost, "/reset?keep=journal,snapshots", "")
	mustStatus(t, rec, http.StatusBadRequest)
	if got, want := controlError(t, rec), `keep names parts of the mock among data, faults, journal, rate-limits, not "snapshots"`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	// Nothing was reset.
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+created, ""), http.StatusOK)
}

func TestMockResetIsACleanSlateToo(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	dirty(t, e)
	if err := e.m.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := e.faultIDs(t); len(got) != 0 {
		t.Errorf("faults after Mock.Reset: %v", got)
	}
	if got := e.limits(t); got != realLimits {
		t.Errorf("limits after Mock.Reset %+v", got)
	}
}

// controlFile starts with a fault and rate limits of its own.
const controlFile = `{
  "faults": [
    {"method": "GET", "path": "/api/organizations*", "status": 503, "times": 1},
    {"path": "/api/versions*", "code": "INVALID_TOKEN"}
  ],
  "rate_limits": {"enabled": true, "reads_per_10s_per_endpoint": 3}
}`

func TestControlFileIsTheStartAndWhatResetGoesBackTo(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now, Control: []byte(controlFile), ControlName: "control.json"})
	check := func(when string) {
		t.Helper()
		rec := e.ctl(t, http.MethodGet, "/faults", "")
		var rules []map[string]any
		decodeInto(t, rec, &rules)
		want := []map[string]any{
			{"id": "fault-1", "method": "GET", "path": "/api/organizations*", "status": 503.0, "times": 1.0, "remaining": 1.0},
			{"id": "fault-2", "path": "/api/versions*", "code": "INVALID_TOKEN"},
		}
		if !reflect.DeepEqual(rules, want) {
			got, _ := json.Marshal(rules)
			t.Errorf("%s: faults %s", when, got)
		}
		want2 := realLimits
		want2.Enabled, want2.ReadsPer10s = true, 3
		if got := e.limits(t); got != want2 {
			t.Errorf("%s: limits %+v, want %+v", when, got, want2)
		}
		mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusServiceUnavailable)
		mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusOK) // times: 1
		mustStatus(t, e.api(t, http.MethodGet, "/api/versions", ""), http.StatusUnauthorized)
		for range 3 {
			mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
		}
		mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusTooManyRequests)
	}
	check("at start")
	mustStatus(t, e.ctl(t, http.MethodDelete, "/faults", ""), http.StatusNoContent)
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":false}`), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)
	check("after reset")
}

func TestControlFileErrors(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"not JSON", `faults: []`, `control.json: a control file is a JSON object {"faults": [...], "rate_limits": {...}}: invalid character 'u' in literal false (expecting 'l')`},
		{"unknown member", `{"fault": []}`, `control.json: a control file is a JSON object {"faults": [...], "rate_limits": {...}}: json: unknown field "fault"`},
		{"unknown fault member", `{"faults": [{"path": "/api/*", "status": 500, "colour": "red"}]}`, `control.json: a control file is a JSON object {"faults": [...], "rate_limits": {...}}: json: unknown field "colour"`},
		{"bad fault", `{"faults": [{"path": "/api/*", "status": 500}, {"path": "/api/*", "status": 200}]}`, `control.json: faults[1]: status must be an error status, 400 to 599`},
		{"id set", `{"faults": [{"id": "fault-9", "path": "/api/*", "status": 500}]}`, `control.json: faults[0]: id and remaining are the mock's to set`},
		{"two documents", `{} {}`, `control.json: a control file holds one JSON object`},
		{"bad limits", `{"rate_limits": {"enabled": "yes"}}`, `control.json: a control file is a JSON object {"faults": [...], "rate_limits": {...}}: json: cannot unmarshal string into Go struct field Limits.rate_limits.enabled of type bool`},
		{"over --max-faults", `{"faults": [{"path": "/a", "status": 500}, {"path": "/b", "status": 500}]}`, `the control file has 2 fault rules, over the limit of 1 (--max-faults)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mock.New(t.Context(), mock.Options{Control: []byte(tc.file), ControlName: "control.json", MaxFaults: 1, TokenKey: testTokenKey()})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v\n  want %s", err, tc.want)
			}
		})
	}
}
