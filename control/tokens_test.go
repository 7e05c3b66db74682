package control_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/mock"
)

// TestMintToken: POST /_mock/tokens signs a token for any user of the data, by id or
// email, with any lifetime; a negative one gives a token that is already expired, which
// the API refuses as it refuses any expired token.
func TestMintToken(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, mock.Options{Now: func() time.Time { return now }})
	mint := func(body string) (int, map[string]any) {
		t.Helper()
		rec := e.ctl(t, http.MethodPost, "/tokens", body)
		var doc map[string]any
		decodeInto(t, rec, &doc)
		return rec.Code, doc
	}
	payload := func(tok string) map[string]any {
		t.Helper()
		raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	use := func(tok string) int {
		return e.serve(t, req{http.MethodGet, "/api/user", "", []string{"Authorization", "Bearer " + tok, "Accept", "application/vnd.api+json"}}).Code
	}

	for _, tc := range []struct {
		name, body string
		user       string
		ttl        float64
		wantAPI    int
	}{
		{"by email, default lifetime", `{"email":"viewer@example.com"}`, "usrViewer1", 7200, http.StatusOK},
		{"by id, short lifetime", `{"user_id":"usrDemoOwn","ttl_seconds":60}`, "usrDemoOwn", 60, http.StatusOK},
		{"already expired", `{"user_id":"usrDemoOwn","ttl_seconds":-3600}`, "usrDemoOwn", -3600, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, doc := mint(tc.body)
			if status != http.StatusCreated {
				t.Fatalf("status %d, body %v", status, doc)
			}
			tok, _ := doc["access_token"].(string)
			want := map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": tc.ttl,
				"scope": "provisioning-api", "created_at": float64(now.Unix())}
			if !reflect.DeepEqual(doc, want) {
				t.Fatalf("document = %v, want %v", doc, want)
			}
			p := payload(tok)
			if p["user"].(map[string]any)["id"] != tc.user || p["exp"] != float64(now.Unix())+tc.ttl {
				t.Fatalf("payload = %v", p)
			}
			if got := use(tok); got != tc.wantAPI {
				t.Fatalf("GET /api/user with the minted token = %d, want %d", got, tc.wantAPI)
			}
		})
	}
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"no user", `{}`, http.StatusBadRequest},
		{"both", `{"user_id":"usrDemoOwn","email":"demo@example.com"}`, http.StatusBadRequest},
		{"unknown member", `{"user_id":"usrDemoOwn","ttl":5}`, http.StatusBadRequest},
		{"not JSON", `nope`, http.StatusBadRequest},
		{"unknown id", `{"user_id":"usrNobody1"}`, http.StatusNotFound},
		{"unknown email", `{"email":"nobody@example.com"}`, http.StatusNotFound},
	} {
		if status, doc := mint(tc.body); status != tc.want || doc["error"] == "" || doc["error"] == nil {
			t.Errorf("%s: %d %v, want %d with an error", tc.name, status, doc, tc.want)
		}
	}
}
