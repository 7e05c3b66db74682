package app_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunControlFileFromFlagAndEnvironment(t *testing.T) {
	path := writeDataset(t, "control.json", `{"faults": [{"path": "/api/roles*", "status": 503}]}`)
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"flag":        {[]string{"--addr", "127.0.0.1:0", "--control-file", path}, nil},
		"environment": {[]string{"--addr", "127.0.0.1:0"}, map[string]string{"CONTROL_FILE": path}},
	} {
		t.Run(name, func(t *testing.T) {
			in := start(t, tc.args, tc.env)
			if res := in.do(t, http.MethodGet, "/api/roles", ""); res.status != http.StatusServiceUnavailable {
				t.Errorf("GET /api/roles = %d, want the control file's 503", res.status)
			}
			if res := in.do(t, http.MethodGet, "/api/organizations", ""); res.status != http.StatusOK {
				t.Errorf("GET /api/organizations = %d", res.status)
			}
		})
	}
}

func TestRunControlFileErrorsNameTheFile(t *testing.T) {
	bad := writeDataset(t, "control.json", `{"faults": [{"path": "/api/*"}]}`)
	missing := filepath.Join(t.TempDir(), "none.json")
	for _, tc := range []struct{ path, want string }{
		{bad, bad + ": faults[0]: a fault needs delay_ms, status, code or drop"},
		{missing, "control file: open " + missing + ": no such file or directory"},
	} {
		_, err := runFails(t, []string{"--addr", "127.0.0.1:0", "--control-file", tc.path}, nil)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q, want %q", err, tc.want)
		}
	}
}
